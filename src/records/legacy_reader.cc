// Parsing legacy (magic 0/1) message sets and up-converting them to one RecordBatch v2.
#include <zlib.h>

#include "compression/compression.h"
#include "records/batch_builder.h"
#include "records/batch_validator.h"
#include "records/legacy_format.h"

namespace sluice::records::detail {
namespace {

namespace LL = legacy_layout;

records_error fail(batch_error reason, const char* detail) { return {reason, detail}; }

// Context of the wrapper whose inner set is being visited.
struct wrapper_ctx {
  int8_t magic = 0;
  int64_t offset = 0;
  int64_t timestamp = -1;
  bool log_append_time = false;
  compression codec = compression::none;
  int64_t last_inner_offset = 0;  // magic 1: relative offset of the last inner message
};

struct visit_state {
  const legacy_limits& limits;
  const legacy_visitor& visit;
  size_t budget;  // decompressed bytes still allowed
};

// Reads an int32-length nullable byte string at [p, end).
bool read_bytes(const uint8_t*& p, const uint8_t* end, nullable_bytes& out) {
  if (end - p < 4) return false;
  const int32_t len = load_be32(p);
  p += 4;
  if (len == -1) {
    out.reset();
    return true;
  }
  if (len < 0 || len > end - p) return false;
  out = bytes_view{p, static_cast<size_t>(len)};
  p += len;
  return true;
}

result<std::string> decompress_wrapper(compression codec, int8_t magic, bytes_view value, size_t max_output) {
  if (codec == compression::lz4 && magic == 0)
    return sluice::compression::decompress_lz4_legacy_kafka(value, max_output);
  return sluice::compression::decompress(static_cast<sluice::compression::codec>(codec), value, max_output);
}

std::optional<records_error> visit_set(bytes_view set, visit_state& st, const wrapper_ctx* wrapper);

// Visits one whole entry (offset, size, message).
std::optional<records_error> visit_entry(bytes_view entry, visit_state& st, const wrapper_ctx* wrapper) {
  if (!wrapper && entry.size() > st.limits.max_message_bytes)
    return fail(batch_error::message_too_large, "message larger than max.message.bytes");
  const int8_t magic = static_cast<int8_t>(entry[LL::magic]);
  if (magic > 1 || magic < 0) {
    return fail(batch_error::invalid_record, wrapper
                                                 ? "inner message magic is not 0 or 1"
                                                 : "magic-2 batch or unknown magic in a legacy message set");
  }
  const size_t key_at = magic == 0 ? LL::v0_key_length : LL::v1_key_length;
  if (entry.size() < key_at + 8) return fail(batch_error::corrupt_message, "message shorter than its header");
  const uint32_t stored = static_cast<uint32_t>(load_be32(entry.data() + LL::crc));
  const uint32_t actual =
      static_cast<uint32_t>(crc32_z(0, entry.data() + LL::magic, entry.size() - LL::magic));
  if (stored != actual) return fail(batch_error::corrupt_message, "message CRC-32 mismatch");

  const int8_t attributes = static_cast<int8_t>(entry[LL::attributes]);
  const int codec = attributes & 0x07;
  if (codec >= static_cast<int>(compression::zstd))
    return fail(batch_error::unsupported_compression_type, "zstd or unknown codec in a magic 0/1 message");
  legacy_view v;
  v.offset = load_be64(entry.data());
  v.magic = magic;
  if (magic == 1) {
    v.timestamp = load_be64(entry.data() + LL::timestamp);
    v.log_append_time = attributes & LL::timestamp_type_bit;
  }
  const uint8_t* p = entry.data() + key_at;
  const uint8_t* end = entry.data() + entry.size();
  if (!read_bytes(p, end, v.key) || !read_bytes(p, end, v.value) || p != end)
    return fail(batch_error::corrupt_message, "message key/value lengths disagree with its size");

  if (wrapper) {
    if (codec != 0)
      return fail(batch_error::invalid_record, "compressed message inside a compressed wrapper");
    if (magic != wrapper->magic)
      return fail(batch_error::invalid_record, "inner message magic differs from the wrapper");
    v.wrapper_codec = wrapper->codec;
    if (magic == 1) {
      // Relative inner offsets; the wrapper carries the absolute offset of the last one.
      v.offset = wrapping_add(wrapper->offset, wrapping_sub(v.offset, wrapper->last_inner_offset));
      if (wrapper->log_append_time) {
        v.timestamp = wrapper->timestamp;
        v.log_append_time = true;
      }
    }
    return st.visit(v);
  }
  if (codec == 0) return st.visit(v);

  // A compressed wrapper: its value is a compressed inner message set.
  if (!v.value) return fail(batch_error::corrupt_message, "compressed wrapper message with a null value");
  auto inner = decompress_wrapper(static_cast<compression>(codec), magic, *v.value, st.budget);
  if (!inner) {
    return inner.err().code == errc::out_of_range
               ? fail(batch_error::message_too_large, "decompressed messages exceed the decompression bound")
               : fail(batch_error::corrupt_message, "compressed wrapper cannot be decompressed");
  }
  st.budget -= inner->size();
  wrapper_ctx ctx;
  ctx.magic = magic;
  ctx.offset = v.offset;
  ctx.timestamp = v.timestamp;
  ctx.log_append_time = v.log_append_time;
  ctx.codec = static_cast<compression>(codec);
  const bytes_view inner_set = as_bytes(*inner);
  for (auto e : split_batches(inner_set)) ctx.last_inner_offset = load_be64(e.data());
  return visit_set(inner_set, st, &ctx);
}

std::optional<records_error> visit_set(bytes_view set, visit_state& st, const wrapper_ctx* wrapper) {
  batch_splitter split(set);
  while (auto entry = split.next()) {
    if (auto e = visit_entry(*entry, st, wrapper)) return e;
  }
  if (split.tail() != split_tail::none)
    return fail(batch_error::corrupt_message, "truncated or malformed message");
  return std::nullopt;
}

}  // namespace

std::optional<records_error> visit_message_set(bytes_view set, const legacy_limits& limits,
                                               const legacy_visitor& visit) {
  visit_state st{limits, visit, limits.max_uncompressed_bytes};
  return visit_set(set, st, nullptr);
}

}  // namespace sluice::records::detail

