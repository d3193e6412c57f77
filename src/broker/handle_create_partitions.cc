// CreatePartitions (key 37): grows topics to `count` partitions, with optional manual assignments
// of the new partitions (each must be exactly this broker) and validate_only.
#include <map>

#include "broker/admin_checks.h"
#include "broker/broker_state.h"
#include "broker/error_mapping.h"
#include "broker/handlers.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "broker/topic_admin.h"
#include "cluster/topic_table.h"
#include "protocol/generated/create_partitions.h"

namespace sluice::broker {
namespace {
using protocol::error_code;
using request = protocol::create_partitions_request;
using response = protocol::create_partitions_response;

// Checks in the order of Kafka's controller (ReplicationControlManager.createPartitions).
response::topic_result grow(request_context& ctx, const request::topic& t, bool duplicate,
                            bool validate_only) {
  auto& s = ctx.state;
  response::topic_result out;
  out.name = t.name;
  auto refuse = [&](error_code code, std::string message) {
    out.error_code = code_of(code);
    out.error_message = std::move(message);
    return out;
  };
  if (duplicate) return refuse(error_code::invalid_request, "Duplicate topic in request.");
  const auto* info = s.topics.find(t.name);
  if (!info)
    return refuse(error_code::unknown_topic_or_partition, "The topic '" + t.name + "' does not exist.");
  const int32_t current = info->partition_count;
  if (t.count == current) {
    return refuse(error_code::invalid_partitions,
                  "Topic already has " + std::to_string(current) + " partition(s).");
  }
  if (t.count < current) {
    return refuse(error_code::invalid_partitions, "The topic " + t.name + " currently has " +
                                                      std::to_string(current) + " partition(s); " +
                                                      std::to_string(t.count) + " would not be an increase.");
  }
  if (t.assignments) {
    const int64_t additional = int64_t{t.count} - current;
    if (static_cast<int64_t>(t.assignments->size()) != additional) {
      return refuse(error_code::invalid_replica_assignment,
                    "Attempted to add " + std::to_string(additional) + " additional partition(s), but only " +
                        std::to_string(t.assignments->size()) + " assignment(s) were specified.");
    }
    for (const auto& a : *t.assignments) {
      if (auto why = manual_assignment_error(a.broker_ids, s.self.node_id)) {
        return refuse(error_code::invalid_replica_assignment, *why);
      }
    }
  }
  if (auto r = s.admin.add_partitions(t.name, t.count, validate_only); !r.ok()) {
    return refuse(to_kafka_error(r.code), r.message);
  }
  return out;
}

}  // namespace

boost::asio::awaitable<net::frame_result> handle_create_partitions(request_context& ctx) {
  request req;
  if (!ctx.decode(req)) co_return close_connection();
  std::map<std::string, int> occurrences;
  for (const auto& t : req.topics) ++occurrences[t.name];
  response resp;
  for (const auto& t : req.topics) {
    resp.results.push_back(grow(ctx, t, occurrences[t.name] > 1, req.validate_only));
  }
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
