// OffsetForLeaderEpoch (key 23): the end offset of a leader epoch, which consumers (KIP-320) and
// followers use to detect log truncation. On a single node every partition has had one leader
// epoch (partition::leader_epoch) since it was created, starting at its log start offset.
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

constexpr int32_t undefined_epoch = -1;
constexpr int64_t undefined_epoch_offset = -1;

struct epoch_end {
  int32_t epoch = undefined_epoch;
  int64_t end_offset = undefined_epoch_offset;
};

// Kafka's LeaderEpochFileCache.endOffsetFor with one cached epoch, `p.leader_epoch`, starting at
// the log start offset: the largest epoch <= the requested one and the offset where the next epoch
// begins (the log end offset for the current epoch).
epoch_end end_offset_for(const partition& p, int32_t requested) {
  if (requested == undefined_epoch) return {};
  if (requested == p.leader_epoch) return {requested, p.log->log_end_offset()};
  if (requested > p.leader_epoch) return {};  // no such epoch yet
  // Older than any epoch we know: the start of the first known epoch, under the requested epoch.
  return {requested, p.log->log_start_offset()};
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
                            const epoch_end e = end_offset_for(*p, want.leader_epoch);
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