namespace sluice::records {

records_result<std::vector<legacy_message>> read_message_set(std::span<const uint8_t> bytes,
                                                             const legacy_limits& limits) {
  std::vector<legacy_message> out;
  auto copy = [](const nullable_bytes& b) -> std::optional<std::string> {
    if (!b) return std::nullopt;
    return std::string(as_chars(*b));
  };
  auto e = detail::visit_message_set(bytes, limits,
                                     [&](const detail::legacy_view& v) -> std::optional<records_error> {
                                       legacy_message m;
                                       m.offset = v.offset;
                                       m.magic = v.magic;
                                       m.timestamp = v.timestamp;
                                       m.log_append_time = v.log_append_time;
                                       m.wrapper_codec = v.wrapper_codec;
                                       m.key = copy(v.key);
                                       m.value = copy(v.value);
                                       out.push_back(std::move(m));
                                       return std::nullopt;
                                     });
  if (e) return *e;
  return out;
}

records_result<up_converted> up_convert_message_set(std::span<const uint8_t> bytes,
                                                    const up_conversion_options& options) {
  up_converted result;
  batch_builder builder;
  auto e = detail::visit_message_set(
      bytes, options.limits, [&](const detail::legacy_view& v) -> std::optional<records_error> {
        if (builder.record_count() == std::numeric_limits<int32_t>::max())
          return records_error{batch_error::message_too_large, "too many messages"};
        builder.append(v.timestamp, v.key, v.value);
        if (v.magic > result.source_magic) result.source_magic = v.magic;
        if (v.wrapper_codec != compression::none) result.source_codec = v.wrapper_codec;
        return std::nullopt;
      });
  if (e) return *e;
  if (builder.empty()) return records_error{batch_error::invalid_record, "empty message set"};
  builder.set_compression(options.target_codec.value_or(result.source_codec), options.compression_level);
  result.record_count = builder.record_count();
  auto built = builder.build();
  if (!built) return records_error{batch_error::message_too_large, "converted batch cannot be built"};
  result.batch = std::move(*built);
  return result;
}

}  // namespace sluice::records
