// fd_cache: a bounded least-recently-used budget of open files shared by the partition logs of one
// shard, and lazy_file, the lazily opened handle that such a cache may close while it is idle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "storage/file_system.h"

namespace sluice::storage {

class fd_cache;

namespace detail {
// The intrusive link of a lazy_file in its cache's list (a private base of lazy_file; also the
// list's sentinel). Unlinked: both point to itself.
struct lru_link {
  lru_link* prev = this;
  lru_link* next = this;
};
}  // namespace detail

// One file (a segment's .log, .index or .timeindex, a producer snapshot waiting for its sync)
// that is opened on first use and may be closed again by its fd_cache when it is idle; the next
// use opens it again by path. Only this object's reference is dropped: a descriptor another holder
// still uses (a sync request on the flusher thread, a fetch response's file_slice, a cleaner job)
// stays open until that holder lets go, and the cache never closes such a file (see fd_cache).
//
// Writes are positional (the owner tracks sizes), so reopening loses no write position.
//
// "Unsynced" is the owner's record that this file was written since it was last handed to a sync
// (partition_log's group commit); it survives the file being closed, and the sync then opens the
// file again: see partition_log::prepare_sync and docs/formats/segment.md "Descriptors".
//
// Thread-compatible: owned and used by one thread, the thread of its cache. Not movable (the
// cache links to it).
class lazy_file : private detail::lru_link {
 public:
  // `cache` may be null: the file then stays open from its first use until close() (no bound).
  // `f`, if not null, is an open handle of `path`, adopted as if get() had opened it.
  // REQUIRES: `cache`, if set, outlives this object or is destroyed first (it then detaches).
  lazy_file(file_system& fs, std::string path, open_mode reopen_mode, fd_cache* cache,
            std::shared_ptr<file> f = nullptr, bool unsynced = false);
  ~lazy_file();
  lazy_file(const lazy_file&) = delete;
  lazy_file& operator=(const lazy_file&) = delete;

  // The open file, opened with `reopen_mode` if it is not, and marked most recently used. O(1)
  // without allocation when it is open. The pointer is valid until the next call that opens a
  // file through the same cache (which may close this one): use share() to keep it longer.
  result<file*> get();
  // Like get(), returning a handle the caller may keep (it keeps the descriptor open).
  result<std::shared_ptr<file>> share();
  // Like share() for a scan over many files (the log cleaner's planning): not counted as a use,
  // and a file it opens joins the cache as the least recently used, so the scan does not push the
  // files in real use out.
  result<std::shared_ptr<file>> share_for_scan();
  // The handle if open (not counted as a use), else a newly opened one that this object does not
  // keep and the cache does not count: for a one-off use such as a sync, so that a file closed
  // while idle is not brought back into the cache by it.
  result<std::shared_ptr<file>> share_transient();
  // The handle if open, else null. Opens nothing and does not count as a use.
  const std::shared_ptr<file>& current() const { return file_; }
  bool is_open() const { return file_ != nullptr; }
  // Drops this object's reference now (the descriptor closes once no other holder has it).
  void close();

  const std::string& path() const { return path_; }

  void note_write() { unsynced_ = true; }
  void clear_unsynced() { unsynced_ = false; }
  bool unsynced() const { return unsynced_; }

 private:
  friend class fd_cache;

  // True if only this object holds the handle, so closing it frees a descriptor.
  bool closable() const { return file_.use_count() == 1; }

  file_system& fs_;
  std::string path_;
  open_mode reopen_mode_;
  fd_cache* cache_;
  std::shared_ptr<file> file_;
  bool unsynced_;
};

// A budget of open lazy_files: when more than limit() are open, the least recently used ones that
// nobody else holds are closed. Files held elsewhere (shared_ptr use count above one) cannot be
// closed, since closing would free nothing and an identity check (a cleaner job's handle) must
// still match: they count as used and move to the most recently used end, so one pass over the
// list suffices. While more than limit() files are held elsewhere the count stays above the limit
// until they are let go of (those descriptors are open either way).
//
// Thread-compatible: one per shard, used only on the shard's thread together with the logs that
// use it. A use of an open file is a pointer splice; eviction runs only when a file is opened.
class fd_cache {
 public:
  // REQUIRES: limit >= 1.
  explicit fd_cache(size_t limit);
  // Detaches any lazy_file still registered (they stay usable without a bound).
  ~fd_cache();
  fd_cache(const fd_cache&) = delete;
  fd_cache& operator=(const fd_cache&) = delete;

  size_t limit() const { return limit_; }
  // Applies a new limit, closing files now if the count exceeds it. REQUIRES: limit >= 1.
  void set_limit(size_t limit);
  // Closes idle files down to the limit now. Eviction otherwise runs only when a file is opened,
  // so files a finished fetch response held stay open until the shard next opens one; a shard
  // may call this when it goes idle.
  void trim() { evict(nullptr); }
  // lazy_files currently open (the descriptors this cache accounts for).
  size_t open_files() const { return open_; }
  // Files opened through lazy_files of this cache (first opens and reopens) and files closed to
  // stay within the limit, since construction.
  int64_t opens() const { return opens_; }
  int64_t evictions() const { return evictions_; }

 private:
  friend class lazy_file;

  static lazy_file& owner(detail::lru_link* l);
  void unlink(lazy_file& f);
  void push_back(lazy_file& f);  // the most recently used end
  void push_front(lazy_file& f);
  void touch(lazy_file& f);
  // Called by a lazy_file that has just opened (or adopted) its file; `cold`: as the least
  // recently used.
  void opened(lazy_file& f, bool cold = false);
  void closed(lazy_file& f);
  // Closes least recently used closable files other than `keep` until open_ <= limit_.
  void evict(const lazy_file* keep);

  detail::lru_link head_;  // head_.next is the least recently used
  size_t limit_;
  size_t open_ = 0;
  int64_t opens_ = 0;
  int64_t evictions_ = 0;
};

}  // namespace sluice::storage
