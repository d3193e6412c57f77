// Building RecordBatch v2 bytes.
#include "records/batch_builder.h"

#include <limits>

#include "compression/compression.h"

namespace sluice::records {

namespace L = batch_layout;

void batch_builder::append(int64_t timestamp, nullable_bytes key, nullable_bytes value,
                           std::span<const header_view> headers) {
  append_with_offset_delta(last_offset_delta_ + 1, timestamp, key, value, headers);
}

void batch_builder::append_with_offset_delta(int32_t offset_delta, int64_t timestamp, nullable_bytes key,
                                             nullable_bytes value, std::span<const header_view> headers) {
  if (count_ == 0) base_timestamp_ = timestamp;
  encode_record(body_, offset_delta, wrapping_sub(timestamp, base_timestamp_), key, value, headers);
  last_offset_delta_ = offset_delta;
  if (timestamp > max_timestamp_) max_timestamp_ = timestamp;
  ++count_;
}

void batch_builder::clear() {
  body_.clear();
  count_ = 0;
  last_offset_delta_ = -1;
  base_timestamp_ = -1;
  max_timestamp_ = -1;
}

result<std::string> batch_builder::build() const {
  if (count_ == 0) return make_error(errc::invalid_argument, "batch_builder: no records");
  std::string compressed;
  const std::string* records = &body_;
  if (options_.codec != compression::none) {
    const int level = options_.compression_level == default_compression_level
                          ? sluice::compression::default_level
                          : options_.compression_level;
    auto c = sluice::compression::compress(static_cast<sluice::compression::codec>(options_.codec),
                                           as_bytes(body_), level);
    if (!c) return c.err();
    compressed = std::move(*c);
    records = &compressed;
  }
  const size_t total = L::header_size + records->size();
  if (total - L::log_overhead > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
    return make_error(errc::invalid_argument, "batch_builder: batch larger than 2 GiB");

  int16_t attributes = static_cast<int16_t>(options_.codec);
  if (options_.log_append_time) attributes |= batch_attr::log_append_time;
  if (options_.transactional) attributes |= batch_attr::transactional;
  if (options_.control) attributes |= batch_attr::control;

  std::string out(L::header_size, '\0');
  out.append(*records);
  auto* p = reinterpret_cast<uint8_t*>(out.data());
  store_be64(p + L::base_offset, options_.base_offset);
  store_be32(p + L::batch_length, static_cast<int32_t>(total - L::log_overhead));
  store_be32(p + L::partition_leader_epoch, options_.partition_leader_epoch);
  p[L::magic] = 2;
  store_be16(p + L::attributes, attributes);
  store_be32(p + L::last_offset_delta, last_offset_delta_);
  store_be64(p + L::base_timestamp, base_timestamp_);
  store_be64(p + L::max_timestamp, options_.log_append_time ? *options_.log_append_time : max_timestamp_);
  store_be64(p + L::producer_id, options_.producer_id);
  store_be16(p + L::producer_epoch, options_.producer_epoch);
  store_be32(p + L::base_sequence, options_.base_sequence);
  store_be32(p + L::records_count, count_);
  const std::span<const uint8_t> whole(p, out.size());
  store_be32(p + L::crc, static_cast<int32_t>(compute_crc(whole)));
  return out;
}

result<std::string> build_end_txn_marker(const end_txn_marker& m) {
  batch_builder_options o;
  o.base_offset = m.base_offset;
  o.partition_leader_epoch = m.partition_leader_epoch;
  o.producer_id = m.producer_id;
  o.producer_epoch = m.producer_epoch;
  o.base_sequence = -1;
  o.transactional = true;
  o.control = true;
  uint8_t key[4];
  store_be16(key, 0);
  store_be16(key + 2, static_cast<int16_t>(m.type));
  uint8_t value[6];
  store_be16(value, 0);
  store_be32(value + 2, m.coordinator_epoch);
  batch_builder b(o);
  b.append(m.timestamp, bytes_view(key, 4), bytes_view(value, 6));
  return b.build();
}

std::optional<int16_t> parse_control_type(nullable_bytes key) {
  if (!key || key->size() < 4) return std::nullopt;
  if (load_be16(key->data()) < 0) return std::nullopt;
  return load_be16(key->data() + 2);
}

}  // namespace sluice::records
