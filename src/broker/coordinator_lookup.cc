// coordinator_lookup: the group coordinator's place in a cluster (FindCoordinator, the group APIs'
// guard, and the acks=all wait of its writes).
#include "broker/coordinator_lookup.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <map>

#include "broker/broker_state.h"
#include "broker/consumer_offsets_log.h"
#include "broker/partition.h"
#include "broker/partition_manager.h"
#include "broker/replica_manager.h"
#include "broker/topic_admin.h"
#include "config/broker_config.h"
#include "group/offsets_topic_format.h"

namespace sluice::broker {
namespace ot = group::offsets_topic;
using protocol::error_code;

namespace {

// Kafka's offsets.commit.timeout.ms default: how long a coordinator write waits for the ISR.
constexpr auto offsets_commit_timeout = std::chrono::milliseconds(5000);

// The coordinator follows leadership once it knows this broker (consumer_offsets_log::bind); the
// broker binds it when it starts serving, and any group request does too.
consumer_offsets_log* bound_offsets_log(broker_state& control) {
  consumer_offsets_log* log = control.offsets_log;
  if (log && !log->bound()) log->bind(control);
  return log;
}

coordinator_location not_available(std::string why) {
  coordinator_location out;
  out.error = error_code::coordinator_not_available;
  out.message = std::move(why);
  return out;
}

// Kafka's getOrCreateInternalTopic for __consumer_offsets: refused while fewer brokers are alive
// than the replication factor (the cluster may still be starting), else created through the
// cluster's store. Either way the group has no coordinator yet.
coordinator_location create_offsets_topic(broker_state& control, const cluster::cluster_snapshot& snap) {
  const int16_t rf = control.config.offsets_topic_replication_factor;
  const auto alive = static_cast<int64_t>(snap.brokers.size());
  if (alive < rf) {
    spdlog::warn(
        "Number of alive brokers '{}' does not meet the required replication factor '{}' for the offsets "
        "topic (configured via 'offsets.topic.replication.factor'). This error can be ignored if the "
        "cluster is starting up and not all brokers are up yet.",
        alive, rf);
    return not_available("The coordinator is not available.");
  }
  std::map<std::string, std::string> configs{
      {"cleanup.policy", "compact"},
      {"segment.bytes", std::to_string(control.config.offsets_topic_segment_bytes)},
      {"compression.type", "producer"},
  };
  auto created =
      control.admin.create_internal(ot::topic_name, control.config.offsets_topic_num_partitions, rf, configs);
  if (!created.ok() && created.code != cluster::topic_error::already_exists) {
    spdlog::error("creating {}: {}", ot::topic_name, created.message);
  }
  return not_available("The coordinator is not available.");
}

}  // namespace

coordinator_location locate_group_coordinator(broker_state& control, const std::string& group_id) {
  coordinator_location out;
  if (!control.cluster_mode()) {
    out.node_id = control.self.node_id;
    out.host = control.self.host;
    out.port = control.self.port;
    return out;
  }
  bound_offsets_log(control);
  const cluster::cluster_snapshot& snap = *control.cluster;
  const cluster::topic_snapshot* t = snap.topic(ot::topic_name);
  if (!t || t->partitions.empty()) return create_offsets_topic(control, snap);
  const int32_t index = ot::partition_for(group_id, static_cast<int32_t>(t->partitions.size()));
  const auto& l = t->partitions[static_cast<size_t>(index)];
  const cluster::broker_node* leader = l.leader == cluster::no_leader ? nullptr : snap.broker(l.leader);
  if (!leader) return not_available("The coordinator is not available.");
  out.node_id = leader->id;
  out.host = leader->host;
  out.port = leader->port;
  return out;
}

error_code group_coordinator_error(broker_state& control, const std::string& group_id) {
  // Kafka checks the group id first: an empty one gets INVALID_GROUP_ID from the coordinator.
  if (!control.cluster_mode() || group_id.empty()) return error_code::none;
  consumer_offsets_log* log = bound_offsets_log(control);
  if (!log) return error_code::not_coordinator;
  return log->coordinator_error(group_id);
}

error_code map_group_write_error(error_code e, group_write_kind kind) {
  switch (e) {
    case error_code::none:
      return e;
    case error_code::unknown_topic_or_partition:
    case error_code::not_enough_replicas:
    case error_code::not_enough_replicas_after_append:
      return error_code::coordinator_not_available;
    case error_code::not_leader_or_follower:
    case error_code::kafka_storage_error:
      return error_code::not_coordinator;
    case error_code::request_timed_out:
      return kind == group_write_kind::metadata ? error_code::rebalance_in_progress : e;
    default:
      return e;
  }
}

boost::asio::awaitable<error_code> await_group_write(broker_state& control, std::string group_id,
                                                     group_write_kind kind) {
  if (!control.cluster_mode() || !control.replicas || !control.offsets_log) co_return error_code::none;
  const auto pos = control.offsets_log->last_write_of(group_id);
  if (!pos) co_return error_code::none;
  partition* p = control.offsets_log->partition_of(group_id);
  if (!p) co_return map_group_write_error(error_code::not_leader_or_follower, kind);
  const auto deadline = std::chrono::steady_clock::now() + offsets_commit_timeout;
  const error_code e =
      co_await control.replicas->wait_for_replication(*p, pos->leader_epoch, pos->last_offset, deadline);
  co_return map_group_write_error(e, kind);
}

}  // namespace sluice::broker
