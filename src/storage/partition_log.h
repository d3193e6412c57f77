// partition_log: one partition's segmented log on disk: append, zero-copy read, recovery,
// retention, idempotent-producer state, and the hooks for group-commit fsync.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/outbuf.h"
#include "base/result.h"
#include "storage/append_result.h"
#include "storage/cleaner_pass.h"
#include "storage/clock.h"
#include "storage/fd_cache.h"
#include "storage/file_system.h"
#include "storage/leader_epoch_cache.h"
#include "storage/log_config.h"
#include "storage/producer_state.h"
#include "storage/segment.h"
#include "storage/sync_request.h"

namespace sluice::storage {

struct open_options {
  // True if the data directory had the .clean_shutdown marker (docs/formats/checkpoint.md).
  bool clean_shutdown = false;
  // From recovery-point-offset-checkpoint; 0 if unknown (validates the whole log if unclean).
  int64_t recovery_point = 0;
  // From log-start-offset-checkpoint; -1 if unknown (the first segment's base offset is used).
  int64_t log_start_offset = -1;
  // For a partition created by this open (no segment yet): skip the fsync of its directory. The
  // caller then makes the new files durable itself (partition_manager batches the directory syncs
  // of many new partitions) before relying on them.
  bool defer_new_dir_sync = false;
  // The shard's budget of open segment files (fd_cache.h), shared by every log of that shard.
  // Null: files opened lazily stay open while their segment lives (no bound). REQUIRES: used only
  // on the log's thread, and outlives the log.
  fd_cache* fds = nullptr;
};

// What a clean close still has to make durable (partition_log::prepare_close): every file in
// `files` fdatasync'ed and the directory `dir` fsynced (any order, any threads), then
// finish_close(). Both empty when the log has nothing to make durable.
struct close_request {
  std::vector<std::shared_ptr<file>> files;
  std::string dir;
  int64_t offset = 0;  // the log end offset the syncs cover
};

// Whole batches [first_offset, ...) of the log as file ranges, for sendfile.
struct read_result {
  std::vector<file_slice> slices;  // keepalive = the segment's file handle, fd = its raw fd
  size_t size_bytes = 0;
  int64_t first_offset = -1;  // base offset of the first batch returned; -1 if empty

  void append_to(outbuf& out) && {
    for (auto& s : slices) out.append(std::move(s));
    slices.clear();
  }
};

struct timestamp_and_offset {
  int64_t timestamp = -1;
  int64_t offset = -1;
};

// What a compaction pass could clean now (partition_log::cleanable_section).
struct cleanable_section {
  std::vector<clean_segment> segments;  // closed segments below first_uncleanable, oldest first
  int64_t first_dirty = 0;
  int64_t first_uncleanable = 0;
  int64_t clean_bytes = 0;  // bytes of segments wholly below first_dirty
  int64_t dirty_bytes = 0;  // bytes of segments from first_dirty's to first_uncleanable
  double dirty_ratio() const {
    const int64_t total = clean_bytes + dirty_bytes;
    return total > 0 ? static_cast<double>(dirty_bytes) / static_cast<double>(total) : 0.0;
  }
  // Timestamp of the first dirty batch (max.compaction.lag.ms), -1 if unknown or none.
  int64_t first_dirty_timestamp = -1;
};

struct retention_result {
  int segments_deleted = 0;
  int64_t bytes_deleted = 0;
  int64_t log_start_offset = 0;
};

// Thread-compatible: one event-loop thread owns a partition_log and makes every call. The only
// cross-thread interaction is the flusher, which fdatasyncs the file handles from prepare_sync()
// on its own thread; the owner then calls mark_synced() back on its thread. Slices returned by
// read() stay valid (and their data unchanged) after the log moves on, even if their segment is
// deleted, because they hold the segment file handle.
class partition_log {
 public:
  // Opens (creating if needed) the partition directory `dir` and recovers it; see
  // docs/formats/segment.md "Crash behaviour and recovery".
  static result<std::unique_ptr<partition_log>> open(file_system& fs, clock& clk, std::string dir,
                                                     log_config config, open_options options);
  ~partition_log();
  partition_log(const partition_log&) = delete;
  partition_log& operator=(const partition_log&) = delete;

