// clock: the storage layer's only source of time, so tests can drive rolls and retention.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace sluice::storage {

// Milliseconds since the Unix epoch (Kafka timestamps). Implementations are thread-safe.
class clock {
 public:
  virtual ~clock() = default;
  virtual int64_t now_ms() const = 0;
};

// Wall-clock time.
class system_clock final : public clock {
 public:
  int64_t now_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that moves only when told to. Thread-safe.
class manual_clock final : public clock {
 public:
  explicit manual_clock(int64_t start_ms = 1'700'000'000'000) : now_(start_ms) {}
  int64_t now_ms() const override { return now_.load(std::memory_order_relaxed); }
  void set_ms(int64_t ms) { now_.store(ms, std::memory_order_relaxed); }
  void advance_ms(int64_t delta) { now_.fetch_add(delta, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace sluice::storage
