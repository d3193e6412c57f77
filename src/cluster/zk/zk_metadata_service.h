// zk_metadata_service: the ZooKeeper metadata backend of a cluster-mode broker. It keeps one
// ZooKeeper session on its own thread (the metadata thread: ZooKeeper calls block, so they never
// run on a shard's event loop), registers this broker, mirrors the cluster's metadata through
// watches into immutable cluster_snapshots, runs the controller when this broker wins the
// /controller election, and performs the topic writes of admin requests (docs/cluster.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "cluster/cluster_snapshot.h"
#include "cluster/topic_table.h"
#include "cluster/topic_writer.h"

namespace sluice::cluster::zk {

struct metadata_service_options {
  std::string connect;  // zookeeper.connect (hosts, then an optional chroot)
  std::chrono::milliseconds session_timeout{18000};
  std::chrono::milliseconds connect_timeout{18000};
  int32_t broker_id = 0;
  std::string host;  // advertised PLAINTEXT endpoint
  int32_t port = 0;
  std::optional<std::string> rack;
  std::string proposed_cluster_id;  // written to /cluster/id when the cluster has none yet
  // Broker defaults the controller applies (a topic's override wins for unclean election).
  bool unclean_leader_election = false;
  bool auto_leader_rebalance = true;
  std::chrono::milliseconds leader_imbalance_check_interval{300000};
  int32_t leader_imbalance_per_broker_percentage = 10;
  // Called on the metadata thread with every new snapshot (the broker posts it to its control
  // shard). Snapshots arrive in order of their version.
  std::function<void(cluster_snapshot_ptr)> on_snapshot;
};

// What an admin write needs to know about a refusal (mapped to Kafka error codes by the broker).
using write_result = topic_result;

// Thread-safe: every public method may be called from any thread except the metadata thread and
// the ZooKeeper client's threads. The blocking writes take a ZooKeeper round trip or a few.
class zk_metadata_service final : public topic_writer {
 public:
  // Connects (bounded by connect_timeout), creates the layout and the cluster id, loads the
  // metadata and publishes the first snapshot. Does not register the broker yet: see
  // register_broker(), called once the logs are open and the listener is bound.
  static result<std::unique_ptr<zk_metadata_service>> start(metadata_service_options options);
  ~zk_metadata_service();  // stop()
  zk_metadata_service(const zk_metadata_service&) = delete;
  zk_metadata_service& operator=(const zk_metadata_service&) = delete;

  // Creates this broker's ephemeral /brokers/ids/<id> and takes part in the controller election.
  // Fails when another live broker has the id.
  result<void> register_broker();
  // The latest snapshot (never null after start()).
  cluster_snapshot_ptr snapshot() const;
  const std::string& cluster_id() const;

  // ---- admin writes (blocking; the change reaches snapshots through the watches) ----
  // Replicas are placed over the live brokers (rack-aware).
  write_result create_topic(const std::string& name, int32_t partitions, int16_t replication_factor,
                            const std::map<std::string, std::string>& configs, bool validate_only) override;
  // Explicit assignment (CreateTopics with assignments): partition → replicas.
  write_result create_topic_with_assignment(const std::string& name,
                                            const std::map<int32_t, std::vector<int32_t>>& assignment,
                                            const std::map<std::string, std::string>& configs,
                                            bool validate_only);
  write_result delete_topic(const std::string& name) override;
  write_result add_partitions(const std::string& name, int32_t new_total, bool validate_only) override;
  write_result set_topic_configs(const std::string& name,
                                 const std::map<std::string, std::string>& configs) override;

  // Reserves `size` producer ids for this broker in /latest_producer_id_block (Kafka's layout, a
  // conditional update) and returns the first. Blocking.
  result<int64_t> allocate_producer_id_block(int64_t size);

  // ---- requests to the controller (asynchronous) ----
  // A leader's ISR change; applied only if the state still has the expected version. The outcome
  // arrives as a snapshot (a refused change leaves the state as the controller wrote it).
  void propose_isr(isr_change change);
  // Controlled shutdown: asks the controller to move this broker's leaderships away and take it out
  // of every ISR. Returns once no partition is led by this broker or `timeout` passes (false).
  bool controlled_shutdown(std::chrono::milliseconds timeout);
  // Preferred-leader election now for the given partitions (all when empty); `unclean`: elect any
  // live replica of the given leaderless partitions (ElectLeaders with election type UNCLEAN).
  void request_election(std::vector<std::pair<std::string, int32_t>> partitions, bool unclean) override;
  topic_result reassign(const std::string& topic, int32_t partition,
                        const std::optional<std::vector<int32_t>>& target) override;

  // Ends the session (the registration goes at once) and stops the metadata thread. Idempotent.
  void stop();

  int32_t broker_id() const;

 private:
  struct impl;
  explicit zk_metadata_service(std::unique_ptr<impl> m);
  std::unique_ptr<impl> m_;
};

}  // namespace sluice::cluster::zk
