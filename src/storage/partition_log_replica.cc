// partition_log: what replication needs from the log: leader epochs and truncation of a
// follower's divergent tail (docs/formats/leader-epoch-checkpoint.md, segment.md "Truncation").
#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "storage/file_names.h"
#include "storage/partition_log.h"

namespace sluice::storage {

result<void> partition_log::persist_epochs() {
  auto r = epochs_.persist();
  epochs_unpersisted_ = !r.ok();
  if (!r) spdlog::error("storage: writing {}: {}", epochs_.path(), r.err().message);
  return r;
}

result<void> partition_log::maybe_assign_epoch(int32_t epoch, int64_t start_offset) {
  if (epoch >= 0 && epoch > epochs_.latest_epoch()) {
    epochs_.assign(epoch, start_offset);
    return persist_epochs();
  }
  if (epochs_unpersisted_) return persist_epochs();
  return {};
}

result<void> partition_log::assign_leader_epoch(int32_t leader_epoch) {
  if (closed_) return make_error(errc::shutting_down, dir_ + ": log is closed");
  if (leader_epoch < 0)
    return make_error(errc::invalid_argument, fmt::format("invalid leader epoch {}", leader_epoch));
  return maybe_assign_epoch(leader_epoch, log_end_);
}

error partition_log::fail_truncation(const error& e) {
  // The log in memory no longer matches the files; the next open recovers from what is on disk.
  spdlog::critical("storage: {}: truncation failed: {}; closing the log (the next start recovers it)", dir_,
                   e.message);
  closed_ = true;
  return e;
}

result<int64_t> partition_log::truncate_to(int64_t offset) {
  if (closed_) return make_error(errc::shutting_down, dir_ + ": log is closed");
  if (offset < 0) return make_error(errc::invalid_argument, fmt::format("{}: truncate to {}", dir_, offset));
  if (offset >= log_end_) return log_end_;
  if (offset < segments_.begin()->first) {
    if (auto r = truncate_fully_and_start_at(offset); !r) return r.err();
    return log_end_;
  }
  const int64_t old_end = log_end_;
  pristine_ = false;
  // Newest first, so a crash in between leaves a prefix of the segments (open() deletes leftover
  // .deleted files and orphan indexes). The segment with base == offset is kept (emptied below):
  // the log always has one.
  const auto keep = static_cast<size_t>(std::distance(segments_.begin(), segments_.upper_bound(offset)));
  if (auto r = delete_segments_from(keep, "the log is truncated below it"); !r)
    return fail_truncation(r.err());
  // The segment holding `offset` is now the last: an unclean open always validates it, so a crash
  // before its indexes are rewritten is harmless.
  auto end = active().truncate_to(offset);
  if (!end) return fail_truncation(end.err());
  log_end_ = *end;
  log_start_ = std::min(log_start_, log_end_);
  recovery_point_ = std::min(recovery_point_, log_end_);
  // Snapshots beyond the new end describe batches that are gone (removed by load_producer_state).
  if (auto r = load_producer_state(); !r) return fail_truncation(r.err());
  if (epochs_.truncate_from_end(log_end_) || epochs_unpersisted_)
    if (auto r = persist_epochs(); !r) return fail_truncation(r.err());
  if (auto r = fs_.sync_dir(dir_); !r) return fail_truncation(r.err());
  spdlog::info("storage: {}: truncated to offset {} (log end {} → {})", dir_, offset, old_end, log_end_);
  return log_end_;
}

result<void> partition_log::truncate_fully_and_start_at(int64_t offset) {
  if (closed_) return make_error(errc::shutting_down, dir_ + ": log is closed");
  if (offset < 0) return make_error(errc::invalid_argument, fmt::format("{}: start at {}", dir_, offset));
  pristine_ = false;
  // The epoch cache first: a crash after it leaves data without epochs (rebuilt from the headers
  // only if the file is missing), never epochs claiming data that was replaced.
  if (epochs_.clear() || epochs_unpersisted_)
    if (auto r = persist_epochs(); !r) return r;
  if (auto r = delete_segments_from(0, "the log restarts at a new offset"); !r)
    return fail_truncation(r.err());
  for (const auto& [off, path] : list_snapshots()) (void)fs_.unlink(path);
  producers_.clear();
  auto seg =
      segment::create(fs_, dir_, offset, limits(), config_.index_interval_bytes, clock_.now_ms(), fds_);
  if (!seg) return fail_truncation(seg.err());
  segments_.emplace(offset, std::move(*seg));
  if (auto r = fs_.sync_dir(dir_); !r) return fail_truncation(r.err());
  spdlog::info("storage: {}: truncated fully, the log restarts at offset {} (log end was {})", dir_, offset,
               log_end_);
  log_start_ = log_end_ = recovery_point_ = offset;
  unflushed_messages_ = 0;
  active().release_log_file();
  return {};
}

}  // namespace sluice::storage
