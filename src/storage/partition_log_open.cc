// partition_log: opening and recovering a partition directory, producer-state loading, close and
// remove.
#include <algorithm>
#include <random>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "storage/file_names.h"
#include "storage/format_constants.h"
#include "storage/partition_log.h"
#include "storage/producer_snapshot.h"

namespace sluice::storage {

namespace fn = file_names;

result<std::unique_ptr<partition_log>> partition_log::open(file_system& fs, clock& clk, std::string dir,
                                                           log_config config, open_options options) {
  std::unique_ptr<partition_log> log(new partition_log(fs, clk, std::move(dir), config));
  log->fds_ = options.fds;
  if (auto r = log->load(options); !r) return r.err();
  return log;
}

result<void> partition_log::load(const open_options& options) {
  const int64_t now = clock_.now_ms();
  last_flush_ms_ = now;
  if (auto r = fs_.mkdir(dir_); !r) return r;
  auto names = fs_.list(dir_);
  if (!names) return names.err();
  // A crash during a cleaner swap left a committed "<base>.log.swap": finish it first, so the
  // originals it replaces are gone before segments are listed (docs/formats/cleaner.md).
  if (auto r = complete_swaps(*names); !r) return r;
  names = fs_.list(dir_);
  if (!names) return names.err();
  if (auto r = remove_leftovers(*names); !r) return r;

  for (const auto& name : *names) {
    auto p = fn::parse(name);
    if (!p || p->kind != fn::file_kind::log) continue;
    auto seg = segment::open(fs_, dir_, p->offset, limits(), config_.index_interval_bytes, now, fds_);
    if (!seg) return seg.err();
    segments_.emplace(p->offset, std::move(*seg));
  }

  if (segments_.empty()) {
    const int64_t base = std::max<int64_t>(0, options.log_start_offset);
    auto seg = segment::create(fs_, dir_, base, limits(), config_.index_interval_bytes, now, fds_);
    if (!seg) return seg.err();
    segments_.emplace(base, std::move(*seg));
    if (!options.defer_new_dir_sync)
      if (auto r = fs_.sync_dir(dir_); !r) return r;
    log_start_ = log_end_ = recovery_point_ = base;
    // Producer snapshots without segments describe data that is gone.
    for (const auto& [off, path] : list_snapshots()) (void)fs_.unlink(path);
    // So does an epoch checkpoint (a crash inside truncate_fully_and_start_at). A new partition
    // has none, and none is written for it until an epoch is assigned.
    if (auto r = load_epochs(); !r) return r;
    // Three empty files whose names are durable (or will be, before the caller relies on them:
    // defer_new_dir_sync): a close has nothing to add, and the next open finds an empty log.
    set_pristine();
    active().release_log_file();  // no descriptor until the first append (or read)
    return {};
  }

  bool clean_tail = false;
  if (options.clean_shutdown) {
    for (auto& [base, seg] : segments_)
      if (seg->needs_index_rebuild())
        if (auto r = seg->ensure_indexes(); !r) return r;
    auto tail = active().load_tail();
    clean_tail = tail.ok();
    if (!tail) {
      if (tail.err().code != errc::corruption) return tail;
      spdlog::warn("storage: {} after a clean shutdown: {}; validating the last segment", dir_,
                   tail.err().message);
      if (auto r = recover_from(segments_.size() - 1, active().base_offset()); !r) return r;
    }
    log_end_ = active().next_offset();
    recovery_point_ = log_end_;
  } else {
    // Segments wholly below the recovery point were synced: trust them (indexes checked lazily).
    // Start with the segment holding the last synced offset: a segment ending exactly at the
    // recovery point may have been sealed (final time-index entry) after that sync.
    auto first = segment_for(std::max<int64_t>(options.recovery_point - 1, 0));
    const auto first_index = static_cast<size_t>(std::distance(segments_.begin(), first));
    size_t i = 0;
    for (auto& [base, seg] : segments_) {
      if (i++ >= first_index) break;
      if (seg->needs_index_rebuild())
        if (auto r = seg->ensure_indexes(); !r) return r;
    }
    spdlog::info("storage: {}: unclean shutdown, validating from offset {} (segment {})", dir_,
                 options.recovery_point, first->first);
    if (auto r = recover_from(first_index, first->first); !r) return r;
    log_end_ = active().next_offset();
    recovery_point_ = std::clamp<int64_t>(options.recovery_point, segments_.begin()->first, log_end_);
  }
  log_start_ = std::clamp(options.log_start_offset, segments_.begin()->first, log_end_);
  if (auto r = load_producer_state(); !r) return r;
  if (auto r = load_epochs(); !r) return r;
  // An empty log holds no descriptor until it is written or read (no-op for a non-empty one).
  active().release_log_file();
  // After a clean shutdown every file was durably closed before the marker was written (a
  // recovery or an index rebuild at this open wrote files: then not pristine, wrote_indexes()).
  if (clean_tail) set_pristine();
  return {};
}

void partition_log::set_pristine() {
  pristine_ = true;
  pristine_log_start_ = log_start_;
  pristine_segment_count_ = segments_.size();
}

bool partition_log::still_pristine() const {
  // add_dirty() clears pristine_ for every write that goes through the sync path (appends, rolls,
  // snapshots, index flushes of the active segment). The other ways files change are caught here:
  // retention and DeleteRecords move the log start or drop segments (they sync the directory
  // themselves), a cleaner swap replaces segments (synced by swap_cleaned) and rebuilds their
  // indexes, and a lazy index rebuild writes index files without registering them.
  if (!pristine_ || log_start_ != pristine_log_start_ || segments_.size() != pristine_segment_count_ ||
      recovery_point_ != log_end_)
    return false;
  for (const auto& [base, seg] : segments_)
    if (seg->wrote_indexes()) return false;
  return true;
}

result<void> partition_log::remove_leftovers(const std::vector<std::string>& names) {
  std::vector<int64_t> logs;
  for (const auto& name : names)
    if (auto p = fn::parse(name); p && p->kind == fn::file_kind::log) logs.push_back(p->offset);
  std::sort(logs.begin(), logs.end());
  for (const auto& name : names) {
    auto p = fn::parse(name);
    if (!p) continue;
    bool drop = false;
    switch (p->kind) {
      case fn::file_kind::deleted:
      case fn::file_kind::cleaned:
      case fn::file_kind::swap:
      case fn::file_kind::tmp:
        drop = true;
        break;
      case fn::file_kind::index:
      case fn::file_kind::time_index:  // an index without its .log is an orphan
        drop = !std::binary_search(logs.begin(), logs.end(), p->offset);
        break;
      default:
        break;
    }
    if (!drop) continue;
    spdlog::info("storage: removing leftover {}", fn::join(dir_, name));
    auto r = fs_.unlink(fn::join(dir_, name));
    if (!r && r.err().code != errc::not_found) return r;
  }
  return {};
}

result<void> partition_log::complete_swaps(const std::vector<std::string>& names) {
  for (const auto& name : names) {
    auto base = fn::parse_log_swap(name);
    if (!base) continue;
    const std::string swap_path = fn::join(dir_, name);
    // The swap file was fdatasync'ed before it was renamed to .swap: read its batch headers to
    // learn the offsets it covers.
    auto f = fs_.open(swap_path, open_mode::read_only);
    if (!f) return f.err();
    auto size = (*f)->size();
    if (!size) return size.err();
    int64_t pos = 0;
    int64_t next = *base;
    while (pos + static_cast<int64_t>(records::batch_layout::header_size) <= *size) {
      uint8_t hb[records::batch_layout::header_size];
      auto got = (*f)->pread(hb, pos);
      if (!got) return got.err();
      auto h = records::parse_batch_header(hb);
      if (*got < sizeof hb || !h || h->batch_length < format::min_batch_length) break;
      next = h->last_offset() + 1;
      pos += static_cast<int64_t>(h->total_size());
    }
    f->reset();
    if (pos != *size || next <= *base) {
      // Not a complete cleaned file (cannot happen unless the disk lost synced data): the
      // originals are still authoritative if present.
      spdlog::error("storage: {}: unreadable swap file ({} of {} bytes parse), removing it", swap_path, pos,
                    *size);
      if (auto r = fs_.unlink(swap_path); !r) return r;
      continue;
    }
    for (const auto& other : names) {
      auto p = fn::parse(other);
      if (!p || p->offset < *base || p->offset >= next) continue;
      if (p->kind != fn::file_kind::log && p->kind != fn::file_kind::index &&
          p->kind != fn::file_kind::time_index)
        continue;
      spdlog::info("storage: completing swap of {}: removing replaced {}", swap_path, other);
      auto r = fs_.unlink(fn::join(dir_, other));
      if (!r && r.err().code != errc::not_found) return r;
    }
    if (auto r = fs_.sync_dir(dir_); !r) return r;
    if (auto r = fs_.rename(swap_path, fn::join(dir_, fn::log_file(*base))); !r) return r;
    if (auto r = fs_.sync_dir(dir_); !r) return r;
    spdlog::info("storage: completed swap of cleaned segment {} (offsets {}..{})", swap_path, *base,
                 next - 1);
  }
  return {};
}

result<void> partition_log::recover_from(size_t first_index, int64_t min_offset) {
  auto it = segments_.begin();
  std::advance(it, static_cast<std::ptrdiff_t>(first_index));
  size_t index = first_index;
  for (; it != segments_.end(); ++it, ++index) {
    auto rec = it->second->recover(min_offset);
    if (!rec) return rec.err();
    if (rec->truncated_bytes > 0) return delete_segments_from(index + 1, "it follows a truncated segment");
    min_offset = it->second->next_offset();
    // Offsets are contiguous across segments. A gap means data lost in a crash (for example two
    // rolls after the last sync, leaving both new segments empty): nothing after it is valid.
    auto next = std::next(it);
    if (next != segments_.end() && next->first != min_offset)
      return delete_segments_from(index + 1, "its base offset does not continue the previous segment");
  }
  return {};
}

result<void> partition_log::delete_segments_from(size_t first_index, const char* why) {
  while (segments_.size() > first_index) {
    auto it = std::prev(segments_.end());
    spdlog::warn("storage: deleting segment {} ({} bytes): {}", it->second->log_path(), it->second->size(),
                 why);
    auto paths = it->second->rename_to_deleted();
    if (!paths) return paths.err();
    for (const auto& p : *paths) (void)fs_.unlink(p);
    segments_.erase(it);
  }
  return {};
}

std::map<int64_t, std::string> partition_log::list_snapshots() {
  std::map<int64_t, std::string> out;
  auto names = fs_.list(dir_);
  if (!names) return out;
  for (const auto& name : *names)
    if (auto p = fn::parse(name); p && p->kind == fn::file_kind::snapshot)
      out[p->offset] = fn::join(dir_, name);
  return out;
}

result<void> partition_log::load_producer_state() {
  producers_.clear();
  auto snaps = list_snapshots();
  int64_t replay_from = segments_.begin()->first;
  for (auto it = snaps.rbegin(); it != snaps.rend(); ++it) {
    const auto& [off, path] = *it;
    if (off > log_end_) {
      spdlog::info("storage: removing producer snapshot {} beyond log end {}", path, log_end_);
      (void)fs_.unlink(path);
      continue;
    }
    auto entries = read_producer_snapshot(fs_, path, off);
    if (!entries) {
      if (entries.err().code != errc::corruption) return entries.err();
      spdlog::warn("storage: removing invalid producer snapshot: {}", entries.err().message);
      (void)fs_.unlink(path);
      continue;
    }
    producers_.load(std::move(*entries));
    replay_from = std::max(off, segments_.begin()->first);
    break;
  }
  return replay_producers(replay_from);
}

result<void> partition_log::load_epochs() {
  auto loaded = epochs_.load();
  if (!loaded) return loaded.err();
  bool changed = false;
  if (!*loaded) {
    // Missing or malformed: rebuilt from the batch headers' partitionLeaderEpoch (headers only),
    // and written even if empty so that the next open need not scan again.
    auto exists = fs_.exists(epochs_.path());
    if (!exists) return exists.err();
    changed = *exists || log_end_ > segments_.begin()->first;
    if (log_end_ > log_start_) {
      for (auto it = segment_for(log_start_); it != segments_.end(); ++it) {
        auto r = it->second->for_each_batch(log_start_, [&](const batch_location& loc) {
          const int32_t e = loc.header.partition_leader_epoch;
          if (e >= 0 && e > epochs_.latest_epoch()) epochs_.assign(e, loc.header.base_offset);
        });
        if (!r) return r;
      }
      spdlog::info("storage: {}: rebuilt the leader epoch cache from the log: {} entries", dir_,
                   epochs_.entries().size());
    }
  }
  // The checkpoint is written before the data it describes, so after a crash it may name epochs
  // starting at or after the recovered log end; and the log start may have moved since.
  changed = epochs_.truncate_from_end(log_end_) || changed;
  changed = epochs_.truncate_from_start(log_start_) || changed;
  if (changed) return persist_epochs();
  return {};
}

result<void> partition_log::replay_producers(int64_t from_offset) {
  if (from_offset >= log_end_) return {};
  for (auto it = segment_for(from_offset); it != segments_.end(); ++it) {
    auto r = it->second->for_each_batch(from_offset,
                                        [&](const batch_location& loc) { producers_.apply(loc.header); });
    if (!r) return r;
  }
  return {};
}

result<close_request> partition_log::prepare_close() {
  close_request req;
  req.offset = log_end_;
  if (closed_) return req;
  // Unchanged since a durable state (created with a synced directory, or opened after a clean
  // shutdown, which wrote the marker only after this log's previous close() synced everything):
  // sealing, trimming, index flushes and the snapshot would rewrite what is on disk already (the
  // final time-index entry and the snapshot at the log end exist from that close; an empty new log
  // needs neither), and there is nothing unsynced to fdatasync. Skipping them is what makes the
  // shutdown of thousands of idle partitions cheap.
  if (still_pristine()) return req;
  segment& seg = active();
  if (auto r = seg.seal(); !r) return r.err();
  if (auto r = seg.trim_to_size(); !r) return r.err();
  for (auto& [base, s] : segments_)
    if (auto r = s->flush_indexes(); !r) return r.err();
  add_dirty(seg.log_file());
  add_dirty(seg.index_file());
  add_dirty(seg.time_index_file());
  if (auto r = take_snapshot(log_end_, /*sync=*/false); !r) return r.err();
  sync_request s = prepare_sync();
  req.files = std::move(s.files);
  req.offset = s.offset;
  req.dir = dir_;
  return req;
}

void partition_log::finish_close(const close_request& done) {
  if (closed_) return;
  mark_synced(done.offset);
  if (!done.dir.empty()) delete_old_snapshots();
  closed_ = true;
}

result<void> partition_log::close() {
  if (closed_) return {};
  auto req = prepare_close();
  if (!req) return req.err();
  for (size_t i = 0; i < req->files.size(); ++i) {
    if (auto r = req->files[i]->fdatasync(); !r) {
      requeue_unsynced(req->files, i);
      return r;
    }
  }
  if (!req->dir.empty())
    if (auto r = fs_.sync_dir(req->dir); !r) return r;
  finish_close(*req);
  return {};
}

result<void> partition_log::remove() {
  closed_ = true;
  segments_.clear();  // in-flight slices keep their own file handles
  dirty_.clear();
  dirty_open_.clear();
  pending_deletes_.clear();
  const std::string parent(fn::parent_dir(dir_));
  std::random_device rd;
  const uint64_t nonce = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  const std::string doomed = fn::join(parent, fn::delete_dir(fn::base_name(dir_), nonce));
  if (auto r = fs_.rename(dir_, doomed); !r) return r;
  if (auto r = fs_.sync_dir(parent); !r) return r;
  return fs_.remove_all(doomed);
}

}  // namespace sluice::storage
