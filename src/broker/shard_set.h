// shard_set: the broker's event loops, one per core ("shards"): which shard owns a partition, the
// threads that run shards 1..N-1, and blocking calls from the control shard to all of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "net/asio_fwd.h"

namespace sluice::broker {

// Shard 0 is the control shard: it runs on the io_context the broker was given (the process's
// main loop) and owns the topic table, the group coordinator, the internal topics and the HTTP
// port. Shards 1..N-1 each run their own io_context on a thread started by start_threads(). Every
// shard owns the partitions owner_of() gives it, its connections, its group commit and flusher.
//
// Thread-safety: owner_of(), size() and io() may be called from any thread; current() tells the
// calling thread's shard. for_each_blocking() blocks the caller: only the control shard (or the
// thread setting the broker up before serving) may use it, and no shard ever blocks on another, so
// it cannot deadlock. Lifetime: stop_threads() must run before the shards' I/O
// objects are destroyed; the destructor does it too.
class shard_set {
 public:
  static constexpr size_t npos = static_cast<size_t>(-1);

  // `count` shards (0 = one per core, at most 64); shard 0 runs on `control`.
  shard_set(boost::asio::io_context& control, size_t count);
  ~shard_set();
  shard_set(const shard_set&) = delete;
  shard_set& operator=(const shard_set&) = delete;

  size_t size() const { return ios_.size(); }
  boost::asio::io_context& io(size_t shard) const { return *ios_[shard]; }

  // The shard owning a partition. Internal topics (__consumer_offsets, ...) live on the control
  // shard with the coordinators that write them; other partitions are spread by a hash of the
  // topic name plus the index, so a topic's partitions land on consecutive shards.
  size_t owner_of(const std::string& topic, int32_t index) const;

  // The shard whose io_context the calling thread is running, or npos.
  size_t current() const;

  // Starts the threads of shards 1..N-1 (each keeps running until stop_threads()).
  void start_threads();
  // Stops and joins them. Idempotent. Never call it from one of those threads.
  void stop_threads();
  bool threads_running() const { return !threads_.empty(); }

  // Runs fn(shard) on every shard at once and waits for all of them. A shard's share runs inline
  // when the caller is that shard, when its thread is not started, and for shard 0 when the caller
  // is the set-up thread (the control loop runs only after the broker started). REQUIRES: the
  // caller is the control shard or the set-up thread (shards never block on each other).
  void for_each_blocking(const std::function<void(size_t shard)>& fn);

 private:
  boost::asio::io_context& control_;
  std::vector<std::unique_ptr<boost::asio::io_context>> owned_;  // shards 1..N-1
  std::vector<boost::asio::io_context*> ios_;                    // all shards, [0] = control
  std::vector<std::thread> threads_;
  struct guards;
  std::unique_ptr<guards> guards_;
};

}  // namespace sluice::broker
