// replica_fetcher: a follower's fetch loop towards one leader broker, for the partitions of one
// shard that follow that leader: OffsetForLeaderEpoch first (truncating divergent data, KIP-101 /
// KIP-279), then Fetch requests whose batches are appended with the leader's offsets.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "broker/replica_client.h"

namespace sluice::broker {

class replica_manager;
struct partition;

// Used only on its shard's thread. Owned by the replica_manager and kept alive by its own loop
// until that loop sees stop(); after stop() the loop touches nothing but the fetcher itself, so the
// manager may go away. Every wait (connect, request, backoff, idle) is bounded.
class replica_fetcher : public std::enable_shared_from_this<replica_fetcher> {
 public:
  replica_fetcher(replica_manager& manager, int32_t source);
  ~replica_fetcher();
  replica_fetcher(const replica_fetcher&) = delete;
  replica_fetcher& operator=(const replica_fetcher&) = delete;

  // Starts the loop (once).
  void start();
  // Ends the loop: closes the connection and cancels any wait. Idempotent.
  void stop();
  // Follows `p` (its current leader epoch) from now on, starting with a truncation.
  void add(const partition& p);
  void remove(const partition& p);
  bool empty() const { return parts_.empty(); }
  int32_t source() const { return source_; }

 private:
  enum class phase { truncating, fetching };
  struct entry {
    int32_t epoch = 0;
    uint64_t generation = 0;  // changes on every add(): answers to older requests are dropped
    phase at = phase::truncating;
    int64_t retry_at_ms = 0;  // delayed after an error until then
    int rounds = 0;           // truncation rounds so far (bounded)
  };
  using key = std::pair<std::string, int32_t>;

  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> truncate_round(std::vector<key> keys);
  boost::asio::awaitable<void> fetch_round(std::vector<key> keys);
  boost::asio::awaitable<void> pause(std::chrono::milliseconds d);
  // The partition behind `k` if we still follow it as `e` says (same generation, same leader and
  // epoch); nullptr otherwise.
  partition* current(const key& k, uint64_t generation);
  void delay(const key& k, uint64_t generation);
  int64_t now_ms() const;

  replica_manager& manager_;
  const int32_t source_;
  std::map<key, entry> parts_;
  uint64_t next_generation_ = 1;
  replica_client client_;
  std::string endpoint_;  // host:port the client is connected to
  boost::asio::steady_timer wake_;
  std::vector<uint8_t> frame_;
  bool started_ = false;
  bool stopped_ = false;
  bool warned_ = false;  // connection failures are logged once until the next success
};

}  // namespace sluice::broker
