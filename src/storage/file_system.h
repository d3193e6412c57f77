// file_system: the interface through which all storage disk access goes (real POSIX, or the
// fault-injecting wrapper used by crash tests).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"

namespace sluice::storage {

enum class open_mode {
  read_only,         // must exist
  read_write,        // must exist
  create,            // read-write, created if missing, contents kept
  create_exclusive,  // read-write, fails with already_exists if present
  create_truncate,   // read-write, created if missing, emptied
};

// An open file. Handles are shared (std::shared_ptr<file>): a segment, a pending sync request and
// an in-flight sendfile (file_slice::keepalive) may all hold one; the descriptor is closed when the
// last holder lets go. Thread-safe: positional I/O, fdatasync and size may be called from any
// thread concurrently (the flusher syncs while the owning loop keeps appending).
class file {
 public:
  virtual ~file() = default;

  // The raw descriptor, for sendfile(2). Valid while this object lives.
  virtual int fd() const = 0;
  // The path the file was opened with (not updated by a later rename).
  virtual const std::string& path() const = 0;

  // Reads up to out.size() bytes at `offset`; fewer only at end of file. Returns the count.
  virtual result<size_t> pread(std::span<uint8_t> out, int64_t offset) = 0;
  // Writes all parts back to back starting at `offset` (pwritev, looping over short writes).
  // Positional, not O_APPEND: the owner tracks the end, and Linux ignores pwrite's offset on
  // O_APPEND descriptors. On failure some prefix may have been written.
  virtual result<void> pwritev(std::span<const std::span<const uint8_t>> parts, int64_t offset) = 0;
  virtual result<void> fdatasync() = 0;
  virtual result<void> ftruncate(int64_t size) = 0;
  virtual result<int64_t> size() = 0;

  result<void> pwrite(std::span<const uint8_t> data, int64_t offset) {
    return pwritev(std::span<const std::span<const uint8_t>>(&data, 1), offset);
  }
};

// File-system operations by path. Every call returns result<T>; ENOSPC/EDQUOT map to
// errc::no_space, ENOENT to not_found, EEXIST to already_exists, anything else to io_error.
// Thread-safe.
class file_system {
 public:
  virtual ~file_system() = default;

  virtual result<std::shared_ptr<file>> open(const std::string& path, open_mode mode) = 0;
  virtual result<void> rename(const std::string& from, const std::string& to) = 0;
  virtual result<void> unlink(const std::string& path) = 0;
  // Names of the entries of a directory (no "." or ".."), unsorted.
  virtual result<std::vector<std::string>> list(const std::string& dir) = 0;
  // Creates a directory and any missing parents; ok if it exists.
  virtual result<void> mkdir(const std::string& path) = 0;
  // Deletes a file or a directory tree; ok if it does not exist.
  virtual result<void> remove_all(const std::string& path) = 0;
  virtual result<bool> exists(const std::string& path) = 0;
  virtual result<int64_t> size(const std::string& path) = 0;
  // Last modification time in ms since the epoch.
  virtual result<int64_t> mtime_ms(const std::string& path) = 0;
  // fsync of a directory, making creations, renames and unlinks in it durable.
  virtual result<void> sync_dir(const std::string& path) = 0;
};

// The real POSIX file system. The returned object is stateless and may be shared.
std::unique_ptr<file_system> make_posix_file_system();

// Maps an errno to a storage error with a message naming the operation and path.
error errno_error(int err, const std::string& what);

}  // namespace sluice::storage
