// broker_state: what every handler can reach: configuration, this node's identity, the topic
// table, the hosted partitions, group commit, the producer-id allocator and the group coordinator.
#pragma once

#include <cstdint>
#include <string>

#include "broker/request_counters.h"
#include "net/asio_fwd.h"

namespace sluice::config {
struct broker_config;
}
namespace sluice::cluster {
class topic_table;
class producer_id_allocator;
}  // namespace sluice::cluster
namespace sluice::group {
class group_coordinator;
}

namespace sluice::broker {

class partition_manager;
class group_commit;
class topic_admin;
class consumer_offsets_log;

// This broker's identity as clients see it (Metadata, FindCoordinator, DescribeCluster).
struct node_identity {
  int32_t node_id = 0;
  std::string host;  // advertised host
  int32_t port = 0;  // advertised port
  std::string rack;  // empty = none
  std::string cluster_id;
};

// Owned by the broker; used only on the shard thread. Plain references: the broker outlives every
// handler (it drains the server before tearing anything down).
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
  // Requests received, by API key (counted by the dispatcher, read by the HTTP metrics).
  request_counters requests;
};

}  // namespace sluice::broker
