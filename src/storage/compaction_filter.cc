// compaction_filter: per-batch record retention and batch re-encoding for the log cleaner.
#include "storage/compaction_filter.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "compression/compression.h"
#include "records/record_codec.h"
#include "records/record_reader.h"

namespace sluice::storage {

namespace L = records::batch_layout;
namespace A = records::batch_attr;

namespace {

// Writes a v2 header in front of `records_section` and computes the CRC.
std::string assemble(const records::batch_header& h, int16_t attributes, int64_t base_ts, int64_t max_ts,
                     int32_t count, std::string_view records_section) {
  std::string out(L::header_size, '\0');
  out.append(records_section);
  auto* p = reinterpret_cast<uint8_t*>(out.data());
  records::store_be64(p + L::base_offset, h.base_offset);
  records::store_be32(p + L::batch_length, static_cast<int32_t>(out.size() - L::log_overhead));
  records::store_be32(p + L::partition_leader_epoch, h.partition_leader_epoch);
  p[L::magic] = 2;
  records::store_be16(p + L::attributes, attributes);
  records::store_be32(p + L::last_offset_delta, h.last_offset_delta);
  records::store_be64(p + L::base_timestamp, base_ts);
  records::store_be64(p + L::max_timestamp, max_ts);
  records::store_be64(p + L::producer_id, h.producer_id);
  records::store_be16(p + L::producer_epoch, h.producer_epoch);
  records::store_be32(p + L::base_sequence, h.base_sequence);
  records::store_be32(p + L::records_count, count);
  const std::span<const uint8_t> whole(p, out.size());
  records::store_be32(p + L::crc, static_cast<int32_t>(records::compute_crc(whole)));
  return out;
}

}  // namespace

std::string empty_batch_like(const records::batch_header& h) {
  const auto attrs = static_cast<int16_t>(h.attributes & ~(A::compression_mask | A::delete_horizon));
  return assemble(h, attrs, h.max_timestamp, h.max_timestamp, 0, {});
}

result<filter_result> filter_batch(std::span<const uint8_t> batch, const compaction_context& ctx,
                                   bool must_keep_header) {
  filter_result out;
  auto reader = records::record_reader::open(batch);
  if (!reader.ok()) {
    auto ph = records::parse_batch_header(batch);
    return make_error(errc::corruption,
                      fmt::format("batch at offset {}: {}", ph ? ph->base_offset : -1, reader.err().detail));
  }
  const records::batch_header h = reader->header();
  out.records_in = h.records_count;
  if (h.is_control()) {
    out.records_kept = h.records_count;
    return out;
  }
  const bool has_horizon = (h.attributes & A::delete_horizon) != 0;
  const int64_t horizon = has_horizon ? h.base_timestamp : -1;

  std::vector<records::record_view> kept;
  // recordsCount comes from the file and may be corrupt (up to 2^31 - 1): reserve no more than the
  // bytes could hold (a record takes at least 7: length, attributes, timestamp and offset deltas,
  // key and value lengths, header count). Compressed batches may hold more; the vector then grows.
  constexpr size_t min_record_bytes = 7;
  kept.reserve(std::min(static_cast<size_t>(std::max(h.records_count, 0)), batch.size() / min_record_bytes));
  bool kept_tombstone = false;
  records::record_view r;
  while (reader->next(r)) {
    if (!r.key) continue;  // keyless records cannot be compacted (Kafka discards them)
    const int64_t latest = ctx.map ? ctx.map->get(hash_key(*r.key)) : -1;
    if (latest > r.offset) continue;  // superseded by a later record with the same key
    if (!r.value) {
      if (has_horizon && ctx.now_ms >= horizon) continue;  // tombstone past its delete horizon
      kept_tombstone = true;
    }
    kept.push_back(r);
  }
  if (reader->error())
    return make_error(errc::corruption,
                      fmt::format("batch at offset {}: {}", h.base_offset, reader->error()->detail));
  out.records_kept = static_cast<int32_t>(kept.size());

  const bool needs_horizon = kept_tombstone && !has_horizon;
  // delete.retention.ms may be anything up to Long.MAX_VALUE ("keep tombstones forever"): saturate
  // instead of overflowing (undefined behaviour here; a wrapped, negative horizon would delete the
  // tombstones on the next pass, the opposite of what was configured).
  int64_t new_horizon = horizon;
  if (needs_horizon && __builtin_add_overflow(ctx.now_ms, ctx.delete_retention_ms, &new_horizon))
    new_horizon = std::numeric_limits<int64_t>::max();
  if (kept_tombstone) out.tombstone_horizon = new_horizon;

  if (kept.size() == static_cast<size_t>(h.records_count) && !needs_horizon &&
      (kept_tombstone || !has_horizon))
    return out;  // unchanged: the original bytes are copied as they are

  if (kept.empty()) {
    bool keep_header = must_keep_header;
    if (h.producer_id >= 0 && ctx.producer_last_offsets) {
      auto it = ctx.producer_last_offsets->find(h.producer_id);
      keep_header = keep_header || (it != ctx.producer_last_offsets->end() && it->second == h.last_offset());
    }
    out.action = keep_header ? filter_action::rewrite : filter_action::drop;
    if (keep_header) out.bytes = empty_batch_like(h);
    return out;
  }

  // Re-encode the kept records. Raw timestamps are baseTimestamp + delta (for LogAppendTime
  // batches too: the stored deltas are kept, readers substitute maxTimestamp).
  const bool log_append = h.has_log_append_time();
  const int64_t first_ts = records::wrapping_add(h.base_timestamp, kept.front().timestamp_delta);
  const int64_t base_ts = kept_tombstone ? new_horizon : first_ts;
  int64_t max_ts = log_append ? h.max_timestamp : -1;
  std::string body;
  std::vector<records::header_view> headers;
  for (const auto& k : kept) {
    const int64_t ts = records::wrapping_add(h.base_timestamp, k.timestamp_delta);
    if (!log_append) max_ts = std::max(max_ts, ts);
    headers.clear();
    for (const auto& hv : k.headers) headers.push_back(hv);
    records::encode_record(body, k.offset_delta, records::wrapping_sub(ts, base_ts), k.key, k.value, headers);
  }
  std::string section;
  if (h.codec() != records::compression::none) {
    auto c = compression::compress(static_cast<compression::codec>(h.codec()), records::as_bytes(body));
    if (!c.ok()) return c.err();
    section = std::move(*c);
  } else {
    section = std::move(body);
  }
  auto attrs = static_cast<int16_t>(h.attributes & ~A::delete_horizon);
  if (kept_tombstone) attrs = static_cast<int16_t>(attrs | A::delete_horizon);
  out.action = filter_action::rewrite;
  out.bytes = assemble(h, attrs, base_ts, max_ts, static_cast<int32_t>(kept.size()), section);
  return out;
}

}  // namespace sluice::storage
