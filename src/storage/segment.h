// segment: one .log file with its offset and time indexes (docs/formats/segment.md, index.md).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "records/batch_header.h"
#include "storage/fd_cache.h"
#include "storage/file_system.h"
#include "storage/offset_index.h"
#include "storage/time_index.h"

namespace sluice::storage {

// A batch found in a segment: its byte position and decoded header.
struct batch_location {
  int64_t position = 0;
  records::batch_header header;
};

// What recover() found. `truncated_bytes` > 0 means the .log was cut at `valid_bytes`.
struct segment_recovery {
  int64_t valid_bytes = 0;
  int64_t truncated_bytes = 0;
  std::string reason;  // why the first rejected batch was rejected
  int64_t batches = 0;
};

// Index capacities derived from segment.index.bytes.
struct index_limits {
  size_t max_offset_entries = 0;
  size_t max_time_entries = 0;
  static index_limits from_bytes(int64_t segment_index_bytes);
};

// Thread-compatible: owned by a partition_log and used on its thread. The file handles it hands
// out (share_log() etc.) are thread-safe and may outlive it.
//
// Indexes are loaded lazily (first lookup), because a log may have thousands of segments of which
// only the tail is read. The active segment's indexes are always loaded. Only the .log stays open;
// the index files are read through a temporary handle and opened again only to be written, so an
// idle partition costs one descriptor. All three are lazy_files: with an fd_cache, any of them may
// be closed while idle (the .log of the active segment too) and is opened again on next use.
class segment {
 public:
  // Creates the three (empty) files of a new segment. Fails with already_exists if the .log exists.
  static result<std::unique_ptr<segment>> create(file_system& fs, const std::string& dir, int64_t base_offset,
                                                 index_limits limits, int32_t index_interval_bytes,
                                                 int64_t now_ms, fd_cache* cache = nullptr);
  // Opens an existing segment. The indexes are opened (created if missing) but not read; a missing
  // or unreadable index is noted and rebuilt on first use. Reads the last time-index entry to know
  // the segment's max timestamp without loading the index.
  static result<std::unique_ptr<segment>> open(file_system& fs, const std::string& dir, int64_t base_offset,
                                               index_limits limits, int32_t index_interval_bytes,
                                               int64_t now_ms, fd_cache* cache = nullptr);

  int64_t base_offset() const { return base_offset_; }
  int64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Offset after the last batch. Exact for a segment that was appended to, recovered or
  // tail-loaded; for other segments it is a lower bound (the base offset).
  int64_t next_offset() const { return next_offset_; }
  int64_t max_timestamp() const { return max_ts_; }
  int64_t offset_of_max_timestamp() const { return offset_of_max_ts_; }
  int64_t first_batch_timestamp() const { return first_batch_ts_; }
  int64_t created_ms() const { return created_ms_; }
  bool indexes_full() const;
  // Applies changed index.interval.bytes / segment.index.bytes to future appends.
  void set_index_config(index_limits limits, int32_t index_interval_bytes);

  // Appends one batch whose offsets are assigned, with one pwrite. On failure the file is truncated
  // back (best effort) and nothing changes. Index entries are kept in memory (flush_indexes()).
  result<void> append(const records::batch_header& h, std::span<const uint8_t> bytes);

  // The first batch whose last offset >= offset, reading headers only; nullopt past the end.
  result<std::optional<batch_location>> find_batch(int64_t offset);
  // The largest batch boundary b with from_pos <= b <= limit_pos, stepping over whole batches from
  // from_pos (a batch boundary).
  result<int64_t> last_boundary_within(int64_t from_pos, int64_t limit_pos);
  // The first batch whose maxTimestamp >= ts (time index, then headers); nullopt if none.
  result<std::optional<batch_location>> find_timestamp(int64_t ts);
  // Reads the header at `position`; nullopt if fewer than 61 bytes remain before size().
  result<std::optional<records::batch_header>> read_header(int64_t position);
  // Calls fn for each batch header from the batch containing `from_offset` to the end.
  result<void> for_each_batch(int64_t from_offset, const std::function<void(const batch_location&)>& fn);
  // Reads one whole batch (for record-level timestamp lookups, never on the fetch path).
  result<std::vector<uint8_t>> read_batch(const batch_location& loc);

