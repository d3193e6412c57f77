// Validation of RecordBatch v2 bytes, and splitting byte ranges into batches.
#include "records/batch_validator.h"

#include <string>

#include "compression/compression.h"
#include "records/record_codec.h"

namespace sluice::records {
namespace {

namespace L = batch_layout;

constexpr int16_t unknown_attribute_bits = static_cast<int16_t>(0xFF80);

records_error fail(batch_error reason, const char* detail) { return {reason, detail}; }

bool timestamp_allowed(int64_t ts, const validation_limits& limits) {
  return ts == -1 || (ts >= limits.min_timestamp && ts <= limits.max_timestamp);
}

// Decodes every record of `data` (the batch's record section, decompressed if needed) and checks
// them against the header. Returns the failure, if any; sets max_ts to the largest timestamp.
std::optional<records_error> walk_records(bytes_view data, const batch_header& h,
                                          const validation_limits& limits, int64_t& max_ts) {
  const bool check_timestamps =
      !h.has_log_append_time() && (limits.min_timestamp != std::numeric_limits<int64_t>::min() ||
                                   limits.max_timestamp != std::numeric_limits<int64_t>::max());
  max_ts = -1;
  int64_t previous_delta = -1;
  record_view r;
  for (int32_t i = 0; i < h.records_count; ++i) {
    if (data.empty()) return fail(batch_error::invalid_record, "fewer records than records_count");
    if (const char* e = decode_record(data, h.base_offset, h.base_timestamp, r))
      return fail(batch_error::invalid_record, e);
    if (r.offset_delta <= previous_delta)
      return fail(batch_error::invalid_record, "offset deltas not increasing");
    if (r.offset_delta > h.last_offset_delta)
      return fail(batch_error::invalid_record, "offset delta beyond last_offset_delta");
    previous_delta = r.offset_delta;
    if (limits.require_keys && !r.key)
      return fail(batch_error::invalid_record, "compacted topic cannot accept a record without a key");
    if (check_timestamps && !timestamp_allowed(r.timestamp, limits))
      return fail(batch_error::invalid_timestamp, "record timestamp outside the allowed range");
    if (r.timestamp > max_ts) max_ts = r.timestamp;
    data = data.subspan(r.encoded_size);
  }
  if (!data.empty()) return fail(batch_error::invalid_record, "bytes left after records_count records");
  return std::nullopt;
}

}  // namespace

records_result<batch_info> validate_batch(std::span<const uint8_t> bytes, const validation_limits& limits) {
  // Framing first, in the order Kafka's ProduceRequest.validateRecords meets the problems: no
  // complete batch at all is INVALID_RECORD ("at least one record batch"), a length field below
  // any message's minimum is CORRUPT_MESSAGE.
  if (bytes.size() < L::log_overhead) return fail(batch_error::invalid_record, "no complete record batch");
  const int32_t batch_length = load_be32(bytes.data() + L::batch_length);
  if (batch_length < min_legacy_message_length)
    return fail(batch_error::corrupt_message, "batch length smaller than any message");
  const size_t total = L::log_overhead + static_cast<size_t>(batch_length);
  if (total > bytes.size()) return fail(batch_error::invalid_record, "no complete record batch (truncated)");
  if (bytes[L::magic] != 2) return fail(batch_error::invalid_record, "batch magic is not 2");
  if (total < bytes.size())
    return fail(batch_error::invalid_record,
                "bytes after the record batch (Produce v3+ allows exactly one batch)");
  if (batch_length < min_batch_length)
    return fail(batch_error::corrupt_message, "batch length smaller than the header");
  if (total > limits.max_message_bytes)
    return fail(batch_error::message_too_large, "batch larger than max.message.bytes");
  if (stored_crc(bytes) != compute_crc(bytes)) return fail(batch_error::corrupt_message, "CRC-32C mismatch");

  batch_info info;
  info.header = *parse_batch_header(bytes);
  const batch_header& h = info.header;
  const int codec = h.attributes & batch_attr::compression_mask;
  if (codec > static_cast<int>(compression::zstd))
    return fail(batch_error::unsupported_compression_type, "unknown compression codec id");
  if (h.codec() == compression::zstd && !limits.allow_zstd)
    return fail(batch_error::unsupported_compression_type, "zstd requires Produce v7+");
  if (limits.reject_unknown_attribute_bits && (h.attributes & unknown_attribute_bits))
    return fail(batch_error::invalid_record, "unused attribute bits set");

  if (h.last_offset_delta < 0) return fail(batch_error::invalid_record, "negative last_offset_delta");
  if (limits.origin == batch_origin::client) {
    if (h.is_control()) return fail(batch_error::invalid_record, "clients may not write control batches");
    if (h.records_count <= 0) return fail(batch_error::invalid_record, "records_count is not positive");
    if (static_cast<int64_t>(h.records_count) != static_cast<int64_t>(h.last_offset_delta) + 1)
      return fail(batch_error::invalid_record, "records_count != last_offset_delta + 1");
    if (h.producer_id >= 0 && h.base_sequence < 0)
      return fail(batch_error::invalid_record, "idempotent batch without a base sequence");
    if (h.is_transactional() && h.producer_id < 0)
      return fail(batch_error::invalid_record, "transactional batch without a producer id");
  } else {
    if (h.records_count < 0 ||
        static_cast<int64_t>(h.records_count) > static_cast<int64_t>(h.last_offset_delta) + 1)
      return fail(batch_error::invalid_record, "records_count inconsistent with last_offset_delta");
  }

  const bytes_view payload = bytes.subspan(L::header_size);
  if (h.codec() == compression::none || limits.deep) {
    int64_t max_ts = -1;
    std::optional<records_error> e;
    if (h.codec() == compression::none) {
      e = walk_records(payload, h, limits, max_ts);
    } else {
      auto plain = sluice::compression::decompress(static_cast<sluice::compression::codec>(h.codec()),
                                                   payload, limits.max_uncompressed_bytes);
      if (!plain) {
        return plain.err().code == errc::out_of_range
                   ? fail(batch_error::message_too_large,
                          "decompressed records exceed the decompression bound")
                   : fail(batch_error::corrupt_message, "compressed records cannot be decompressed");
      }
      e = walk_records(as_bytes(*plain), h, limits, max_ts);
    }
    if (e) return *e;
    info.records_walked = true;
    info.max_record_timestamp = max_ts;
  } else {
    info.max_record_timestamp = h.max_timestamp;
    // Without the records only maxTimestamp is known: outside the window on either side means
    // at least one record is (assuming an honest header; deep mode checks every record).
    if (!h.has_log_append_time() && !timestamp_allowed(h.max_timestamp, limits))
      return fail(batch_error::invalid_timestamp, "batch maxTimestamp outside the allowed range");
  }
  return info;
}

std::optional<std::span<const uint8_t>> batch_splitter::next() {
  if (rest_.empty()) {
    tail_ = split_tail::none;
    return std::nullopt;
  }
  if (rest_.size() < L::log_overhead) {
    tail_ = split_tail::partial;
    return std::nullopt;
  }
  const int32_t length = load_be32(rest_.data() + L::batch_length);
  if (length < 0) {
    tail_ = split_tail::malformed;
    return std::nullopt;
  }
  const size_t total = L::log_overhead + static_cast<size_t>(length);
  if (total > rest_.size()) {
    tail_ = split_tail::partial;
    return std::nullopt;
  }
  // The magic byte (offset 16) tells a v2 batch from a legacy message.
  const int magic = total > L::magic ? static_cast<int8_t>(rest_[L::magic]) : -1;
  if (length < (magic == 2 ? min_batch_length : min_legacy_message_length)) {
    tail_ = split_tail::malformed;
    return std::nullopt;
  }
  auto entry = rest_.first(total);
  rest_ = rest_.subspan(total);
  return entry;
}

}  // namespace sluice::records
