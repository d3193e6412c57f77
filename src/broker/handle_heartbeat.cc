// Heartbeat (key 12): a group member keeps its session alive and learns of rebalances.
#include "broker/broker_state.h"
#include "broker/coordinator_lookup.h"
#include "broker/error_mapping.h"
#include "broker/handlers.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "group/group_coordinator.h"
#include "protocol/generated/heartbeat.h"

namespace sluice::broker {

boost::asio::awaitable<net::frame_result> handle_heartbeat(request_context& ctx) {
  protocol::heartbeat_request req;
  if (!ctx.decode(req)) co_return close_connection();
  group::heartbeat_request in;
  in.group_id = std::move(req.group_id);
  in.generation_id = req.generation_id;
  in.member_id = std::move(req.member_id);
  in.group_instance_id = std::move(req.group_instance_id);
  protocol::heartbeat_response resp;
  const auto guard = group_coordinator_error(ctx.state, in.group_id);
  resp.error_code = code_of(guard != protocol::error_code::none ? guard : ctx.state.groups.heartbeat(in));
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
