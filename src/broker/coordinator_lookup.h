// coordinator_lookup: where a consumer group is coordinated in cluster mode (the leader of its
// __consumer_offsets partition, as Kafka's KafkaApis.handleFindCoordinatorRequest answers), the
// guard every group API runs first (NOT_COORDINATOR for a group coordinated elsewhere), and the
// wait for a coordinator write to reach the ISR. On a single node every group is coordinated here.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "protocol/error_code.h"

namespace sluice::broker {

class broker_state;

// FindCoordinator's answer for one group: the coordinator's endpoint, or an error with Kafka's
// Node.noNode() (-1, "", -1).
struct coordinator_location {
  protocol::error_code error = protocol::error_code::none;
  std::optional<std::string> message;
  int32_t node_id = -1;
  std::string host;
  int32_t port = -1;
};

// REQUIRES: on the control shard. Cluster mode: the leader of partition_for(group, n) of
// __consumer_offsets; creates the topic (offsets.topic.num.partitions, RF
// offsets.topic.replication.factor, compacted) when the cluster has none, and answers
// COORDINATOR_NOT_AVAILABLE until the partition has a live leader (or while fewer brokers are
// alive than the replication factor, as Kafka does). Single node: this broker.
coordinator_location locate_group_coordinator(broker_state& control, const std::string& group_id);

// REQUIRES: on the control shard. The guard of every group API: none when this broker coordinates
// `group_id` (always on a single node), else NOT_COORDINATOR (the client looks the coordinator up
// again). Loading is synchronous, so COORDINATOR_LOAD_IN_PROGRESS is never answered.
protocol::error_code group_coordinator_error(broker_state& control, const std::string& group_id);

// Which write a group API waits for; Kafka maps their failures differently.
enum class group_write_kind {
  offsets,   // OffsetCommit (GroupMetadataManager.storeOffsets)
  metadata,  // SyncGroup's assignment (GroupMetadataManager.storeGroup)
};

// Kafka's mapping of a failed __consumer_offsets append (or its acks=all wait) to the error the
// group API answers: NOT_ENOUGH_REPLICAS(_AFTER_APPEND) and UNKNOWN_TOPIC_OR_PARTITION ->
// COORDINATOR_NOT_AVAILABLE; NOT_LEADER_OR_FOLLOWER and KAFKA_STORAGE_ERROR -> NOT_COORDINATOR;
// REQUEST_TIMED_OUT -> REBALANCE_IN_PROGRESS for group metadata, unchanged for offsets.
protocol::error_code map_group_write_error(protocol::error_code e, group_write_kind kind);

// Cluster mode, after the coordinator accepted a write for `group_id`: waits (bounded by
// offsets.commit.timeout.ms, Kafka's default 5 s) until the high watermark of the group's
// partition passes the group's last append, and returns none or the mapped error. Single node,
// or nothing appended: none at once. REQUIRES: on the control shard.
boost::asio::awaitable<protocol::error_code> await_group_write(broker_state& control, std::string group_id,
                                                               group_write_kind kind);

}  // namespace sluice::broker
