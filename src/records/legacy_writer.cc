// Writing legacy (magic 0/1) messages, and down-converting stored v2 batches for Fetch v0-3.
#include <zlib.h>

#include <cstring>

#include "records/batch_validator.h"
#include "records/legacy_format.h"
#include "records/record_reader.h"

namespace sluice::records::detail {

namespace LL = legacy_layout;

size_t legacy_message_size(int8_t magic, nullable_bytes key, nullable_bytes value) {
  return (magic == 0 ? LL::v0_key_length : LL::v1_key_length) + 8 + (key ? key->size() : 0) +
         (value ? value->size() : 0);
}

void append_legacy_message(std::string& out, int8_t magic, int64_t offset, int64_t timestamp,
                           bool log_append_time, nullable_bytes key, nullable_bytes value) {
  const size_t size = legacy_message_size(magic, key, value);
  const size_t at = out.size();
  out.resize(at + size);
  auto* p = reinterpret_cast<uint8_t*>(out.data() + at);
  store_be64(p, offset);
  store_be32(p + 8, static_cast<int32_t>(size - batch_layout::log_overhead));
  p[LL::magic] = static_cast<uint8_t>(magic);
  p[LL::attributes] = (magic == 1 && log_append_time) ? LL::timestamp_type_bit : 0;
  uint8_t* q = p + LL::v0_key_length;
  if (magic == 1) {
    store_be64(p + LL::timestamp, timestamp);
    q = p + LL::v1_key_length;
  }
  for (const nullable_bytes* b : {&key, &value}) {
    if (!*b) {
      store_be32(q, -1);
      q += 4;
      continue;
    }
    store_be32(q, static_cast<int32_t>((*b)->size()));
    q += 4;
    if (!(*b)->empty()) std::memcpy(q, (*b)->data(), (*b)->size());
    q += (*b)->size();
  }
  const uint32_t crc = static_cast<uint32_t>(crc32_z(0, p + LL::magic, size - LL::magic));
  store_be32(p + LL::crc, static_cast<int32_t>(crc));
}

}  // namespace sluice::records::detail

namespace sluice::records {
namespace {

// Appends messages until max_bytes; remembers where it stopped.
struct down_writer {
  const down_conversion_options& options;
  down_converted& out;

  // False when the message does not fit (conversion stops).
  bool add(int64_t offset, int64_t timestamp, bool log_append_time, nullable_bytes key,
           nullable_bytes value) {
    if (offset < options.first_offset) {
      out.next_offset = wrapping_add(offset, 1);
      return true;
    }
    const size_t size = detail::legacy_message_size(options.magic, key, value);
    if (out.message_count > 0 &&
        (size > options.max_bytes || out.message_set.size() > options.max_bytes - size)) {
      out.truncated = true;
      return false;
    }
    detail::append_legacy_message(out.message_set, options.magic, offset, timestamp, log_append_time, key,
                                  value);
    ++out.message_count;
    out.next_offset = wrapping_add(offset, 1);
    return true;
  }
};

}  // namespace

records_result<down_converted> down_convert_to_message_set(std::span<const uint8_t> batches,
                                                           const down_conversion_options& options) {
  if (options.magic != 0 && options.magic != 1)
    return records_error{batch_error::invalid_record, "down-conversion target magic must be 0 or 1"};
  down_converted out;
  down_writer w{options, out};
  batch_splitter split(batches);
  while (auto entry = split.next()) {
    if (peek_magic(*entry) != 2) {
      // A legacy entry in the log: re-encode its messages in the target magic.
      legacy_limits limits;
      limits.max_message_bytes = std::numeric_limits<size_t>::max();
      limits.max_uncompressed_bytes = options.max_uncompressed_bytes;
      bool stopped = false;
      auto e = detail::visit_message_set(
          *entry, limits, [&](const detail::legacy_view& v) -> std::optional<records_error> {
            if (!stopped && !w.add(v.offset, v.timestamp, v.log_append_time, v.key, v.value)) stopped = true;
            return std::nullopt;
          });
      if (e) return *e;
      if (stopped) return out;
      continue;
    }
    if (auto h = parse_batch_header(*entry); h && h->last_offset() < options.first_offset) {
      out.next_offset = wrapping_add(h->last_offset(), 1);  // wholly before the fetch offset: skip unread
      continue;
    }
    auto reader = record_reader::open(*entry, read_options{options.max_uncompressed_bytes, false});
    if (!reader) return reader.err();
    const batch_header& h = reader->header();
    if (h.is_control()) {  // transaction markers mean nothing to magic 0/1 consumers
      out.next_offset = wrapping_add(h.last_offset(), 1);
      continue;
    }
    record_view r;
    while (reader->next(r)) {
      if (!w.add(r.offset, r.timestamp, h.has_log_append_time(), r.key, r.value)) return out;
    }
    if (reader->error()) return *reader->error();
    out.next_offset = wrapping_add(h.last_offset(), 1);
  }
  if (split.tail() == split_tail::malformed)
    return records_error{batch_error::corrupt_message, "malformed batch length"};
  return out;
}

}  // namespace sluice::records
