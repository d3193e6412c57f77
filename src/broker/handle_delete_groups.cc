// DeleteGroups (key 42): deletes Empty groups and their committed offsets, one result per group.
#include <map>

#include "broker/broker_state.h"
#include "broker/coordinator_lookup.h"
#include "broker/error_mapping.h"
#include "broker/handlers.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "group/group_coordinator.h"
#include "protocol/generated/delete_groups.h"

namespace sluice::broker {

boost::asio::awaitable<net::frame_result> handle_delete_groups(request_context& ctx) {
  protocol::delete_groups_request req;
  if (!ctx.decode(req)) co_return close_connection();
  using response = protocol::delete_groups_response;
  response resp;
  // Kafka treats the names as a set: a name given twice is deleted once and answered alike both
  // times (not GROUP_ID_NOT_FOUND the second time).
  std::map<std::string, protocol::error_code> done;
  for (const auto& name : req.groups_names) {
    auto it = done.find(name);
    if (it == done.end()) {
      auto e = group_coordinator_error(ctx.state, name);
      if (e == protocol::error_code::none) e = ctx.state.groups.delete_group(name);
      it = done.emplace(name, e).first;
    }
    response::group_result r;
    r.group_id = name;
    r.error_code = code_of(it->second);
    resp.results.push_back(std::move(r));
  }
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
