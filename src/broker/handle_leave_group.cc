// LeaveGroup (key 13): members leave a classic group; v3+ carries a batch (admin tools, static
// members), v0-2 one member id.
#include "broker/broker_state.h"
#include "broker/coordinator_lookup.h"
#include "broker/error_mapping.h"
#include "broker/handlers.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "group/group_coordinator.h"
#include "protocol/generated/leave_group.h"

namespace sluice::broker {

boost::asio::awaitable<net::frame_result> handle_leave_group(request_context& ctx) {
  protocol::leave_group_request req;
  if (!ctx.decode(req)) co_return close_connection();
  std::vector<group::leave_member> members;
  if (ctx.version() >= 3) {
    for (auto& m : req.members) members.push_back({std::move(m.member_id), std::move(m.group_instance_id)});
  } else {
    members.push_back({std::move(req.member_id), std::nullopt});
  }
  group::leave_result r;
  if (const auto e = group_coordinator_error(ctx.state, req.group_id); e != protocol::error_code::none) {
    r.error = e;
    r.members.assign(members.size(), e);
  } else {
    r = ctx.state.groups.leave(req.group_id, members);
  }
  protocol::leave_group_response resp;
  if (ctx.version() >= 3) {
    resp.error_code = code_of(r.error);
    for (size_t i = 0; i < members.size() && i < r.members.size(); ++i) {
      protocol::leave_group_response::member_response out;
      out.member_id = members[i].member_id;
      out.group_instance_id = members[i].group_instance_id;
      out.error_code = code_of(r.members[i]);
      resp.members.push_back(std::move(out));
    }
  } else {
    resp.error_code = code_of(r.error != group::error_code::none ? r.error : r.members.front());
  }
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
