// Parsing and in-place patching of RecordBatch v2 headers.
#include "records/batch_header.h"

#include "records/crc32c.h"

namespace sluice::records {

int64_t load_be64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return static_cast<int64_t>(v);
}
int32_t load_be32(const uint8_t* p) {
  return static_cast<int32_t>((uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) |
                              uint32_t{p[3]});
}
int16_t load_be16(const uint8_t* p) { return static_cast<int16_t>((uint16_t{p[0]} << 8) | uint16_t{p[1]}); }
void store_be64(uint8_t* p, int64_t v) {
  auto u = static_cast<uint64_t>(v);
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<uint8_t>(u & 0xFF);
    u >>= 8;
  }
}
void store_be32(uint8_t* p, int32_t v) {
  auto u = static_cast<uint32_t>(v);
  p[0] = static_cast<uint8_t>(u >> 24);
  p[1] = static_cast<uint8_t>(u >> 16);
  p[2] = static_cast<uint8_t>(u >> 8);
  p[3] = static_cast<uint8_t>(u);
}
void store_be16(uint8_t* p, int16_t v) {
  auto u = static_cast<uint16_t>(v);
  p[0] = static_cast<uint8_t>(u >> 8);
  p[1] = static_cast<uint8_t>(u);
}

std::optional<batch_header> parse_batch_header(std::span<const uint8_t> b) {
  namespace L = batch_layout;
  if (b.size() < L::header_size) return std::nullopt;
  const uint8_t* p = b.data();
  batch_header h;
  h.base_offset = load_be64(p + L::base_offset);
  h.batch_length = load_be32(p + L::batch_length);
  h.partition_leader_epoch = load_be32(p + L::partition_leader_epoch);
  h.magic = static_cast<int8_t>(p[L::magic]);
  h.crc = static_cast<uint32_t>(load_be32(p + L::crc));
  h.attributes = load_be16(p + L::attributes);
  h.last_offset_delta = load_be32(p + L::last_offset_delta);
  h.base_timestamp = load_be64(p + L::base_timestamp);
  h.max_timestamp = load_be64(p + L::max_timestamp);
  h.producer_id = load_be64(p + L::producer_id);
  h.producer_epoch = load_be16(p + L::producer_epoch);
  h.base_sequence = load_be32(p + L::base_sequence);
  h.records_count = load_be32(p + L::records_count);
  return h;
}

int peek_magic(std::span<const uint8_t> bytes) {
  if (bytes.size() <= batch_layout::magic) return -1;
  return static_cast<int8_t>(bytes[batch_layout::magic]);
}

uint32_t stored_crc(std::span<const uint8_t> batch) {
  return static_cast<uint32_t>(load_be32(batch.data() + batch_layout::crc));
}

uint32_t compute_crc(std::span<const uint8_t> batch) {
  return crc32c(batch.subspan(batch_layout::attributes));
}

void set_base_offset(std::span<uint8_t> batch, int64_t base_offset) {
  store_be64(batch.data() + batch_layout::base_offset, base_offset);
}

void set_partition_leader_epoch(std::span<uint8_t> batch, int32_t epoch) {
  store_be32(batch.data() + batch_layout::partition_leader_epoch, epoch);
}

void set_log_append_time(std::span<uint8_t> batch, int64_t timestamp_ms) {
  uint8_t* p = batch.data();
  int16_t attrs = load_be16(p + batch_layout::attributes);
  attrs = static_cast<int16_t>(attrs | batch_attr::log_append_time);
  store_be16(p + batch_layout::attributes, attrs);
  store_be64(p + batch_layout::max_timestamp, timestamp_ms);
  store_be32(p + batch_layout::crc, static_cast<int32_t>(compute_crc(batch)));
}

void set_max_timestamp(std::span<uint8_t> batch, int64_t timestamp_ms) {
  uint8_t* p = batch.data();
  store_be64(p + batch_layout::max_timestamp, timestamp_ms);
  store_be32(p + batch_layout::crc, static_cast<int32_t>(compute_crc(batch)));
}

}  // namespace sluice::records
