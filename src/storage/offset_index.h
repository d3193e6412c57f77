// offset_index: a segment's sparse offset → file position index (.index, docs/formats/index.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "storage/fd_cache.h"
#include "storage/file_system.h"

namespace sluice::storage {

// Entries live in memory; the file is written by flush(), which appends the entries added since
// the last flush with one pwrite. Thread-compatible (owned by one segment, used on one thread).
class offset_index {
 public:
  struct entry {
    int32_t relative_offset = 0;
    int32_t position = 0;
  };

  // The file at `path` is opened only while needed (lazily, see file_handle()), through `cache`
  // (may be null: no bound).
  offset_index(file_system& fs, std::string path, fd_cache* cache, int64_t base_offset, size_t max_entries);

  // Reads the file and runs the sanity check of index.md against a .log of `log_size` bytes.
  // errc::corruption if it fails (the caller rebuilds); entries are then empty.
  result<void> load(int64_t log_size);

  // REQUIRES: !full(), offset and position greater than the last entry's.
  void append(int64_t offset, int64_t position);
  bool full() const { return entries_.size() >= max_entries_; }
  bool dirty() const { return persisted_ < entries_.size(); }
  size_t entries() const { return entries_.size(); }
  const std::vector<entry>& all() const { return entries_; }

  // The last entry at or below `offset` (absolute), or {0, 0} (the segment start).
  entry floor_offset(int64_t offset) const;
  // The last entry whose position is <= `position`, or {0, 0}.
  entry floor_position(int64_t position) const;

  // Writes entries not yet in the file.
  result<void> flush();
  // Forgets all entries and empties the file (before a rebuild).
  result<void> reset();
  void set_max_entries(size_t n) { max_entries_ = n; }

  // The lazily opened file. load() reads through a temporary handle and does not open it; the
  // first flush() or reset() that writes opens it (and notes the write: lazy_file::unsynced). So
  // an idle segment costs no descriptor for its indexes, and a file not unsynced was not written
  // since the owner last synced it. Its cache may close it whenever it is idle.
  const std::shared_ptr<lazy_file>& file_handle() const { return file_; }
  // Lets go of the descriptor now (it closes once no sync request holds it either).
  void release_file() { file_->close(); }

 private:
  file_system& fs_;
  std::shared_ptr<lazy_file> file_;
  int64_t base_offset_;
  size_t max_entries_;
  std::vector<entry> entries_;
  size_t persisted_ = 0;  // entries already in the file
};

}  // namespace sluice::storage