  // Appends one batch. REQUIRES: `batch` is exactly one RecordBatch v2 that passed the records
  // validator (lengths, magic, CRC). Assigns offsets in place (base offset; LogAppendTime if
  // configured). Checks the idempotent-producer state first: a retried batch returns its original
  // offsets with `duplicate` set and writes nothing. Rolls the segment if needed, then writes with
  // a single pwrite. Reads only the 61-byte header: no per-record work.
  // Leaves the header's partitionLeaderEpoch as the producer sent it and does not touch the
  // leader epoch cache.
  append_result append(std::span<uint8_t> batch);
  // The leader's append: as append(batch), and also stamps `leader_epoch` into the batch's
  // partitionLeaderEpoch (outside the CRC, so no CRC change). If `leader_epoch` is above the epoch
  // cache's latest epoch, the cache records that the epoch starts at this batch's base offset and
  // the checkpoint is made durable before the batch is written. REQUIRES: leader_epoch >= 0.
  append_result append(std::span<uint8_t> batch, int32_t leader_epoch);
  // The follower's append of a batch copied from the leader: the batch keeps its offsets,
  // timestamps and partitionLeaderEpoch. REQUIRES: as append(batch); its base offset must equal
  // log_end_offset() (else invalid_record and nothing is written). The producer state records the
  // batch without checks (the leader accepted it) so that this replica, once leader, still
  // recognises retries. An epoch >= 0 above the cache's latest is assigned at the base offset
  // (durably, before the write).
  append_result append_as_follower(std::span<uint8_t> batch);

  // Whole batches starting with the one containing `offset`, up to `max_bytes` (at least one whole
  // batch if `min_one_batch`), excluding batches that contain `max_offset_exclusive` or later.
  // Reads batch headers only. errc::out_of_range if offset < log_start_offset() or
  // offset > log_end_offset(); empty at the end.
  result<read_result> read(int64_t offset, size_t max_bytes, int64_t max_offset_exclusive,
                           bool min_one_batch);

  int64_t log_start_offset() const { return log_start_; }
  int64_t log_end_offset() const { return log_end_; }
  int64_t size_bytes() const;
  size_t segment_count() const { return segments_.size(); }
  std::vector<int64_t> segment_base_offsets() const;
  const std::string& dir() const { return dir_; }
  const log_config& config() const { return config_; }

  // ListOffsets by timestamp: the first offset whose timestamp >= ts (record-exact for
  // uncompressed batches, else the batch base offset), and that timestamp; nullopt if none.
  result<std::optional<timestamp_and_offset>> offset_for_timestamp(int64_t ts);
  // ListOffsets MAX_TIMESTAMP: the largest timestamp and the offset carrying it ({-1,-1} if none).
  result<timestamp_and_offset> max_timestamp_and_offset();

  // DeleteRecords: moves the log start offset up to `offset` and deletes the segments entirely
  // below it. REQUIRES offset <= log_end_offset() (else out_of_range). Returns the new log start.
  // Persisted by the caller in log-start-offset-checkpoint.
  result<int64_t> delete_records_before(int64_t offset);
  // Deletes whole non-active segments by retention.ms (segment max timestamp) and retention.bytes
  // and below the log start offset; unlinks files whose file.delete.delay.ms has passed; expires
  // idle producers.
  result<retention_result> apply_retention(int64_t now_ms);
  void set_config(const log_config& config);

  // Group commit: the files written since the last call and the log end offset they cover.
  sync_request prepare_sync();
  // Called on the owner thread once a prepare_sync() request has been fdatasync'ed.
  void mark_synced(int64_t offset);
  int64_t recovery_point() const { return recovery_point_; }
  // True when flush.messages / flush.ms say the broker should sync now.
  bool flush_due() const;
  // prepare_sync + fdatasync on this thread + mark_synced (tests, tools, close()).
  result<void> flush();

