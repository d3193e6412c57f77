// admin_checks: request checks shared by the admin handlers: manual replica assignments on this
// single-node cluster, broker resource names, and Kafka's config-resource type ids.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "protocol/error_code.h"

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

// The outcome of one config-resource change (AlterConfigs, IncrementalAlterConfigs).
struct config_verdict {
  protocol::error_code error = protocol::error_code::none;
  std::optional<std::string> message;
};

// The answer to a change of a BROKER resource: dynamic broker configs (KIP-226) are not supported;
// broker settings come from server.properties and --override at startup.
config_verdict dynamic_broker_configs_unsupported();

// The per-resource loop both config-altering APIs share: a resource named twice in one request is
// refused (Kafka's rule), every other one is handed to `alter(resource, duplicate)`, and each gets
// one entry in `resp.responses`, in request order.
template <class Request, class Response, class Alter>
void alter_each_resource(const Request& req, Response& resp, Alter&& alter) {
  std::map<std::pair<int8_t, std::string>, int> occurrences;
  for (const auto& r : req.resources) ++occurrences[{r.resource_type, r.resource_name}];
  for (const auto& r : req.resources) {
    const config_verdict v = alter(r, occurrences[{r.resource_type, r.resource_name}] > 1);
    typename Response::resource_response out;
    out.error_code = protocol::to_int(v.error);
    out.error_message = v.message;
    out.resource_type = r.resource_type;
    out.resource_name = r.resource_name;
    resp.responses.push_back(std::move(out));
  }
}

}  // namespace sluice::broker
