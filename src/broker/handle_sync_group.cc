// SyncGroup (key 14): the leader hands out assignments; followers wait for theirs.
#include "broker/broker_state.h"
#include "broker/coordinator_lookup.h"
#include "broker/error_mapping.h"
#include "broker/handlers.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "group/group_await.h"
#include "group/group_coordinator.h"
#include "protocol/generated/sync_group.h"

namespace sluice::broker {

boost::asio::awaitable<net::frame_result> handle_sync_group(request_context& ctx) {
  protocol::sync_group_request req;
  if (!ctx.decode(req)) co_return close_connection();
  group::sync_request in;
  in.group_id = std::move(req.group_id);
  in.generation_id = req.generation_id;
  in.member_id = std::move(req.member_id);
  in.group_instance_id = std::move(req.group_instance_id);
  in.protocol_type = std::move(req.protocol_type);
  in.protocol_name = std::move(req.protocol_name);
  for (auto& a : req.assignments) in.assignments.push_back({std::move(a.member_id), std::move(a.assignment)});

  group::sync_result r;
  const std::string group_id = in.group_id;
  const int32_t generation = in.generation_id;
  if (const auto e = group_coordinator_error(ctx.state, group_id); e != protocol::error_code::none) {
    r.error = e;
  } else {
    auto& groups = ctx.state.groups;
    auto start = [&groups, &in](group::sync_callback cb) { groups.sync(std::move(in), std::move(cb)); };
    r = co_await group::await_result<group::sync_result>(ctx.state.io, start);
    // Cluster mode: the assignment the leader stored is answered once the ISR has it (Kafka's
    // storeGroup appends with acks=all); every member of the generation waits for the same write.
    if (r.error == protocol::error_code::none) {
      const auto stored = co_await await_group_write(ctx.state, group_id, group_write_kind::metadata);
      if (stored != protocol::error_code::none) {
        ctx.state.groups.assignment_not_stored(group_id, generation);
        r = group::sync_result{};
        r.error = stored;
      }
    }
  }

  protocol::sync_group_response resp;
  resp.error_code = code_of(r.error);
  resp.protocol_type = r.protocol_type;
  resp.protocol_name = r.protocol_name;
  resp.assignment = r.assignment;
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
