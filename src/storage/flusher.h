// flusher: a background thread that fdatasyncs files for many partition logs with group commit.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "base/result.h"
#include "storage/sync_request.h"

namespace sluice::storage {

// Group commit: requests that arrive while an fsync round runs are all served by the next round,
// which fdatasyncs each distinct file once. Completions run on the flusher thread, in submission
// order within a round; the broker posts them back to the owning event loop, which then calls
// partition_log::mark_synced(request.offset).
//
// Thread-safe: submit() may be called from any thread. The destructor stops the thread after
// serving everything already submitted.
class flusher {
 public:
  using completion = std::function<void(result<void>)>;

  flusher();
  ~flusher();
  flusher(const flusher&) = delete;
  flusher& operator=(const flusher&) = delete;

  // Queues a request. `done` receives ok, or the first fdatasync error among its files. After
  // stop(), `done` is called at once with shutting_down.
  void submit(sync_request request, completion done);
  // Serves what is queued, then ends the thread. Idempotent.
  void stop();

  int64_t fsync_count() const;  // fdatasync calls made
  int64_t round_count() const;  // group-commit rounds run

 private:
  struct pending {
    sync_request request;
    completion done;
  };
  void run();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<pending> queue_;
  bool stopping_ = false;
  int64_t fsyncs_ = 0;
  int64_t rounds_ = 0;
  std::thread thread_;
};

}  // namespace sluice::storage
