// admin_checks: request checks shared by the admin handlers: manual replica assignments on this
// single-node cluster, broker resource names, and Kafka's config-resource type ids.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace sluice::broker {

// Kafka's ConfigResource.Type ids (DescribeConfigs, AlterConfigs, IncrementalAlterConfigs).
inline constexpr int8_t resource_type_topic = 2;
inline constexpr int8_t resource_type_broker = 4;
inline constexpr int8_t resource_type_broker_logger = 8;

// A manual assignment (CreateTopics, CreatePartitions) names the replicas of one partition. With a
// single broker the only valid list is [node_id]. Returns the INVALID_REPLICA_ASSIGNMENT message
// (Kafka's wording) when `broker_ids` is not valid, nullopt when it is.
std::optional<std::string> manual_assignment_error(std::span<const int32_t> broker_ids, int32_t node_id);

// A BROKER / BROKER_LOGGER resource name must be this node's id in decimal. Returns the
// INVALID_REQUEST message (Kafka's wording) when it is not, nullopt when it is. An empty name is
// the cluster-wide default and is the caller's business.
std::optional<std::string> broker_resource_name_error(const std::string& name, int32_t node_id);

}  // namespace sluice::broker
