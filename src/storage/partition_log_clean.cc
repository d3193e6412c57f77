// partition_log: the owner-thread side of compaction: choosing the cleanable section and swapping
// cleaned files in (docs/formats/cleaner.md).
#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "storage/file_names.h"
#include "storage/partition_log.h"

namespace sluice::storage {

namespace fn = file_names;

result<cleanable_section> partition_log::cleanable(int64_t first_dirty, int64_t now_ms) {
  if (closed_) return make_error(errc::shutting_down, dir_ + ": log is closed");
  cleanable_section out;
  out.first_dirty = std::clamp(first_dirty, log_start_, log_end_);
  // The active segment is never cleaned; neither is anything from the first segment holding a
  // record younger than min.compaction.lag.ms (by the segment's largest timestamp, as Kafka).
  out.first_uncleanable = active().base_offset();
  const auto dirty_seg = segment_for(out.first_dirty);
  bool in_dirty = false;
  for (auto it = segments_.begin(); it != segments_.end() && std::next(it) != segments_.end(); ++it) {
    segment& seg = *it->second;
    in_dirty = in_dirty || it == dirty_seg;
    if (in_dirty && config_.min_compaction_lag_ms > 0) {
      if (seg.needs_index_rebuild())
        if (auto r = seg.ensure_indexes(); !r) return r.err();
      if (seg.max_timestamp() > now_ms - config_.min_compaction_lag_ms) {
        out.first_uncleanable = seg.base_offset();
        break;
      }
    }
    if (in_dirty) {
      out.dirty_bytes += seg.size();
      if (out.first_dirty_timestamp < 0 && seg.size() > 0) {
        auto first = seg.find_batch(out.first_dirty);
        if (!first) return first.err();
        if (*first) out.first_dirty_timestamp = (*first)->header.max_timestamp;
      }
    } else {
      out.clean_bytes += seg.size();
    }
    // The job's handle keeps the .log open (the fd_cache cannot close a file held elsewhere), so
    // swap_cleaned finds the very same handle in the segment unless the segment was replaced.
    // The cleaner plans every compacted log each backoff: that must not evict the hot files.
    auto lf = seg.share_log_for_scan();
    if (!lf) return lf.err();
    out.segments.push_back(clean_segment{seg.base_offset(), seg.size(), std::move(*lf)});
  }
  if (out.first_dirty >= out.first_uncleanable) out.dirty_bytes = 0;
  return out;
}

std::unordered_map<int64_t, int64_t> partition_log::active_producer_offsets() const {
  std::unordered_map<int64_t, int64_t> out;
  for (const auto& e : producers_.entries())
    if (!e.batches.empty()) out[e.producer_id] = e.batches.back().last_offset;
  return out;
}

result<bool> partition_log::swap_cleaned(const cleaned_group& g) {
  auto abandon = [&](const char* why) -> result<bool> {
    spdlog::info("storage: {}: dropping cleaned segment {}: {}", dir_, g.base_offset, why);
    (void)fs_.unlink(g.cleaned_path);
    return false;
  };
  if (closed_) return abandon("log closed");
  if (g.originals.empty() || g.originals.front().base_offset != g.base_offset) return abandon("empty group");
  // The originals must still be exactly these consecutive closed segments.
  auto first = segments_.find(g.base_offset);
  auto it = first;
  for (const auto& o : g.originals) {
    if (it == segments_.end() || it->first != o.base_offset || it->second->log_file()->current() != o.log ||
        it->second->size() != o.size)
      return abandon("the log changed while it was cleaned");
    ++it;
  }
  if (it == segments_.end()) return abandon("a cleaned segment became active");

  const std::string log_name = fn::log_file(g.base_offset);
  const std::string swap_path = fn::join(dir_, fn::swap(log_name));
  // Commit point: once the .swap name is durable, a restart completes the swap.
  if (auto r = fs_.rename(g.cleaned_path, swap_path); !r) {
    (void)fs_.unlink(g.cleaned_path);
    return r.err();
  }
  auto fail = [&](const error& e) -> result<bool> {
    spdlog::critical(
        "storage: {}: swapping in cleaned segment {} failed after the commit point: {}; "
        "closing the log (the next start completes the swap)",
        dir_, g.base_offset, e.message);
    closed_ = true;
    return e;
  };
  if (auto r = fs_.sync_dir(dir_); !r) return fail(r.err());
  const int64_t now = clock_.now_ms();
  for (auto o = first; o != it; ++o) {
    auto paths = o->second->rename_to_deleted();
    if (!paths) return fail(paths.err());
    for (auto& p : *paths)
      pending_deletes_.push_back(pending_delete{now + config_.file_delete_delay_ms, std::move(p)});
  }
  // The originals' renames are durable before the swap takes their place, so a restart never
  // sees both the cleaned segment and one of the segments it replaced.
  if (auto r = fs_.sync_dir(dir_); !r) return fail(r.err());
  if (auto r = fs_.rename(swap_path, fn::join(dir_, log_name)); !r) return fail(r.err());
  if (auto r = fs_.sync_dir(dir_); !r) return fail(r.err());
  segments_.erase(first, it);
  auto seg = segment::open(fs_, dir_, g.base_offset, limits(), config_.index_interval_bytes, now, fds_);
  if (!seg) return fail(seg.err());
  // Its indexes were renamed away with the original: rebuilt from the batch headers.
  if (auto r = (*seg)->ensure_indexes(); !r) return fail(r.err());
  segments_.emplace(g.base_offset, std::move(*seg));
  if (config_.file_delete_delay_ms <= 0)
    if (auto r = unlink_expired(now, true); !r) return r.err();
  return true;
}

}  // namespace sluice::storage
