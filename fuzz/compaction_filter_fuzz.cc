// libFuzzer entry for the log cleaner's per-batch filter (issue 3): filter_batch reads batches back
// from segment files, which may be corrupt. Input: an 8-byte parameter block (the pass's context:
// clock, delete.retention.ms, which keys the offset map says are superseded, producer state,
// must_keep_header), then one RecordBatch v2. Unless the parameters ask for raw bytes, the harness
// fixes up batchLength and the CRC-32C so mutations reach the record decoding behind them.
// For every batch the log validator accepts, the filter must succeed and its result must match a
// reference model of the retention rules (compaction_filter.h): the kept records are exactly the
// model's, with their offsets, keys, values, headers and timestamps intact; a rewritten batch is
// itself a valid log batch with the input's offsets range and producer fields; and filtering the
// output again gives what the model says for it.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "records/batch_header.h"
#include "records/batch_validator.h"
#include "records/record_reader.h"
#include "storage/compaction_filter.h"
#include "storage/offset_map.h"

namespace {

using namespace sluice;
using namespace sluice::records;
using storage::compaction_context;
using storage::filter_action;

constexpr size_t params_size = 8;
constexpr size_t max_uncompressed = 1 << 20;
constexpr int64_t int64_max = std::numeric_limits<int64_t>::max();

void check(bool ok) {
  if (!ok) std::abort();
}

std::span<const uint8_t> as_span(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// One record with what compaction must preserve. `raw_ts` is baseTimestamp + timestampDelta (for
// LogAppendTime batches too, where readers report maxTimestamp instead).
struct rec {
  int64_t offset = 0;
  int64_t raw_ts = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  bool operator==(const rec&) const = default;
};

std::optional<std::string> copy(const nullable_bytes& b) {
  if (!b) return std::nullopt;
  return std::string(as_chars(*b));
}

std::optional<std::vector<rec>> read_all(std::span<const uint8_t> batch) {
  auto reader = record_reader::open(batch, read_options{max_uncompressed, false});
  if (!reader.ok()) return std::nullopt;
  std::vector<rec> out;
  record_view r;
  while (reader->next(r)) {
    rec x;
    x.offset = r.offset;
    x.raw_ts = wrapping_add(reader->header().base_timestamp, r.timestamp_delta);
    x.key = copy(r.key);
    x.value = copy(r.value);
    for (const auto& h : r.headers) x.headers.emplace_back(std::string(as_chars(h.key)), copy(h.value));
    out.push_back(std::move(x));
  }
  if (reader->error()) return std::nullopt;
  return out;
}

std::optional<batch_info> validate_log(std::span<const uint8_t> batch) {
  validation_limits limits;
  limits.max_message_bytes = SIZE_MAX;
  limits.origin = batch_origin::log;
  limits.deep = true;
  limits.max_uncompressed_bytes = max_uncompressed;
  auto v = validate_batch(batch, limits);
  if (!v.ok()) return std::nullopt;
  return *v;
}

// The pass's parameters, decoded from the input's first bytes.
struct params {
  bool raw = false;  // no batchLength/CRC fix-up
  bool must_keep_header = false;
  int producer_mode = 0;  // 0 none, 1 this batch ends its producer's state, 2 an earlier batch does
  int64_t now_ms = 0;
  int64_t delete_retention_ms = 0;
  std::span<const uint8_t> map_bits;  // 2 bits per keyed record: absent, offset - 1, offset, offset + 1
};

params parse_params(std::span<const uint8_t> p, const batch_header& h) {
  params out;
  out.raw = (p[0] & 0x80) != 0;
  out.must_keep_header = (p[0] & 0x01) != 0;
  out.producer_mode = (p[0] >> 1) & 3;
  // The wall clock: never negative, but may sit anywhere relative to the batch's timestamps
  // (which, as horizons, decide whether tombstones expire).
  const int64_t base = std::max<int64_t>(h.base_timestamp, 0);
  switch (p[1] & 7) {
    case 0:
      out.now_ms = 0;
      break;
    case 1:
      out.now_ms = 1'700'000'000'000;
      break;
    case 2:
      out.now_ms = int64_max;
      break;
    case 3:
      out.now_ms = base;
      break;
    case 4:
      out.now_ms = base > 0 ? base - 1 : 0;
      break;
    case 5:
      out.now_ms = base < int64_max ? base + 1 : base;
      break;
    default:
      out.now_ms = static_cast<int64_t>(p[1]) << 40;
      break;
  }
  // delete.retention.ms: any value the config accepts ([0, Long.MAX_VALUE]).
  switch (p[2] & 3) {
    case 0:
      out.delete_retention_ms = 0;
      break;
    case 1:
      out.delete_retention_ms = 86'400'000;
      break;
    case 2:
      out.delete_retention_ms = int64_max;
      break;
    default:
      out.delete_retention_ms = int64_max - (p[2] >> 2);
      break;
  }
  out.map_bits = p.subspan(3);
  return out;
}

int64_t saturating_add(int64_t a, int64_t b) { return b > 0 && a > int64_max - b ? int64_max : a + b; }

// What the filter must do with `batch` (see compaction_filter.h), checked against `res`.
void check_filter(std::span<const uint8_t> batch, const compaction_context& ctx, bool must_keep_header,
                  int depth);

void check_result(std::span<const uint8_t> batch, const batch_header& h, const std::vector<rec>& in,
                  const compaction_context& ctx, bool must_keep_header, const storage::filter_result& res,
                  int depth) {
  check(res.records_in == h.records_count);
  if (h.is_control()) {
    check(res.action == filter_action::keep && res.records_kept == h.records_count);
    return;
  }
  // The model: which records survive.
  const bool has_horizon = (h.attributes & batch_attr::delete_horizon) != 0;
  std::vector<rec> kept;
  bool kept_tombstone = false;
  for (const auto& r : in) {
    if (!r.key) continue;
    if (ctx.map->get(storage::hash_key(as_bytes(*r.key))) > r.offset) continue;
    if (!r.value && has_horizon && ctx.now_ms >= h.base_timestamp) continue;
    kept_tombstone = kept_tombstone || !r.value;
    kept.push_back(r);
  }
  check(res.records_kept == static_cast<int32_t>(kept.size()));
  const int64_t expected_horizon =
      !kept_tombstone
          ? -1
          : (has_horizon ? h.base_timestamp : saturating_add(ctx.now_ms, ctx.delete_retention_ms));
  check(res.tombstone_horizon == expected_horizon);

  // Unchanged: every record stays, and the horizon bit already says whether tombstones remain.
  const bool unchanged = kept.size() == in.size() && kept_tombstone == has_horizon;
  if (res.action == filter_action::keep) {
    check(unchanged);
    return;
  }
  check(!unchanged);
  bool producer_ends_here = false;
  if (h.producer_id >= 0 && ctx.producer_last_offsets) {
    auto it = ctx.producer_last_offsets->find(h.producer_id);
    producer_ends_here = it != ctx.producer_last_offsets->end() && it->second == h.last_offset();
  }
  if (res.action == filter_action::drop) {
    check(kept.empty() && !must_keep_header && !producer_ends_here);
    return;
  }

  // A rewrite: a valid log batch covering the same offsets, from the same producer.
  const auto out = validate_log(as_span(res.bytes));
  check(out.has_value());
  const batch_header& o = out->header;
  check(o.base_offset == h.base_offset && o.last_offset_delta == h.last_offset_delta);
  check(o.partition_leader_epoch == h.partition_leader_epoch && o.producer_id == h.producer_id &&
        o.producer_epoch == h.producer_epoch && o.base_sequence == h.base_sequence);
  check(o.is_transactional() == h.is_transactional() && !o.is_control());
  check(o.has_log_append_time() == h.has_log_append_time());
  check(o.records_count == static_cast<int32_t>(kept.size()));
  const auto out_recs = read_all(as_span(res.bytes));
  check(out_recs.has_value() && *out_recs == kept);  // offsets a subset of the input's, contents intact
  if (kept.empty()) {
    check(must_keep_header || producer_ends_here);
    check(o.codec() == compression::none && (o.attributes & batch_attr::delete_horizon) == 0);
    check(o.base_timestamp == h.max_timestamp && o.max_timestamp == h.max_timestamp);
  } else {
    check(o.codec() == h.codec());
    check(((o.attributes & batch_attr::delete_horizon) != 0) == kept_tombstone);
    if (kept_tombstone) check(o.base_timestamp == expected_horizon);
    if (h.has_log_append_time()) {
      check(o.max_timestamp == h.max_timestamp);
    } else {
      int64_t max_ts = -1;
      for (const auto& r : kept) max_ts = std::max(max_ts, r.raw_ts);
      check(o.max_timestamp == max_ts);
    }
  }
  // The cleaner cleans its own output on later passes.
  if (depth == 0) check_filter(as_span(res.bytes), ctx, must_keep_header, depth + 1);
}

void check_filter(std::span<const uint8_t> batch, const compaction_context& ctx, bool must_keep_header,
                  int depth) {
  auto res = storage::filter_batch(batch, ctx, must_keep_header);
  const auto info = validate_log(batch);
  if (!info) return;
  check(res.ok());  // a batch the log validator accepts is never reported corrupt
  const auto in = read_all(batch);
  check(in.has_value() && in->size() == static_cast<size_t>(info->header.records_count));
  check_result(batch, info->header, *in, ctx, must_keep_header, *res, depth);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < params_size) return 0;
  const std::span<const uint8_t> p(data, params_size);
  std::vector<uint8_t> batch(data + params_size, data + size);
  const batch_header h = parse_batch_header(batch).value_or(batch_header{});
  const params prm = parse_params(p, h);
  if (!prm.raw && batch.size() >= batch_layout::header_size) {
    store_be32(batch.data() + batch_layout::batch_length,
               static_cast<int32_t>(batch.size() - batch_layout::log_overhead));
    store_be32(batch.data() + batch_layout::crc, static_cast<int32_t>(compute_crc(batch)));
  }

  // The offset map: for each keyed record (in order; a later put wins, as in the cleaner's scan of
  // the dirty section), two parameter bits say whether its key is absent from the map or maps to
  // an offset just before, at, or just after the record's. Small, so a big batch can fill it.
  storage::offset_map map(64 * storage::offset_map::bytes_per_entry);
  std::unordered_map<int64_t, int64_t> producers;
  if (auto recs = read_all(batch)) {
    size_t bit = 0;
    for (const auto& r : *recs) {
      if (!r.key) continue;
      const uint8_t byte = prm.map_bits[(bit / 8) % prm.map_bits.size()];
      const int choice = (byte >> (bit % 8)) & 3;
      bit += 2;
      // Log offsets are never negative, and -1 marks an empty slot of the map.
      if (choice == 0 || wrapping_add(r.offset, choice - 2) < 0) continue;
      (void)map.put(storage::hash_key(as_bytes(*r.key)), wrapping_add(r.offset, choice - 2));
    }
  }
  const auto ph = parse_batch_header(batch);
  if (ph && prm.producer_mode != 0)
    producers[ph->producer_id] =
        prm.producer_mode == 1 ? ph->last_offset() : wrapping_add(ph->last_offset(), -1);

  compaction_context ctx;
  ctx.map = &map;
  ctx.now_ms = prm.now_ms;
  ctx.delete_retention_ms = prm.delete_retention_ms;
  ctx.producer_last_offsets = prm.producer_mode != 0 ? &producers : nullptr;
  check_filter(batch, ctx, prm.must_keep_header, 0);
  return 0;
}
