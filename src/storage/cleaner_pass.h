// cleaner_pass: one compaction pass over one partition, as run on a cleaner thread: build the
// key → offset map from the dirty section, then rewrite the log's closed segments into
// "<base>.log.cleaned" files (docs/formats/cleaner.md). Touches only files it was handed and the
// .cleaned files it creates; the swap into the live log happens on the owning thread
// (partition_log::swap_cleaned).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "storage/file_system.h"
#include "storage/io_throttler.h"
#include "storage/log_config.h"
#include "storage/offset_map.h"

namespace sluice::storage {

// A closed segment handed to a cleaner thread: its .log handle (kept open, so retention may
// unlink the file meanwhile) and its size when handed over (closed segments do not grow).
struct clean_segment {
  int64_t base_offset = 0;
  int64_t size = 0;
  std::shared_ptr<file> log;
};

// Everything a pass needs, copied on the owning thread. Value type (cancel flag shared).
struct clean_job {
  std::string topic;
  int32_t partition = 0;
  std::string dir;
  log_config config;
  // The log's closed segments below the first uncleanable offset, oldest first (never the active
  // segment). The pass may clean a prefix of them.
  std::vector<clean_segment> segments;
  int64_t first_uncleanable = 0;  // base offset of the first segment not handed over
  int64_t first_dirty = 0;        // the map is built from here (cleaner-offset-checkpoint)
  int64_t now_ms = 0;
  std::unordered_map<int64_t, int64_t> producer_last_offsets;
  std::shared_ptr<std::atomic<bool>> cancelled = std::make_shared<std::atomic<bool>>(false);
  // The scheduler's identity of the log the job was made from (compared, never dereferenced, off
  // the owner thread).
  const void* owner = nullptr;
};

// One cleaned file replacing consecutive original segments.
struct cleaned_group {
  std::vector<clean_segment> originals;
  int64_t base_offset = 0;  // == originals.front().base_offset
  std::string cleaned_path;
  int64_t bytes_in = 0;
  int64_t bytes_out = 0;
};

struct clean_stats {
  int64_t bytes_read = 0;
  int64_t bytes_written = 0;
  int64_t records_read = 0;
  int64_t records_kept = 0;
  int64_t batches_rewritten = 0;
  int64_t map_entries = 0;
  double seconds = 0;
};

struct clean_result {
  std::vector<cleaned_group> groups;
  // The next pass's first dirty offset: everything below was in this pass's map.
  int64_t new_first_dirty = 0;
  // The earliest delete horizon of tombstones still in the cleaned files, -1 if none.
  int64_t earliest_horizon = -1;
  clean_stats stats;
};

// Runs a pass. `map` is cleared first. On error or cancellation every .cleaned file created is
// removed. Errors: cancelled → errc::shutting_down; unreadable batches → corruption; I/O errors.
result<clean_result> run_clean_pass(file_system& fs, const clean_job& job, offset_map& map,
                                    io_throttler& throttle);

// Groups consecutive segments so each group's bytes fit one segment and its offsets stay within
// a 32-bit relative offset (exposed for tests). `end_offsets[i]` bounds segment i's offsets.
std::vector<std::vector<size_t>> group_segments(const std::vector<clean_segment>& segs,
                                                const std::vector<int64_t>& end_offsets, int64_t max_bytes);

}  // namespace sluice::storage
