// JoinGroup (key 11): a member joins a classic group; parked until the join phase ends.
#include "broker/broker_state.h"
#include "broker/coordinator_lookup.h"
#include "broker/error_mapping.h"
#include "broker/handlers.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "group/group_await.h"
#include "group/group_coordinator.h"
#include "protocol/generated/join_group.h"

namespace sluice::broker {

boost::asio::awaitable<net::frame_result> handle_join_group(request_context& ctx) {
  protocol::join_group_request req;
  if (!ctx.decode(req)) co_return close_connection();
  group::join_request in;
  in.group_id = std::move(req.group_id);
  in.member_id = std::move(req.member_id);
  in.group_instance_id = std::move(req.group_instance_id);
  in.client_id = ctx.header.client_id.value_or("");
  in.client_host = "/" + ctx.conn.peer_host;
  in.session_timeout_ms = req.session_timeout_ms;
  in.rebalance_timeout_ms = ctx.version() >= 1 ? req.rebalance_timeout_ms : -1;
  in.protocol_type = std::move(req.protocol_type);
  for (auto& p : req.protocols) in.protocols.push_back({std::move(p.name), std::move(p.metadata)});
  in.require_known_member_id = ctx.version() >= 4;
  in.supports_skip_assignment = ctx.version() >= 9;

  group::join_result r;
  if (const auto e = group_coordinator_error(ctx.state, in.group_id); e != protocol::error_code::none) {
    r.error = e;
    r.member_id = in.member_id;
  } else {
    auto& groups = ctx.state.groups;
    auto start = [&groups, &in](group::join_callback cb) { groups.join(std::move(in), std::move(cb)); };
    r = co_await group::await_result<group::join_result>(ctx.state.io, start);
  }

  protocol::join_group_response resp;
  resp.error_code = code_of(r.error);
  resp.generation_id = r.generation_id;
  resp.protocol_type = r.protocol_type;
  // Before v7 the name is not nullable: an error answer carries "".
  resp.protocol_name =
      ctx.version() >= 7 ? r.protocol_name : std::optional<std::string>(r.protocol_name.value_or(""));
  resp.leader = r.leader;
  resp.skip_assignment = r.skip_assignment;
  resp.member_id = r.member_id;
  for (const auto& m : r.members) {
    protocol::join_group_response::member out;
    out.member_id = m.member_id;
    out.group_instance_id = m.group_instance_id;
    out.metadata = m.metadata;
    resp.members.push_back(std::move(out));
  }
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
