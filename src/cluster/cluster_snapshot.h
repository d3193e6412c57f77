// cluster_snapshot: an immutable picture of the cluster's metadata as this broker last learned it
// (live brokers, controller, topics with each partition's replicas, leader, leader epoch and ISR).
// The metadata backend builds a new one on every change and the broker hands it to every shard;
// handlers read it without locks because it never changes once published.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/uuid.h"

namespace sluice::cluster {

inline constexpr int32_t no_leader = -1;

// A live broker as clients reach it (its PLAINTEXT endpoint) and its rack.
struct broker_node {
  int32_t id = -1;
  std::string host;
  int32_t port = 0;
  std::optional<std::string> rack;
  bool operator==(const broker_node&) const = default;
};

// One partition's replication state, as the controller (or the leader, for its ISR) last wrote it.
struct partition_leadership {
  std::vector<int32_t> replicas;  // the assignment, preferred leader first
  int32_t leader = no_leader;     // no_leader: offline (no live in-sync replica)
  int32_t leader_epoch = 0;
  std::vector<int32_t> isr;
  // The version of the partition's state znode (Kafka's partition epoch / zkVersion): an ISR change
  // by the leader is a write conditional on it. -1 while the controller has not created the state.
  int32_t version = -1;
  // Reassignment in progress (KIP-455): replicas being added / removed.
  std::vector<int32_t> adding;
  std::vector<int32_t> removing;

  bool has_replica(int32_t id) const {
    return std::find(replicas.begin(), replicas.end(), id) != replicas.end();
  }
  bool in_isr(int32_t id) const { return std::find(isr.begin(), isr.end(), id) != isr.end(); }
  bool operator==(const partition_leadership&) const = default;
};

struct topic_snapshot {
  std::string name;
  uuid_bytes id{};
  std::vector<partition_leadership> partitions;  // [index]
  std::map<std::string, std::string> configs;    // overrides
  bool deleting = false;                         // queued in /admin/delete_topics
};

struct cluster_snapshot {
  std::string cluster_id;
  int32_t controller_id = -1;
  std::map<int32_t, broker_node> brokers;  // live brokers by id
  std::map<std::string, topic_snapshot> topics;
  uint64_t version = 0;  // increases with every snapshot this broker builds

  const broker_node* broker(int32_t id) const {
    auto it = brokers.find(id);
    return it == brokers.end() ? nullptr : &it->second;
  }
  const topic_snapshot* topic(const std::string& name) const {
    auto it = topics.find(name);
    return it == topics.end() ? nullptr : &it->second;
  }
  const partition_leadership* partition(const std::string& name, int32_t index) const {
    const topic_snapshot* t = topic(name);
    if (!t || index < 0 || static_cast<size_t>(index) >= t->partitions.size()) return nullptr;
    return &t->partitions[static_cast<size_t>(index)];
  }
};

using cluster_snapshot_ptr = std::shared_ptr<const cluster_snapshot>;

// A leader's request to change a partition's ISR (Kafka's AlterPartition / the ZooKeeper-mode ISR
// write): applied only if the state znode still has `expected_version` and the leader epoch.
struct isr_change {
  std::string topic;
  int32_t partition = 0;
  int32_t leader_epoch = 0;
  std::vector<int32_t> isr;
  int32_t expected_version = -1;
};

}  // namespace sluice::cluster
