// record_scan: walks the records of one uncompressed batch to find a record by timestamp (used by
// ListOffsets lookups only; the fetch path never reads records).
#include "storage/record_scan.h"

namespace sluice::storage {

namespace L = records::batch_layout;

namespace {

// Reads a zigzag varint of up to `max_bytes` bytes; false on overrun.
bool read_varlong(const uint8_t*& p, const uint8_t* end, int64_t& out, int max_bytes = 10) {
  uint64_t v = 0;
  for (int shift = 0, i = 0; i < max_bytes; ++i, shift += 7) {
    if (p >= end) return false;
    const uint8_t b = *p++;
    v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      out = static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
      return true;
    }
  }
  return false;
}

}  // namespace

std::optional<record_position> first_record_at_or_after(std::span<const uint8_t> batch, int64_t ts) {
  auto h = records::parse_batch_header(batch);
  if (!h || batch.size() < h->total_size()) return std::nullopt;
  if (h->codec() != records::compression::none) return std::nullopt;
  const uint8_t* p = batch.data() + L::header_size;
  const uint8_t* end = batch.data() + h->total_size();
  for (int32_t i = 0; i < h->records_count; ++i) {
    int64_t len = 0, ts_delta = 0, off_delta = 0;
    if (!read_varlong(p, end, len, 5) || len < 0 || len > end - p) return std::nullopt;
    const uint8_t* next = p + len;
    const uint8_t* q = p + 1;  // skip record attributes
    if (!read_varlong(q, next, ts_delta) || !read_varlong(q, next, off_delta, 5)) return std::nullopt;
    const int64_t t = h->has_log_append_time() ? h->max_timestamp : h->base_timestamp + ts_delta;
    if (t >= ts) return record_position{h->base_offset + off_delta, t};
    p = next;
  }
  return std::nullopt;
}

}  // namespace sluice::storage
