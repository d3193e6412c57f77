// partition_log: retention by time and size, DeleteRecords, and delayed file deletion.
#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "storage/file_names.h"
#include "storage/partition_log.h"

namespace sluice::storage {

result<int64_t> partition_log::delete_records_before(int64_t offset) {
  if (closed_) return make_error(errc::shutting_down, dir_ + ": log is closed");
  if (offset > log_end_)
    return make_error(errc::out_of_range,
                      fmt::format("{}: delete offset {} beyond log end {}", dir_, offset, log_end_));
  if (offset <= log_start_) return log_start_;
  log_start_ = offset;
  size_t whole = 0;
  for (auto it = segments_.begin(); std::next(it) != segments_.end() && std::next(it)->first <= log_start_;
       ++it)
    ++whole;
  retention_result ignored;
  if (auto r = delete_oldest_segments(whole, ignored, clock_.now_ms()); !r) return r.err();
  return log_start_;
}

result<retention_result> partition_log::apply_retention(int64_t now_ms) {
  if (closed_) return make_error(errc::shutting_down, dir_ + ": log is closed");
  retention_result out;
  const auto non_active = [&] { return segments_.size() - 1; };

  // Time and size retention belong to cleanup.policy=delete (Kafka's UnifiedLog.deleteOldSegments);
  // a compact-only log keeps every segment and only loses segments below the log start offset.
  if (config_.cleanup_delete && config_.retention_ms >= 0) {
    size_t n = 0;
    for (auto it = segments_.begin(); n < non_active(); ++it, ++n) {
      segment& seg = *it->second;
      if (seg.needs_index_rebuild())
        if (auto r = seg.ensure_indexes(); !r) return r.err();
      int64_t ts = seg.max_timestamp();
      if (ts < 0) {
        auto m = seg.last_modified_ms();
        if (!m) return m.err();
        ts = *m;
      }
      if (now_ms - ts <= config_.retention_ms) break;
    }
    if (auto r = delete_oldest_segments(n, out, now_ms); !r) return r.err();
  }

  if (config_.cleanup_delete && config_.retention_bytes >= 0) {
    int64_t excess = size_bytes() - config_.retention_bytes;
    size_t n = 0;
    for (auto it = segments_.begin(); n < non_active() && excess - it->second->size() >= 0; ++it, ++n)
      excess -= it->second->size();
    if (auto r = delete_oldest_segments(n, out, now_ms); !r) return r.err();
  }

  size_t below_start = 0;
  for (auto it = segments_.begin(); std::next(it) != segments_.end() && std::next(it)->first <= log_start_;
       ++it)
    ++below_start;
  if (auto r = delete_oldest_segments(below_start, out, now_ms); !r) return r.err();

  if (auto r = unlink_expired(now_ms, false); !r) return r.err();
  producers_.remove_expired(now_ms, config_.producer_id_expiration_ms);
  delete_old_snapshots();
  out.log_start_offset = log_start_;
  return out;
}

result<void> partition_log::delete_oldest_segments(size_t count, retention_result& out, int64_t now_ms) {
  for (size_t i = 0; i < count && segments_.size() > 1; ++i) {
    auto it = segments_.begin();
    segment& seg = *it->second;
    spdlog::info("storage: deleting segment {} ({} bytes, max timestamp {})", seg.log_path(), seg.size(),
                 seg.max_timestamp());
    auto paths = seg.rename_to_deleted();
    if (!paths) return paths.err();
    for (auto& p : *paths)
      pending_deletes_.push_back(pending_delete{now_ms + config_.file_delete_delay_ms, std::move(p)});
    ++out.segments_deleted;
    out.bytes_deleted += seg.size();
    segments_.erase(it);
  }
  log_start_ = std::max(log_start_, segments_.begin()->first);
  if (count > 0) {
    if (auto r = fs_.sync_dir(dir_); !r) return r;
    if (config_.file_delete_delay_ms <= 0) return unlink_expired(now_ms, true);
  }
  return {};
}

result<void> partition_log::unlink_expired(int64_t now_ms, bool all) {
  auto keep = pending_deletes_.begin();
  for (auto it = pending_deletes_.begin(); it != pending_deletes_.end(); ++it) {
    if (all || it->due_ms <= now_ms) {
      auto r = fs_.unlink(it->path);
      if (!r && r.err().code != errc::not_found) return r;
    } else {
      if (keep != it) *keep = std::move(*it);
      ++keep;
    }
  }
  pending_deletes_.erase(keep, pending_deletes_.end());
  return {};
}

void partition_log::delete_old_snapshots() {
  auto snaps = list_snapshots();
  if (snaps.size() <= 1) return;
  const int64_t newest = snaps.rbegin()->first;
  const int64_t first_base = segments_.begin()->first;
  for (const auto& [off, path] : snaps)
    if (off < first_base && off != newest) (void)fs_.unlink(path);
}

}  // namespace sluice::storage
