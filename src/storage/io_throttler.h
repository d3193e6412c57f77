// io_throttler: caps the cleaner's disk traffic (log.cleaner.io.max.bytes.per.second), shared by
// every cleaner thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <mutex>

namespace sluice::storage {

// Thread-safe. A token bucket refilled at `bytes_per_second` holding at most one second of
// traffic; acquire() sleeps until the bytes are covered (or cancel() is called).
class io_throttler {
 public:
  explicit io_throttler(double bytes_per_second = std::numeric_limits<double>::max())
      : rate_(bytes_per_second), last_(std::chrono::steady_clock::now()) {}

  bool unlimited() const { return rate_ >= 1e18; }

  void acquire(int64_t bytes) {
    if (unlimited() || bytes <= 0) return;
    std::unique_lock lock(mu_);
    refill();
    tokens_ -= static_cast<double>(bytes);
    while (tokens_ < 0 && !cancelled_) {
      const auto wait = std::chrono::duration<double>(-tokens_ / rate_);
      cv_.wait_for(
          lock, std::chrono::duration_cast<std::chrono::microseconds>(wait) + std::chrono::microseconds(100));
      refill();
    }
  }
  // Wakes every sleeper for good (shutdown).
  void cancel() {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    cv_.notify_all();
  }

 private:
  void refill() {
    const auto now = std::chrono::steady_clock::now();
    tokens_ = std::min(rate_, tokens_ + rate_ * std::chrono::duration<double>(now - last_).count());
    last_ = now;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  double rate_;
  double tokens_ = 0;
  std::chrono::steady_clock::time_point last_;
  bool cancelled_ = false;
};

}  // namespace sluice::storage
