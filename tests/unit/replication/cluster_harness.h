// cluster_harness: several real brokers in one process (each on its own io thread, loopback port
// and temp dir) replicating to each other. The test plays the controller: it hands every broker
// hand-built cluster snapshots and commits the ISR changes leaders propose (conditional on the
// partition's version, as the ZooKeeper store does).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "broker/broker.h"
#include "broker/broker_state.h"
#include "broker/replica_manager.h"
#include "cluster/cluster_snapshot.h"
#include "config/broker_config.h"

namespace sluice::broker::test {

class test_cluster {
 public:
  // Brokers with ids 1..n, one shard each; `overrides` are broker config keys for all of them.
  test_cluster(int n, std::vector<std::pair<std::string, std::string>> overrides);
  ~test_cluster();
  test_cluster(const test_cluster&) = delete;
  test_cluster& operator=(const test_cluster&) = delete;

  uint16_t port(int32_t id) const;
  std::string log_dir(int32_t id) const;
  bool up(int32_t id) const;

  // Creates the topic on every broker (its logs) and publishes it with replicas {1..n}, `leader`,
  // epoch 1 and the full ISR.
  void create_topic(const std::string& name, int32_t partitions, int32_t leader,
                    std::map<std::string, std::string> configs = {});
  // Publishes a topic every broker already has (the internal __consumer_offsets, which each broker
  // creates at start with offsets.topic.num.partitions) with replicas {1..n}, `leader`, epoch 1 and
  // the full ISR.
  void adopt_topic(const std::string& name, int32_t partitions, int32_t leader);
  // Sets one partition's leadership (leader epoch and ISR) and publishes it to every live broker.
  void set_leadership(const std::string& topic, int32_t index, int32_t leader, int32_t epoch,
                      std::vector<int32_t> isr);
  // Applies `l` on broker `id` only (a broker cut off from the others' view).
  void apply_on(int32_t id, const std::string& topic, int32_t index, cluster::partition_leadership l);
  cluster::partition_leadership leadership(const std::string& topic, int32_t index);
  // Clean shutdown of one broker (its replica manager first).
  void stop(int32_t id);

  // Runs `f` with broker `id`'s shard state on its thread and returns its result.
  template <class F>
  auto on(int32_t id, F f) -> decltype(f(std::declval<broker_state&>())) {
    auto& n = *nodes_.at(id);
    std::packaged_task<decltype(f(std::declval<broker_state&>()))()> task(
        [&n, &f] { return f(const_cast<broker_state&>(n.b->state())); });
    auto fut = task.get_future();
    boost::asio::post(*n.io, [&task] { task(); });
    return fut.get();
  }
  // The partition's log end offset on broker `id` (-1 if not hosted).
  int64_t log_end(int32_t id, const std::string& topic, int32_t index);
  int64_t high_watermark(int32_t id, const std::string& topic, int32_t index);
  // Polls `pred` until true or `timeout`; returns its last value.
  static bool eventually(const std::function<bool()>& pred,
                         std::chrono::milliseconds timeout = std::chrono::seconds(15));

 private:
  struct node {
    int32_t id = 0;
    std::string dir;
    config::broker_config config;
    std::unique_ptr<boost::asio::io_context> io;
    std::unique_ptr<broker> b;
    std::unique_ptr<replica_manager> replicas;
    std::thread thread;
    uint16_t port = 0;
    bool up = false;
  };
  void start_node(node& n);
  void publish_locked();
  void publish_topic_locked(const std::string& name, int32_t partitions, int32_t leader,
                            std::map<std::string, std::string> configs);
  void propose(const cluster::isr_change& c);

  int n_;
  std::map<int32_t, std::unique_ptr<node>> nodes_;
  std::mutex mu_;
  cluster::cluster_snapshot snapshot_;
};

}  // namespace sluice::broker::test
