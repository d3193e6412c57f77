// shard_fanout: a handler's calls to the shards that own its partitions. Every call is started at
// once, before the handler's first suspension, and wait() resumes the handler on its own shard
// when all of them have finished.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "net/asio_fwd.h"

namespace sluice::broker {

class broker_state;
struct partition;

// Lives in the calling coroutine's frame; used on the calling shard only. Jobs read and write
// caller-owned data (request, result slots) by reference: the caller does not touch that data
// between start() and the end of wait(), and the posts between the shards order the accesses.
// REQUIRES: wait() is awaited (to the end) before the fanout is destroyed.
class shard_fanout {
 public:
  using done_fn = std::function<void()>;
  // Runs on the owning shard's thread with that shard's state; must call `done` exactly once, on
  // that thread, when finished (possibly later, e.g. after a group commit).
  using job = std::function<void(broker_state& owner, done_fn done)>;

  explicit shard_fanout(broker_state& origin);
  shard_fanout(const shard_fanout&) = delete;
  shard_fanout& operator=(const shard_fanout&) = delete;

  // Starts `j` on `shard`: inline (now) when that is the calling shard, else posted to it. Jobs
  // posted to one shard from one shard run in the order they were started, which keeps pipelined
  // requests' appends in arrival order.
  void start(size_t shard, job j);
  // A job that finishes when `fn` returns.
  void run(size_t shard, std::function<void(broker_state& owner)> fn);
  // Completes when every started job has called done.
  boost::asio::awaitable<void> wait();

 private:
  void finish_one();

  broker_state& origin_;
  boost::asio::steady_timer timer_;
  size_t pending_ = 0;
};

// One partition a handler needs: `visit` runs on the owning shard's thread with the hosted
// partition, or nullptr when that shard does not host it (unknown topic or partition).
struct partition_visit {
  const std::string* topic = nullptr;
  int32_t index = 0;
  std::function<void(partition*)> visit;
};

// Runs every visit on its owning shard (all started at once, each shard's in the given order) and
// completes when all have run.
boost::asio::awaitable<void> visit_partitions(broker_state& origin, std::vector<partition_visit>& visits);

}  // namespace sluice::broker
