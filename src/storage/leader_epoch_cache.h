// leader_epoch_cache: a partition's leader epoch → start offset history (Kafka's
// LeaderEpochFileCache), persisted as `leader-epoch-checkpoint` (docs/formats/leader-epoch-checkpoint.md).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "storage/file_system.h"

namespace sluice::storage {

// The file's name inside the partition directory (Kafka's LeaderEpochCheckpointFile).
// TODO(storage): belongs in file_names.h, which owns every storage file name.
inline constexpr std::string_view leader_epoch_checkpoint_name = "leader-epoch-checkpoint";

// Bounds for reading an untrusted file: more entries than this (or a bigger file) is malformed.
inline constexpr size_t leader_epoch_checkpoint_max_entries = 100'000;
inline constexpr int64_t leader_epoch_checkpoint_max_bytes = 4 << 20;

struct epoch_entry {
  int32_t epoch = -1;
  int64_t start_offset = -1;
  bool operator==(const epoch_entry&) const = default;
};

// What end_offset_for answers: {-1, -1} is Kafka's UNDEFINED_EPOCH / UNDEFINED_EPOCH_OFFSET.
struct epoch_end_offset {
  int32_t epoch = -1;
  int64_t end_offset = -1;
  bool operator==(const epoch_end_offset&) const = default;
};

// Kafka's endOffsetFor over sorted entries (see leader_epoch_cache::end_offset_for).
epoch_end_offset leader_epoch_end_offset(std::span<const epoch_entry> entries, int32_t requested_epoch,
                                         int64_t log_end_offset);

// "0\n<n>\n<epoch> <start>\n..." (Kafka's checkpoint text format, version 0).
std::string format_leader_epoch_checkpoint(const std::vector<epoch_entry>& entries);
// Strict parse of the above; errc::corruption for anything else (bad version, count mismatch,
// non-increasing epochs or offsets, negative values, missing final newline, too many entries).
result<std::vector<epoch_entry>> parse_leader_epoch_checkpoint(std::string_view text);

// The in-memory cache plus its checkpoint file. Entries are sorted with both the epoch and the
// start offset strictly increasing. Mutators change memory only and return whether anything
// changed; persist() writes the file (atomically and durably). partition_log decides when: it
// persists after every change so the file never lacks an entry the log relies on.
//
// Thread-compatible: owned by one partition_log, used on its thread.
class leader_epoch_cache {
 public:
  leader_epoch_cache(file_system& fs, std::string dir);

  // Reads the checkpoint. Returns false (and leaves the cache empty) if the file is missing or
  // malformed (a malformed file is logged): the caller then rebuilds the cache from the log.
  // I/O errors other than "not found" are returned as errors.
  result<bool> load();
  // Atomic replace: <path>.tmp written, fdatasync'ed, renamed over the file, directory fsynced.
  result<void> persist() const;

  // Kafka's assign: records that `epoch` starts at `start_offset`. No-op if `epoch` is the latest
  // epoch and start_offset is not below its start. Otherwise entries from the end with
  // epoch >= `epoch` or start offset >= `start_offset` are dropped (they conflict with the new
  // entry) and the entry is added. So an epoch lower than the latest one replaces the entries it
  // conflicts with (Kafka does the same); partition_log only assigns epochs above the latest.
  // REQUIRES: epoch >= 0, start_offset >= 0.
  bool assign(int32_t epoch, int64_t start_offset);
  // Drops entries with start_offset >= end_offset (the log was truncated to end_offset).
  bool truncate_from_end(int64_t end_offset);
  // The log start moved up to start_offset: drops entries with start_offset <= start_offset and
  // re-adds the last of them (the epoch in force at start_offset) starting at start_offset.
  bool truncate_from_start(int64_t start_offset);
  bool clear();

  // -1 if empty.
  int32_t latest_epoch() const { return entries_.empty() ? -1 : entries_.back().epoch; }
  // Start offset of the latest epoch, -1 if empty.
  int64_t start_offset_of_latest() const { return entries_.empty() ? -1 : entries_.back().start_offset; }
  // Kafka's endOffsetFor (KIP-101/279), with log_end_offset the log's end:
  //   requested == -1                 → {-1, -1}
  //   requested == latest epoch       → {latest, log_end_offset}
  //   no epoch above requested        → {-1, -1}   (requested > latest, or the cache is empty)
  //   no epoch at or below requested  → {requested, start of the first epoch}
  //   otherwise                       → {largest epoch <= requested, start of the next epoch}
  epoch_end_offset end_offset_for(int32_t requested_epoch, int64_t log_end_offset) const;

  const std::vector<epoch_entry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }
  const std::string& path() const { return path_; }

 private:
  file_system& fs_;
  std::string path_;
  std::vector<epoch_entry> entries_;
};

}  // namespace sluice::storage
