// OffsetCommit (key 8): a group stores committed offsets (validated by the group coordinator;
// unknown topics and partitions are refused here, as Kafka does before reaching the coordinator).
#include <algorithm>
#include <chrono>

#include "broker/broker_state.h"
#include "broker/consumer_offsets_log.h"
#include "broker/coordinator_lookup.h"
#include "broker/error_mapping.h"
#include "broker/group_commit.h"
#include "broker/handlers.h"
#include "broker/partition.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "cluster/topic_table.h"
#include "group/group_coordinator.h"
#include "protocol/generated/offset_commit.h"

namespace sluice::broker {

boost::asio::awaitable<net::frame_result> handle_offset_commit(request_context& ctx) {
  protocol::offset_commit_request req;
  if (!ctx.decode(req)) co_return close_connection();
  using response = protocol::offset_commit_response;
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();

  group::commit_request in;
  in.group_id = req.group_id;
  in.generation_id = ctx.version() >= 1 ? req.generation_id : -1;
  in.member_id = req.member_id;
  in.group_instance_id = req.group_instance_id;
  // Per partition: an index into in.offsets, or an error decided here.
  std::vector<std::vector<std::pair<int, protocol::error_code>>> slots;
  for (const auto& t : req.topics) {
    const cluster::topic_info* info = ctx.state.topics.find(t.name);
    auto& ts = slots.emplace_back();
    for (const auto& p : t.partitions) {
      if (!info || p.partition_index < 0 || p.partition_index >= info->partition_count) {
        ts.emplace_back(-1, protocol::error_code::unknown_topic_or_partition);
        continue;
      }
      group::committed_offset v;
      v.offset = p.committed_offset;
      v.leader_epoch = p.committed_leader_epoch;
      v.metadata = p.committed_metadata;
      v.commit_timestamp_ms = now_ms;
      ts.emplace_back(static_cast<int>(in.offsets.size()), protocol::error_code::none);
      in.offsets.emplace_back(group::topic_partition{t.name, p.partition_index}, std::move(v));
    }
  }
  std::vector<protocol::error_code> errors;
  if (const auto e = group_coordinator_error(ctx.state, in.group_id); e != protocol::error_code::none) {
    // Every partition the topic check let through gets the coordinator's error.
    errors.assign(in.offsets.size(), e);
  } else if (!in.offsets.empty()) {
    errors = ctx.state.groups.commit(in);
    // Accepted offsets were appended to the group's __consumer_offsets partition; like acks=all
    // produce, the answer waits until they are durable (group commit shares the fsync).
    const bool any_accepted =
        std::find(errors.begin(), errors.end(), protocol::error_code::none) != errors.end();
    if (any_accepted && ctx.state.offsets_log) {
      result<void> persisted = ctx.state.offsets_log->last_append();
      partition* p = ctx.state.offsets_log->partition_of(in.group_id);
      if (persisted.ok() && p && ctx.state.fsync_acks) {
        std::vector<partition*> parts{p};  // named: GCC 12 miscompiles temporaries in co_await
        persisted = co_await ctx.state.commits.sync(std::move(parts));
      }
      protocol::error_code failed = protocol::error_code::none;
      if (!persisted.ok()) {
        // Kafka maps a failed append of the commit to COORDINATOR_NOT_AVAILABLE (retriable), and
        // one refused because this broker no longer leads the partition to NOT_COORDINATOR.
        failed = ctx.state.offsets_log->last_append_not_leader()
                     ? protocol::error_code::not_coordinator
                     : protocol::error_code::coordinator_not_available;
      } else {
        // Cluster mode: answered once the ISR has the commit (Kafka appends offsets with acks=all).
        failed = co_await await_group_write(ctx.state, in.group_id, group_write_kind::offsets);
      }
      if (failed != protocol::error_code::none) {
        for (auto& e : errors) {
          if (e == protocol::error_code::none) e = failed;
        }
      }
    }
  }

  response resp;
  for (size_t ti = 0; ti < req.topics.size(); ++ti) {
    response::topic rt;
    rt.name = req.topics[ti].name;
    for (size_t pi = 0; pi < req.topics[ti].partitions.size(); ++pi) {
      response::topic::partition rp;
      rp.partition_index = req.topics[ti].partitions[pi].partition_index;
      const auto [slot, err] = slots[ti][pi];
      rp.error_code = code_of(slot >= 0 && static_cast<size_t>(slot) < errors.size() ? errors[slot] : err);
      rt.partitions.push_back(std::move(rp));
    }
    resp.topics.push_back(std::move(rt));
  }
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
