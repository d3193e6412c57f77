// Reading records out of a RecordBatch v2.
#include "records/record_reader.h"

#include "compression/compression.h"

namespace sluice::records {

namespace L = batch_layout;

records_result<record_reader> record_reader::open(std::span<const uint8_t> batch,
                                                  const read_options& options) {
  auto h = parse_batch_header(batch);
  if (!h) return records_error{batch_error::corrupt_message, "batch shorter than its header"};
  if (h->magic != 2) return records_error{batch_error::invalid_record, "batch magic is not 2"};
  if (h->batch_length < static_cast<int32_t>(L::header_size - L::log_overhead) ||
      h->total_size() != batch.size())
    return records_error{batch_error::corrupt_message, "batch length disagrees with the bytes given"};
  if (options.verify_crc && stored_crc(batch) != compute_crc(batch))
    return records_error{batch_error::corrupt_message, "CRC-32C mismatch"};
  const int codec = h->attributes & batch_attr::compression_mask;
  if (codec > static_cast<int>(compression::zstd))
    return records_error{batch_error::unsupported_compression_type, "unknown compression codec id"};
  if (h->records_count < 0) return records_error{batch_error::invalid_record, "negative records_count"};

  record_reader reader;
  reader.header_ = *h;
  const bytes_view payload = batch.subspan(L::header_size);
  if (h->codec() == compression::none) {
    reader.borrowed_ = payload;
  } else {
    auto plain = sluice::compression::decompress(static_cast<sluice::compression::codec>(h->codec()), payload,
                                                 options.max_uncompressed_bytes);
    if (!plain) {
      if (plain.err().code == errc::out_of_range)
        return records_error{batch_error::message_too_large,
                             "decompressed records exceed the decompression bound"};
      return records_error{batch_error::corrupt_message, "compressed records cannot be decompressed"};
    }
    reader.owned_ = std::move(*plain);
  }
  return reader;
}

bool record_reader::next(record_view& out) {
  if (error_) return false;
  const bytes_view data = records().subspan(pos_);
  if (read_ == header_.records_count) {
    if (!data.empty())
      error_ = records_error{batch_error::invalid_record, "bytes left after records_count records"};
    return false;
  }
  if (data.empty()) {
    error_ = records_error{batch_error::invalid_record, "fewer records than records_count"};
    return false;
  }
  if (const char* e = decode_record(data, header_.base_offset, header_.base_timestamp, out)) {
    error_ = records_error{batch_error::invalid_record, e};
    return false;
  }
  if (out.offset_delta <= previous_delta_) {
    error_ = records_error{batch_error::invalid_record, "offset deltas not increasing"};
    return false;
  }
  previous_delta_ = out.offset_delta;
  if (header_.has_log_append_time()) out.timestamp = header_.max_timestamp;
  pos_ += out.encoded_size;
  ++read_;
  return true;
}

records_result<std::vector<record_data>> read_records(std::span<const uint8_t> batch,
                                                      const read_options& options) {
  auto reader = record_reader::open(batch, options);
  if (!reader) return reader.err();
  std::vector<record_data> out;
  record_view r;
  auto copy = [](const nullable_bytes& b) -> std::optional<std::string> {
    if (!b) return std::nullopt;
    return std::string(as_chars(*b));
  };
  while (reader->next(r)) {
    record_data d;
    d.offset = r.offset;
    d.timestamp = r.timestamp;
    d.key = copy(r.key);
    d.value = copy(r.value);
    for (const auto& h : r.headers) d.headers.emplace_back(std::string(as_chars(h.key)), copy(h.value));
    out.push_back(std::move(d));
  }
  if (reader->error()) return *reader->error();
  return out;
}

}  // namespace sluice::records