  // Full validation (segment.md "Crash behaviour"): checks every batch including its CRC, cuts the
  // file at the first bad one (logging a warning), and rebuilds both indexes. `min_offset` is the
  // lowest base offset the first batch may have.
  result<segment_recovery> recover(int64_t min_offset);
  // Loads the indexes (sanity check), rebuilding them from headers if they fail.
  result<void> ensure_indexes();
  // True if an index file was missing or malformed at open: rebuild before trusting max_timestamp().
  bool needs_index_rebuild() const { return needs_rebuild_; }
  // For the last segment after a clean shutdown: ensure_indexes, then read the headers after the
  // last index entry to learn next_offset (and the first batch's timestamp).
  result<void> load_tail();
  // Called when the segment stops being active: adds the final time-index entry and writes the
  // indexes out.
  result<void> seal();
  result<void> flush_indexes();
  // True if index entries were added since the last flush_indexes().
  bool indexes_dirty() const { return index_.dirty() || time_index_.dirty(); }
  // True once this object wrote or truncated an index file (a flush with entries, a rebuild):
  // partition_log's check that nothing changed on disk since a durable state.
  bool wrote_indexes() const { return wrote_indexes_; }
  // Closes the index files' descriptors if nothing is waiting to be written (a rolled segment:
  // its sync request keeps the handles it needs).
  void release_index_files();
  // Truncates a trailing fragment that is not part of size() (left by a failed rollback).
  result<void> trim_to_size();
  // Replica truncation: cuts the .log at the batch containing `offset` (the first batch whose
  // last offset >= offset; a batch holding `offset` is dropped whole), ftruncate + fdatasync, then
  // rebuilds both indexes from the remaining headers. The .log handle is replaced afterwards, so
  // a cleaner job holding the old one sees the segment changed (partition_log::swap_cleaned).
  // Readers' slices keep their own handles. Returns the new next_offset() (exact).
  // REQUIRES: offset >= base_offset().
  result<int64_t> truncate_to(int64_t offset);

  // Renames the three files to "<name>.deleted"; returns the new paths (for a delayed unlink).
  result<std::vector<std::string>> rename_to_deleted();
  // Last-modified time of the .log (retention fallback when no batch has a timestamp).
  result<int64_t> last_modified_ms();

  // The .log, opened again if it is closed, as a handle the caller may keep (file slices, cleaner
  // jobs). While someone keeps it, the fd_cache cannot close it, so it stays the same object.
  result<std::shared_ptr<file>> share_log();
  // share_log() for a scan of many segments (lazy_file::share_for_scan).
  result<std::shared_ptr<file>> share_log_for_scan() { return log_->share_for_scan(); }
  // The lazily opened files, never null. Their unsynced() says whether they were written since
  // the owner last handed them to a sync; the index files are opened only to be written.
  const std::shared_ptr<lazy_file>& log_file() const { return log_; }
  const std::shared_ptr<lazy_file>& index_file() const { return index_.file_handle(); }
  const std::shared_ptr<lazy_file>& time_index_file() const { return time_index_.file_handle(); }
  // Closes the .log's descriptor of an empty segment (no-op otherwise); the next append or read
  // reopens it. An idle partition then holds no descriptor at all.
  void release_log_file();
  std::string log_path() const;

 private:
  segment(file_system& fs, std::string dir, int64_t base_offset, std::shared_ptr<file> log,
          index_limits limits, int32_t index_interval_bytes, int64_t now_ms, fd_cache* cache);
  // The .log, opened again if it was closed. Valid until the next file opened through the cache.
  result<file*> log() { return log_->get(); }
  // Shared by recover (validate=true: CRC + truncate) and index rebuilds (headers only, no cut).
  result<segment_recovery> scan(int64_t min_offset, bool validate);
  void note_batch(const records::batch_header& h, int64_t position);
  void update_max_timestamp(const records::batch_header& h);

  file_system& fs_;
  std::string dir_;
  int64_t base_offset_;
  std::shared_ptr<lazy_file> log_;
  offset_index index_;
  time_index time_index_;
  int32_t index_interval_;
  bool indexes_loaded_ = false;
  bool needs_rebuild_ = false;
  bool wrote_indexes_ = false;
  int64_t size_ = 0;
  int64_t next_offset_;
  int64_t max_ts_ = -1;
  int64_t offset_of_max_ts_ = -1;
  int64_t first_batch_ts_ = -1;
  int64_t created_ms_;
  int64_t bytes_since_index_ = 0;
};

// Checks the header-level rules of segment.md (lengths, magic, offsets) for a batch at a position
// with `remaining` bytes left in the file. Returns the reason it fails, or nullopt.
std::optional<std::string> check_batch_header(const records::batch_header& h, int64_t remaining,
                                              int64_t min_offset, int64_t segment_base);

}  // namespace sluice::storage
