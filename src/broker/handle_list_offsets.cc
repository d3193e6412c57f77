// ListOffsets (key 2): earliest (-2), latest (-1), max timestamp (-3, v7) or the first offset at
// or after a timestamp, per partition. Latest is the high watermark; in a cluster only the leader
// answers consumers (followers and tools, replica_id >= 0 or -2, may ask any replica).
#include "broker/broker_state.h"
#include "broker/error_mapping.h"
#include "broker/handlers.h"
#include "broker/partition_manager.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "broker/shard_fanout.h"
#include "protocol/generated/list_offsets.h"

namespace sluice::broker {
namespace {
using protocol::error_code;
using response = protocol::list_offsets_response;

constexpr int64_t latest_timestamp = -1;
constexpr int64_t earliest_timestamp = -2;
constexpr int64_t max_timestamp = -3;
constexpr int8_t read_committed = 1;

struct lookup {
  error_code error = error_code::none;
  int64_t offset = -1;
  int64_t timestamp = -1;
};

lookup find_offset(partition& p, int64_t ts, bool committed) {
  lookup out;
  if (ts == latest_timestamp) {
    out.offset = committed ? p.last_stable_offset() : p.high_watermark();
  } else if (ts == earliest_timestamp) {
    out.offset = p.log->log_start_offset();
  } else if (ts == max_timestamp) {
    auto r = p.log->max_timestamp_and_offset();
    if (!r.ok()) {
      out.error = to_kafka_error(r.err().code);
    } else {
      out.offset = r->offset;
      out.timestamp = r->timestamp;
    }
  } else if (ts < 0) {
    out.error = error_code::invalid_request;
  } else {
    auto r = p.log->offset_for_timestamp(ts);
    if (!r.ok()) {
      out.error = to_kafka_error(r.err().code);
    } else if (r->has_value()) {
      out.offset = (*r)->offset;
      out.timestamp = (*r)->timestamp;
    }
  }
  return out;
}

}  // namespace

boost::asio::awaitable<net::frame_result> handle_list_offsets(request_context& ctx) {
  protocol::list_offsets_request req;
  if (!ctx.decode(req)) co_return close_connection();
  auto& s = ctx.state;
  response resp;
  const bool committed = req.isolation_level == read_committed;
  for (const auto& t : req.topics) {
    response::topic tr;
    tr.name = t.name;
    for (const auto& want : t.partitions) {
      response::topic::partition pr;
      pr.partition_index = want.partition_index;
      tr.partitions.push_back(std::move(pr));
    }
    resp.topics.push_back(std::move(tr));
  }
  // Each partition is answered by the shard that owns it (the response is complete: stable slots).
  const int16_t version = ctx.version();
  // Cluster mode: every shard has a replica manager.
  const bool leader_only = s.replicas != nullptr && req.replica_id == -1;
  std::vector<partition_visit> visits;
  for (size_t ti = 0; ti < req.topics.size(); ++ti) {
    const auto& t = req.topics[ti];
    for (size_t pi = 0; pi < t.partitions.size(); ++pi) {
      const auto& want = t.partitions[pi];
      auto& pr = resp.topics[ti].partitions[pi];
      visits.push_back(
          {&t.name, want.partition_index, [&want, &pr, committed, version, leader_only](partition* p) {
             lookup found;
             if (!p) {
               found.error = error_code::unknown_topic_or_partition;
             } else if (leader_only && !p->is_leader()) {
               found.error = error_code::not_leader_or_follower;
             } else if (want.current_leader_epoch >= 0 && want.current_leader_epoch != p->leader_epoch) {
               found.error = want.current_leader_epoch > p->leader_epoch ? error_code::unknown_leader_epoch
                                                                         : error_code::fenced_leader_epoch;
             } else {
               found = find_offset(*p, want.timestamp, committed);
               pr.leader_epoch = p->leader_epoch;
             }
             pr.error_code = code_of(found.error);
             if (version == 0) {
               // v0 answers a list of offsets; clients ask for one (the first at or
               // before the time).
               if (found.error == error_code::none && found.offset >= 0 && want.max_num_offsets > 0) {
                 pr.old_style_offsets.push_back(found.offset);
               }
             } else {
               pr.offset = found.offset;
               pr.timestamp = found.timestamp;
             }
           }});
    }
  }
  co_await visit_partitions(s, visits);
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
