// flusher: a background thread (plus a small fixed pool of sync workers) that fdatasyncs files for
// many partition logs with group commit.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "base/result.h"
#include "storage/sync_request.h"

namespace sluice::storage {

// Group commit: requests that arrive while an fsync round runs are all served by the next round,
// which fdatasyncs each distinct file once. Completions run on the flusher thread, in submission
// order within a round, after every file of the round has been synced; the broker posts them back
// to the owning event loop, which then calls partition_log::mark_synced(request.offset).
//
// Parallel sync: the distinct files of a round are synced concurrently by up to `sync_threads`
// threads: the flusher thread itself plus `sync_threads - 1` workers started with the flusher and
// idle (blocked on a condition variable) between rounds. A disk with a command queue (NVMe, virtio,
// any SSD, and the journal of most file systems) serves concurrent flushes together, so a round of
// N files costs about one fdatasync instead of N in a row; measured on the benchmark machine: one
// serial syncer ~0.8 ms per fdatasync, 8 parallel syncers >20k/s (bench/results/groups-*.md). A
// round with a single file is synced on the flusher thread with no hand-off at all, so
// single-partition latency is that of the serial design. No lock is held during fdatasync.
//
// Thread-safe: submit() may be called from any thread. The destructor stops the threads after
// serving everything already submitted.
class flusher {
 public:
  using completion = std::function<void(result<void>)>;

  static constexpr int default_sync_threads = 4;

  // `sync_threads`: how many files of one round may be fdatasync'ed at once, the flusher thread
  // included (values below 1 count as 1: the serial design, no worker threads).
  explicit flusher(int sync_threads = default_sync_threads);
  ~flusher();
  flusher(const flusher&) = delete;
  flusher& operator=(const flusher&) = delete;

  // Queues a request. `done` receives ok, or the first fdatasync error among its files (in the
  // request's file order). After stop(), `done` is called at once with shutting_down.
  void submit(sync_request request, completion done);
  // Serves what is queued, then ends the threads. Idempotent.
  void stop();

  int sync_threads() const { return sync_threads_; }
  int64_t fsync_count() const;  // fdatasync calls made
  int64_t round_count() const;  // group-commit rounds run

 private:
  struct pending {
    sync_request request;
    completion done;
  };
  // The distinct files of the round being synced, shared with the workers while work_ points to
  // it. Guarded by pool_mu_ (the fdatasync calls themselves run unlocked).
  struct round_work {
    std::span<file* const> files;
    std::span<result<void>> results;  // results[i] is the outcome of files[i]
    size_t next = 0;                  // first file not yet claimed
    size_t finished = 0;              // files whose result is stored
  };

  void run();
  void run_worker();
  // Fdatasyncs every file, in parallel when there is more than one and workers exist.
  void sync_all(std::span<file* const> files, std::span<result<void>> results);
  // Claims and syncs files of `w` until none is left unclaimed. REQUIRES: lk holds pool_mu_.
  void sync_claimed(std::unique_lock<std::mutex>& lk, round_work& w);

  const int sync_threads_;

  // Queue and counters.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<pending> queue_;
  bool stopping_ = false;
  int64_t fsyncs_ = 0;
  int64_t rounds_ = 0;

  // Worker pool. Workers wait on work_cv_ for a round with unclaimed files; the flusher thread
  // waits on done_cv_ for the last result of its round.
  std::mutex pool_mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  round_work* work_ = nullptr;  // the round in progress, or nullptr
  bool pool_exit_ = false;
  std::vector<std::thread> workers_;

  std::thread thread_;  // last: started once everything above exists
};

}  // namespace sluice::storage
