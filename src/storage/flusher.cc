// flusher: the group-commit fsync thread and its pool of sync workers.
//
// A round: take the whole queue, list its distinct files, fdatasync them (one file on the flusher
// thread alone; several spread over the flusher thread and the workers, each thread claiming the
// next unsynced file until none is left), then run the completions in submission order. The
// flusher thread claims files too, so a round never waits for a worker to wake up before work
// starts, and it finishes whatever the workers have not claimed: workers only ever add parallelism.
#include "storage/flusher.h"

#include <algorithm>
#include <unordered_map>

namespace sluice::storage {

flusher::flusher(int sync_threads) : sync_threads_(std::max(sync_threads, 1)) {
  workers_.reserve(sync_threads_ - 1);
  for (int i = 1; i < sync_threads_; ++i) workers_.emplace_back([this] { run_worker(); });
  thread_ = std::thread([this] { run(); });
}

flusher::~flusher() { stop(); }

void flusher::submit(sync_request request, completion done) {
  {
    std::lock_guard lk(mu_);
    if (!stopping_) {
      queue_.push_back(pending{std::move(request), std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  if (done) done(make_error(errc::shutting_down, "flusher stopped"));
}

void flusher::stop() {
  {
    std::lock_guard lk(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_one();
  // The flusher thread stops and joins the workers itself once the queue is drained.
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

int64_t flusher::fsync_count() const {
  std::lock_guard lk(mu_);
  return fsyncs_;
}

int64_t flusher::round_count() const {
  std::lock_guard lk(mu_);
  return rounds_;
}

void flusher::run() {
  std::vector<file*> files;
  std::vector<result<void>> results;
  std::unordered_map<const file*, size_t> index;  // file → its position in `files`
  for (;;) {
    std::deque<pending> round;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // stopping and drained
      round.swap(queue_);
    }
    // One fdatasync per distinct file in this round. `round` keeps every file alive until the
    // completions have run.
    files.clear();
    index.clear();
    for (const auto& p : round)
      for (const auto& f : p.request.files)
        if (f && index.emplace(f.get(), files.size()).second) files.push_back(f.get());
    results.assign(files.size(), result<void>{});
    sync_all(files, results);
    {
      std::lock_guard lk(mu_);
      fsyncs_ += static_cast<int64_t>(files.size());
      ++rounds_;
    }
    for (auto& p : round) {
      result<void> outcome;
      for (const auto& f : p.request.files) {
        if (!f) continue;
        const auto& r = results[index.at(f.get())];
        if (!r) {
          outcome = r;
          break;
        }
      }
      if (p.done) p.done(std::move(outcome));
    }
  }
  {
    std::lock_guard lk(pool_mu_);
    pool_exit_ = true;
  }
  work_cv_.notify_all();
  for (auto& w : workers_) w.join();
}

void flusher::sync_all(std::span<file* const> files, std::span<result<void>> results) {
  if (files.size() <= 1 || workers_.empty()) {
    // Nothing to overlap: no hand-off, no pool lock.
    for (size_t i = 0; i < files.size(); ++i) results[i] = files[i]->fdatasync();
    return;
  }
  round_work w{files, results};
  std::unique_lock lk(pool_mu_);
  work_ = &w;
  // Wake only as many workers as there are files beyond the one this thread takes.
  const size_t helpers = std::min(workers_.size(), files.size() - 1);
  for (size_t i = 0; i < helpers; ++i) work_cv_.notify_one();
  sync_claimed(lk, w);
  // Every file is claimed; wait for those still being synced by workers. Once `finished` reaches
  // the count no worker touches `w` again (they only reach it through work_, under pool_mu_).
  done_cv_.wait(lk, [&] { return w.finished == w.files.size(); });
  work_ = nullptr;
}

void flusher::sync_claimed(std::unique_lock<std::mutex>& lk, round_work& w) {
  while (w.next < w.files.size()) {
    const size_t i = w.next++;
    lk.unlock();
    auto r = w.files[i]->fdatasync();
    lk.lock();
    w.results[i] = std::move(r);
    if (++w.finished == w.files.size()) done_cv_.notify_one();
  }
}

void flusher::run_worker() {
  std::unique_lock lk(pool_mu_);
  for (;;) {
    work_cv_.wait(lk, [&] { return pool_exit_ || (work_ && work_->next < work_->files.size()); });
    if (pool_exit_) return;  // set only after the last round, so no work is left behind
    sync_claimed(lk, *work_);
  }
}

}  // namespace sluice::storage
