// OffsetForLeaderEpoch (key 23): the end offset of a leader epoch, which consumers (KIP-320) and
// followers use to detect log truncation, answered from the log's leader epoch cache.
#include "broker/broker_state.h"
#include "broker/error_mapping.h"
#include "broker/handlers.h"
#include "broker/partition_manager.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "broker/shard_fanout.h"
#include "protocol/generated/offset_for_leader_epoch.h"

namespace sluice::broker {
namespace {
using protocol::error_code;
using response = protocol::offset_for_leader_epoch_response;

// Kafka's LeaderEpochFileCache.endOffsetFor over the log's epoch cache. The current epoch
// (partition::leader_epoch) is in force even before the cache records it (no batch of it yet, or
// appends that do not stamp epochs): it then counts as starting at the log end, or at the log start
// if the cache knows no epoch at all (every batch belongs to the current epoch).
storage::epoch_end_offset end_offset_for(const partition& p, int32_t requested) {
  const auto& log = *p.log;
  if (log.epochs().latest_epoch() >= p.leader_epoch) return log.end_offset_for_epoch(requested);
  std::vector<storage::epoch_entry> entries = log.epochs().entries();
  entries.push_back({p.leader_epoch, entries.empty() ? log.log_start_offset() : log.log_end_offset()});
  return storage::leader_epoch_end_offset(entries, requested, log.log_end_offset());
}

}  // namespace

boost::asio::awaitable<net::frame_result> handle_offset_for_leader_epoch(request_context& ctx) {
  protocol::offset_for_leader_epoch_request req;
  if (!ctx.decode(req)) co_return close_connection();
  auto& s = ctx.state;
  // replica_id (v3+) tells consumers (-1) from followers; with no followers both get the leader's
  // answer.
  response resp;
  for (const auto& t : req.topics) {
    response::topic_result tr;
    tr.topic = t.topic;
    for (const auto& want : t.partitions) {
      response::topic_result::partition_result pr;
      pr.partition = want.partition;
      tr.partitions.push_back(std::move(pr));
    }
    resp.topics.push_back(std::move(tr));
  }
  // Each partition is answered by the shard that owns it (the response is complete: stable slots).
  std::vector<partition_visit> visits;
  for (size_t ti = 0; ti < req.topics.size(); ++ti) {
    const auto& t = req.topics[ti];
    for (size_t pi = 0; pi < t.partitions.size(); ++pi) {
      const auto& want = t.partitions[pi];
      auto& pr = resp.topics[ti].partitions[pi];
      visits.push_back({&t.topic, want.partition, [&want, &pr](partition* p) {
                          if (!p) {
                            pr.error_code = code_of(error_code::unknown_topic_or_partition);
                          } else if (want.current_leader_epoch >= 0 &&
                                     want.current_leader_epoch != p->leader_epoch) {
                            // KIP-320 fencing (v2+): the client's view of the leader is older or newer than
                            // ours.
                            pr.error_code = code_of(want.current_leader_epoch < p->leader_epoch
                                                        ? error_code::fenced_leader_epoch
                                                        : error_code::unknown_leader_epoch);
                          } else {
                            const storage::epoch_end_offset e = end_offset_for(*p, want.leader_epoch);
                            pr.leader_epoch = e.epoch;
                            pr.end_offset = e.end_offset;
                          }
                        }});
    }
  }
  co_await visit_partitions(s, visits);
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
