// fault_injection_fs: a file_system wrapper that injects ENOSPC, torn writes and power loss, so
// crash safety can be proved by tests (unit tests now, crash tests later).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "storage/file_system.h"

namespace sluice::storage {

// Wraps another file_system (normally the POSIX one over a temp dir) and tracks, for every file
// opened through it, how many bytes are known to be on disk ("synced length"): the size at the
// last fdatasync, lowered by truncations. A file that already existed when first opened counts
// as fully synced.
//
// Simplifications, documented so tests do not over-trust them: directory operations (create,
// rename, unlink) are treated as durable at once; overwrites inside the synced prefix are treated
// as durable; only data past the synced length is lost by crash().
//
// Thread-safe. Files handed out share state with the fs through a shared_ptr, so they may outlive
// it (their writes then fail).
class fault_injection_fs final : public file_system {
 public:
  explicit fault_injection_fs(file_system& inner);
  ~fault_injection_fs() override;

  // --- faults -------------------------------------------------------------------------------
  // The n-th write from now (1 = the next) fails with ENOSPC and writes nothing.
  void fail_nth_write(int n);
  // While on, every write fails with ENOSPC and writes nothing.
  void fail_all_writes(bool on);
  // While on, every fdatasync fails with EIO.
  void fail_syncs(bool on);
  // The next write writes only its first `keep_bytes` bytes and fails; the process is then
  // considered dead: every later write, sync, truncate, rename or unlink fails with io_error until
  // crash() is called. This models a crash in the middle of a write.
  void tear_next_write(size_t keep_bytes);
  // Power loss: truncates every tracked file to its synced length, invalidates every handle
  // opened so far (their writes and syncs fail), and clears all faults and the dead state.
  result<void> crash();
  // Process crash without power loss: everything written stays (the page cache survives), but
  // every handle opened so far is invalidated and faults and the dead state are cleared.
  void kill_process();

  // --- observation --------------------------------------------------------------------------
  int64_t write_count() const;
  // Bytes returned by pread through this fs (to prove reads touch headers only).
  int64_t read_bytes() const;
  int64_t sync_count() const;
  bool dead() const;
  // Synced length of a tracked file, or -1 if the path is not tracked.
  int64_t synced_size(const std::string& path) const;

  // --- file_system --------------------------------------------------------------------------
  result<std::shared_ptr<file>> open(const std::string& path, open_mode mode) override;
  result<void> rename(const std::string& from, const std::string& to) override;
  result<void> unlink(const std::string& path) override;
  result<std::vector<std::string>> list(const std::string& dir) override;
  result<void> mkdir(const std::string& path) override;
  result<void> remove_all(const std::string& path) override;
  result<bool> exists(const std::string& path) override;
  result<int64_t> size(const std::string& path) override;
  result<int64_t> mtime_ms(const std::string& path) override;
  result<void> sync_dir(const std::string& path) override;

  struct shared_state;  // public so the file wrapper (in the .cc) can name it

 private:
  file_system& inner_;
  std::shared_ptr<shared_state> state_;
};

}  // namespace sluice::storage
