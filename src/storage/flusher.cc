// flusher: the group-commit fsync thread.
#include "storage/flusher.h"

#include <map>
#include <vector>

namespace sluice::storage {

flusher::flusher() : thread_([this] { run(); }) {}

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
  for (;;) {
    std::deque<pending> round;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      round.swap(queue_);
    }
    // One fdatasync per distinct file in this round.
    std::map<const file*, result<void>> synced;
    int64_t calls = 0;
    for (const auto& p : round)
      for (const auto& f : p.request.files) {
        if (!f || synced.count(f.get())) continue;
        synced.emplace(f.get(), f->fdatasync());
        ++calls;
      }
    {
      std::lock_guard lk(mu_);
      fsyncs_ += calls;
      ++rounds_;
    }
    for (auto& p : round) {
      result<void> outcome;
      for (const auto& f : p.request.files) {
        if (!f) continue;
        const auto& r = synced.at(f.get());
        if (!r) {
          outcome = r;
          break;
        }
      }
      if (p.done) p.done(std::move(outcome));
    }
  }
}

}  // namespace sluice::storage
