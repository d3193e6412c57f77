// DescribeGroups (key 15): state, protocol and members of each named group; an unknown group is
// described as Dead with error NONE, as Kafka does. v3+ may ask for the authorized operations.
#include <cstdint>

#include "broker/broker_state.h"
#include "broker/coordinator_lookup.h"
#include "broker/error_mapping.h"
#include "broker/handlers.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "group/group_coordinator.h"
#include "protocol/generated/describe_groups.h"

namespace sluice::broker {
namespace {

// With no authorizer Kafka (3.x) reports every operation the GROUP resource supports (AclEntry):
// READ(3), DELETE(6), DESCRIBE(8), one bit per AclOperation code. Kafka 4 adds DESCRIBE_CONFIGS
// and ALTER_CONFIGS for its group configs, which this broker does not have.
constexpr int32_t all_group_operations = (1 << 3) | (1 << 6) | (1 << 8);

}  // namespace

boost::asio::awaitable<net::frame_result> handle_describe_groups(request_context& ctx) {
  protocol::describe_groups_request req;
  if (!ctx.decode(req)) co_return close_connection();
  using response = protocol::describe_groups_response;
  response resp;
  const bool ops = ctx.version() >= 3 && req.include_authorized_operations;
  for (const auto& id : req.groups) {
    group::group_description d;
    d.error = group_coordinator_error(ctx.state, id);
    if (d.error == protocol::error_code::none) {
      d = ctx.state.groups.describe(id);
    } else {
      d.group_id = id;  // Kafka: the error with an otherwise empty description
    }
    response::group out;
    out.error_code = code_of(d.error);
    out.group_id = std::move(d.group_id);
    out.group_state = std::move(d.state);
    out.protocol_type = std::move(d.protocol_type);
    out.protocol_data = std::move(d.protocol_data);
    for (auto& m : d.members) {
      response::group::member rm;
      rm.member_id = std::move(m.member_id);
      rm.group_instance_id = std::move(m.group_instance_id);
      rm.client_id = std::move(m.client_id);
      rm.client_host = std::move(m.client_host);
      rm.member_metadata = std::move(m.metadata);
      rm.member_assignment = std::move(m.assignment);
      out.members.push_back(std::move(rm));
    }
    // Otherwise the schema default, INT32_MIN: Kafka's "not requested".
    if (ops && d.error == protocol::error_code::none) out.authorized_operations = all_group_operations;
    resp.groups.push_back(std::move(out));
  }
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
