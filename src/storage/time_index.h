// time_index: a segment's sparse max-timestamp → offset index (.timeindex, docs/formats/index.md).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "storage/fd_cache.h"
#include "storage/file_system.h"

namespace sluice::storage {

// Entries live in memory; flush() appends the new ones to the file with one pwrite.
// Thread-compatible (owned by one segment).
class time_index {
 public:
  struct entry {
    int64_t timestamp = -1;
    int32_t relative_offset = 0;
  };

  // The file at `path` is opened only while needed (lazily, see file_handle()), through `cache`
  // (may be null: no bound).
  time_index(file_system& fs, std::string path, fd_cache* cache, int64_t base_offset, size_t max_entries);

  // Reads the file and runs the sanity check of index.md; errc::corruption if it fails.
  result<void> load();

  // Appends (ts, offset) if ts is greater than the last entry's timestamp (and offset greater
  // than the last entry's offset). REQUIRES: !full() unless `ignore_capacity` (the final entry
  // at a roll may exceed the capacity by one, as in Kafka).
  void maybe_append(int64_t timestamp, int64_t offset, bool ignore_capacity = false);
  bool full() const { return entries_.size() >= max_entries_; }
  bool dirty() const { return persisted_ < entries_.size(); }
  size_t entries() const { return entries_.size(); }
  std::optional<entry> last() const;
  // The last entry with timestamp < ts.
  std::optional<entry> last_before(int64_t ts) const;

  result<void> flush();
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
  size_t persisted_ = 0;
};

}  // namespace sluice::storage
