// broker_state: what every handler can reach on its shard: configuration, this node's identity,
// the shard's partitions and group commit, the other shards, and the control shard's topic table,
// producer-id allocator and group coordinator.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "broker/request_counters.h"
#include "broker/shard_set.h"
#include "cluster/cluster_snapshot.h"
#include "net/asio_fwd.h"

namespace sluice::config {
struct broker_config;
}
namespace sluice::cluster {
class topic_table;
class topic_writer;
class producer_id_allocator;
}  // namespace sluice::cluster
namespace sluice::group {
class group_coordinator;
}

namespace sluice::broker {

class partition_manager;
class replica_manager;
class group_commit;
class topic_admin;
class consumer_offsets_log;
struct topic_directory;

// This broker's identity as clients see it (Metadata, FindCoordinator, DescribeCluster).
struct node_identity {
  int32_t node_id = 0;
  std::string host;  // advertised host
  int32_t port = 0;  // advertised port
  std::string rack;  // empty = none
  std::string cluster_id;
};

// One per shard, owned by the broker; used only on its shard's thread. `io`, `partitions` and
// `commits` are the shard's own. `topics`, `admin`, `producer_ids`, `groups` and `offsets_log` are
// the control shard's (shard 0): only handlers running there may use them (the dispatcher sends
// those APIs to shard 0). A partition is reached through its owner: `on(owner_of(t, i))`, with a
// shard_fanout from a handler. Plain references: the broker outlives every handler (it drains the
// servers before tearing anything down).
class broker_state {
 public:
  broker_state(boost::asio::io_context& io, const config::broker_config& config, node_identity self,
               cluster::topic_table& topics, partition_manager& partitions, group_commit& commits,
               topic_admin& admin, cluster::producer_id_allocator& producer_ids,
               group::group_coordinator& groups)
      : io(io),
        config(config),
        self(std::move(self)),
        topics(topics),
        partitions(partitions),
        commits(commits),
        admin(admin),
        producer_ids(producer_ids),
        groups(groups) {}

  boost::asio::io_context& io;
  const config::broker_config& config;
  node_identity self;
  cluster::topic_table& topics;
  partition_manager& partitions;
  group_commit& commits;
  topic_admin& admin;
  cluster::producer_id_allocator& producer_ids;
  group::group_coordinator& groups;
  // The coordinator's persistence (__consumer_offsets); set by the broker before serving.
  consumer_offsets_log* offsets_log = nullptr;
  // True (the default, sluice.durability.mode=fsync): acks=all waits for group-commit fdatasync.
  // False: Kafka's page-cache mode; acks=all is answered after the append.
  bool fsync_acks = true;
  bool shutting_down = false;
  // Requests received on this shard's connections, by API key (counted by the dispatcher, summed
  // over the shards for the HTTP metrics).
  request_counters requests;

  // The shards: this one's index and every shard's state ([shard_id] is this object).
  shard_set* shards = nullptr;
  size_t shard_id = 0;
  std::vector<broker_state*> peers;
  broker_state& on(size_t shard) { return *peers[shard]; }
  size_t owner_of(const std::string& topic, int32_t index) const { return shards->owner_of(topic, index); }
  // Topic ids -> names for Fetch v13+ (replaced by the control shard on topic creation/deletion).
  std::shared_ptr<const topic_directory> directory;
  // Cluster mode (zookeeper.connect): the cluster's metadata as this broker last learned it, handed
  // to every shard by the control shard; null on a single node (set before serving either way).
  cluster::cluster_snapshot_ptr cluster;
  bool cluster_mode() const { return cluster != nullptr; }
  // Cluster mode: this shard's leader/follower work for the partitions it owns (null on a single
  // node).
  replica_manager* replicas = nullptr;
  // Cluster mode: a leader's ISR change, forwarded to the metadata thread (callable on any shard);
  // the outcome comes back as a new snapshot.
  std::function<void(cluster::isr_change)> propose_isr;
  // Cluster mode: the cluster's metadata store (topic writes, election requests); null on a single
  // node.
  cluster::topic_writer* cluster_writer = nullptr;
  // Control shard: gathers every shard's recovery points and log start offsets and writes the
  // checkpoint files (DeleteRecords persists a new log start offset with it).
  std::function<result<void>()> write_checkpoints;
};

}  // namespace sluice::broker
