// OffsetDelete (key 47): deletes a group's committed offsets for some partitions. Unknown topics
// and partitions are answered here (UNKNOWN_TOPIC_OR_PARTITION), as Kafka's KafkaApis does, and
// the rest go to the coordinator, whose group-level error (if any) replaces the whole answer.
#include "broker/broker_state.h"
#include "broker/coordinator_lookup.h"
#include "broker/error_mapping.h"
#include "broker/handlers.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "cluster/topic_table.h"
#include "group/group_coordinator.h"
#include "protocol/generated/offset_delete.h"

namespace sluice::broker {

boost::asio::awaitable<net::frame_result> handle_offset_delete(request_context& ctx) {
  protocol::offset_delete_request req;
  if (!ctx.decode(req)) co_return close_connection();
  using response = protocol::offset_delete_response;

  // Per requested partition: an index into `known`, or -1 for an unknown topic or partition.
  std::vector<group::topic_partition> known;
  std::vector<std::vector<int>> slots;
  for (const auto& t : req.topics) {
    const cluster::topic_info* info = ctx.state.topics.find(t.name);
    auto& ts = slots.emplace_back();
    for (const auto& p : t.partitions) {
      if (!info || p.partition_index < 0 || p.partition_index >= info->partition_count) {
        ts.push_back(-1);
        continue;
      }
      ts.push_back(static_cast<int>(known.size()));
      known.push_back({t.name, p.partition_index});
    }
  }
  // Called even with nothing known: the group is still validated (GROUP_ID_NOT_FOUND, ...).
  group::offset_delete_result result;
  result.error = group_coordinator_error(ctx.state, req.group_id);
  if (result.error == protocol::error_code::none)
    result = ctx.state.groups.delete_offsets(req.group_id, known);

  response resp;
  resp.error_code = code_of(result.error);
  if (result.error != protocol::error_code::none) co_return respond(ctx, resp);
  for (size_t ti = 0; ti < req.topics.size(); ++ti) {
    response::topic rt;
    rt.name = req.topics[ti].name;
    for (size_t pi = 0; pi < req.topics[ti].partitions.size(); ++pi) {
      response::topic::partition rp;
      rp.partition_index = req.topics[ti].partitions[pi].partition_index;
      const int slot = slots[ti][pi];
      rp.error_code = code_of(slot >= 0 && static_cast<size_t>(slot) < result.partitions.size()
                                  ? result.partitions[slot]
                                  : protocol::error_code::unknown_topic_or_partition);
      rt.partitions.push_back(std::move(rp));
    }
    resp.topics.push_back(std::move(rt));
  }
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
