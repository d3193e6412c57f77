// ListGroups (key 16): every group this coordinator knows that is not Dead, with its protocol type
// and (v4+) its state; v4's states filter keeps only groups in one of the named states.
#include "broker/broker_state.h"
#include "broker/coordinator_lookup.h"
#include "broker/error_mapping.h"
#include "broker/handlers.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "group/group_coordinator.h"
#include "protocol/generated/list_groups.h"

namespace sluice::broker {

boost::asio::awaitable<net::frame_result> handle_list_groups(request_context& ctx) {
  protocol::list_groups_request req;
  if (!ctx.decode(req)) co_return close_connection();
  protocol::list_groups_response resp;
  resp.error_code = code_of(protocol::error_code::none);
  // Below v4 the filter is not on the wire and stays empty: every group.
  // The coordinator holds only the groups of the partitions it leads (cluster mode): those are the
  // groups this broker lists, as Kafka's does.
  for (auto& g : ctx.state.groups.list(req.states_filter)) {
    if (group_coordinator_error(ctx.state, g.group_id) != protocol::error_code::none) continue;
    protocol::list_groups_response::group out;
    out.group_id = std::move(g.group_id);
    out.protocol_type = std::move(g.protocol_type);
    out.group_state = std::move(g.state);
    resp.groups.push_back(std::move(out));
  }
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