  // Clean close: writes indexes, trims, takes a producer snapshot, fdatasyncs everything. Later
  // calls fail with `closed`/shutting_down. The destructor does not do this (a crash test drops
  // the object after crash()). Equivalent to prepare_close(), the syncs, finish_close().
  result<void> close();
  // The two halves of close() around its syncs, so that the syncs of many logs can run together
  // (partition_manager::close_all). prepare_close() does the writes on the owner thread and
  // returns what must be synced; after every sync succeeded, finish_close() marks the log closed.
  // If a sync fails, do not call finish_close(): the log stays open and the caller must not write
  // the clean-shutdown marker. A log unchanged since it was opened returns an empty request
  // (see `pristine_`).
  result<close_request> prepare_close();
  void finish_close(const close_request& done);
  // Deletes the partition: renames the directory to "<name>.<nonce>-delete" and removes it.
  result<void> remove();
  bool closed() const { return closed_; }

  // Compaction (partition_log_clean.cc). The cleaner thread works on copies of closed segment
  // handles; these two calls run on the owner thread before and after it.
  //
  // The closed segments a pass may clean, with first_dirty clamped into the log and the
  // uncleanable tail (the active segment, and segments with records newer than
  // min.compaction.lag.ms) left out.
  result<cleanable_section> cleanable(int64_t first_dirty, int64_t now_ms);
  // Producer id → last offset of its last batch, for every producer in the state.
  std::unordered_map<int64_t, int64_t> active_producer_offsets() const;
  // Replaces the segments `g` was cleaned from by its cleaned file: .cleaned → .swap (the commit
  // point), originals → .deleted, .swap → .log, indexes rebuilt (docs/formats/cleaner.md).
  // Returns false, and removes the cleaned file, if the log no longer holds exactly those segments
  // (retention, DeleteRecords, truncation or removal got there first). An I/O error after the
  // commit point closes the log; the next open completes the swap.
  result<bool> swap_cleaned(const cleaned_group& g);

  // --- replication (partition_log_replica.cc) ---------------------------------------------------
  //
  // Removes every offset >= `offset` (no-op if offset >= log_end_offset()) and returns the new log
  // end. Segments with a base offset above `offset` are deleted; the segment holding `offset` is cut
  // at the start of the batch containing it, so if `offset` falls inside a batch the whole batch
  // goes and the log end becomes that batch's base offset (the follower refetches from there):
  // log_end_offset() <= offset afterwards. Below the first segment's base offset this is
  // truncate_fully_and_start_at(offset). The log start offset is lowered to the new end if above
  // it. Producer state is rebuilt (newest snapshot at or below the end, then replay; later
  // snapshots deleted), the epoch cache is truncated and persisted, the recovery point is lowered.
  // Durable on return: the cut file is fdatasync'ed, the directory fsync'ed. A crash at any step
  // leaves a log that open() recovers with a log end <= the old one. Slices handed out by read()
  // keep their file handles: a concurrent sendfile may see a shorter file, never a closed fd.
  result<int64_t> truncate_to(int64_t offset);
  // Deletes every segment and starts an empty log at `offset` (log start = log end = offset):
  // a follower whose fetch offset is below the leader's log start. Clears producer state, producer
  // snapshots and the epoch cache. Durable on return. REQUIRES: offset >= 0.
  result<void> truncate_fully_and_start_at(int64_t offset);
  // Kafka's maybeAssignEpochStartOffset, for a replica that becomes leader: records that
  // `leader_epoch` starts at the log end offset if it is above the latest cached epoch (durably).
  result<void> assign_leader_epoch(int32_t leader_epoch);
  leader_epoch_cache& epochs() { return epochs_; }
  const leader_epoch_cache& epochs() const { return epochs_; }
  // epochs().end_offset_for(epoch, log_end_offset()).
  epoch_end_offset end_offset_for_epoch(int32_t epoch) const {
    return epochs_.end_offset_for(epoch, log_end_);
  }

  std::vector<producer_description> describe_producers() const { return producers_.describe(); }
  const producer_state& producers() const { return producers_; }

 private:
  partition_log(file_system& fs, clock& clk, std::string dir, log_config config);

  // open() steps (partition_log_open.cc).
  result<void> load(const open_options& options);
  result<void> remove_leftovers(const std::vector<std::string>& names);
  result<void> complete_swaps(const std::vector<std::string>& names);
  result<void> recover_from(size_t first_index, int64_t min_offset);
  result<void> delete_segments_from(size_t first_index, const char* why);
  result<void> load_producer_state();
  result<void> replay_producers(int64_t from_offset);
  std::map<int64_t, std::string> list_snapshots();
  // Records the current state as durable (pristine_); still_pristine() checks it still holds.
  void set_pristine();
  bool still_pristine() const;

  // Append helpers.
  enum class append_origin { client, leader, follower };
  append_result do_append(std::span<uint8_t> batch, append_origin origin, int32_t leader_epoch);
  // Records epoch >= 0 starting at start_offset if above the latest cached epoch, durably.
  result<void> maybe_assign_epoch(int32_t epoch, int64_t start_offset);
  // Writes the epoch checkpoint (remembering a failure, so the next change retries).
  result<void> persist_epochs();
  // open(): loads the epoch cache (rebuilt from batch headers if missing or malformed) and makes
  // it consistent with the recovered log.
  result<void> load_epochs();
  // A truncation failed after changing files: logs, closes the log, returns e.
  error fail_truncation(const error& e);
  result<void> maybe_roll(const records::batch_header& h, size_t batch_size, int64_t now_ms);
  result<void> roll(int64_t now_ms);
  result<void> take_snapshot(int64_t offset, bool sync);

  // Retention helpers (partition_log_retention.cc).
  result<void> delete_oldest_segments(size_t count, retention_result& out, int64_t now_ms);
  result<void> unlink_expired(int64_t now_ms, bool all);
  void delete_old_snapshots();

  segment& active() { return *segments_.rbegin()->second; }
  // The segment whose range contains offset (the last with base <= offset).
  std::map<int64_t, std::unique_ptr<segment>>::iterator segment_for(int64_t offset);
  // A file written since the last prepare_sync (ignored unless f->unsynced()). Held without its
  // descriptor: the fd_cache may close it meanwhile, and prepare_sync opens it again.
  void add_dirty(const std::shared_ptr<lazy_file>& f);
  // A handle whose sync failed, kept open for the next attempt.
  void add_dirty(const std::shared_ptr<file>& f);
  // After a failed sync of `files` (a prepare_sync request), from files[first] on: keep the
  // unsynced ones for the next attempt.
  void requeue_unsynced(const std::vector<std::shared_ptr<file>>& files, size_t first);
  index_limits limits() const { return index_limits::from_bytes(config_.segment_index_bytes); }

  file_system& fs_;
  clock& clock_;
  fd_cache* fds_ = nullptr;
  std::string dir_;
  log_config config_;
  std::map<int64_t, std::unique_ptr<segment>> segments_;  // by base offset; never empty once open
  producer_state producers_;
  leader_epoch_cache epochs_;
  bool epochs_unpersisted_ = false;  // a persist failed: memory is ahead of the file
  int64_t log_start_ = 0;
  int64_t log_end_ = 0;
  int64_t recovery_point_ = 0;
  // Files written since the last prepare_sync (each deduplicated by pointer).
  std::vector<std::shared_ptr<lazy_file>> dirty_;
  std::vector<std::shared_ptr<file>> dirty_open_;
  int64_t unflushed_messages_ = 0;
  int64_t last_flush_ms_ = 0;
  struct pending_delete {
    int64_t due_ms;
    std::string path;
  };
  std::vector<pending_delete> pending_deletes_;
  bool closed_ = false;
  // True while every file of this log is known durable without a close: the log was created
  // (directory synced) or opened after a clean shutdown without any rebuild or recovery, and
  // since then nothing registered a write (add_dirty), the log start and segment set did not
  // change, and no segment wrote index files. See prepare_close().
  bool pristine_ = false;
  int64_t pristine_log_start_ = 0;
  size_t pristine_segment_count_ = 0;
};

}  // namespace sluice::storage
