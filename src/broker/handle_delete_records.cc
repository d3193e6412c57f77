// DeleteRecords (key 21): moves each partition's log start offset up to the requested offset
// (-1 = the high watermark), deleting the segments entirely below it, then persists the new log
// start offsets in the checkpoint so they survive a restart.
#include <spdlog/spdlog.h>
#include <algorithm>

#include "broker/broker_state.h"
#include "broker/error_mapping.h"
#include "broker/handlers.h"
#include "broker/partition_manager.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "broker/shard_fanout.h"
#include "cluster/topic_table.h"
#include "config/topic_config.h"
#include "protocol/generated/delete_records.h"

namespace sluice::broker {
namespace {
using protocol::error_code;
using response = protocol::delete_records_response;

constexpr int64_t high_watermark_offset = -1;  // DeleteRecordsRequest.HIGH_WATERMARK

struct outcome {
  error_code error = error_code::none;
  int64_t low_watermark = -1;
  bool changed = false;
};

// Kafka refuses DeleteRecords on a topic whose cleanup.policy lacks "delete" (compacted only).
bool deletion_allowed(broker_state& s, const std::string& topic) {
  const auto* info = s.topics.find(topic);
  if (!info) return true;
  auto cfg = config::topic_config::resolve(s.config, info->config_overrides);
  return !cfg.ok() || cfg->cleanup_delete;
}

// Follows Kafka's Partition.deleteRecordsOnLeader. Runs on the shard that owns `p`.
outcome delete_before(partition& p, int64_t requested) {
  outcome out;
  const int64_t offset = requested == high_watermark_offset ? p.high_watermark() : requested;
  if (offset < 0 || offset > p.high_watermark()) {
    out.error = error_code::offset_out_of_range;
    return out;
  }
  const int64_t before = p.log->log_start_offset();
  auto r = p.log->delete_records_before(offset);
  if (!r.ok()) {
    out.error = to_kafka_error(r.err().code);
    if (out.error == error_code::kafka_storage_error) {
      spdlog::error("DeleteRecords on {}-{} at {}: {}", p.topic, p.index, offset, r.err().message);
    }
    return out;
  }
  out.low_watermark = *r;
  out.changed = *r != before;
  return out;
}

}  // namespace

boost::asio::awaitable<net::frame_result> handle_delete_records(request_context& ctx) {
  protocol::delete_records_request req;
  if (!ctx.decode(req)) co_return close_connection();
  auto& s = ctx.state;
  response resp;
  resp.topics.resize(req.topics.size());
  std::vector<partition_visit> visits;
  size_t total = 0;
  for (const auto& t : req.topics) total += t.partitions.size();
  std::vector<char> changed(total, 0);  // one flag per partition: visits run on several shards
  for (size_t ti = 0; ti < req.topics.size(); ++ti) {
    const auto& t = req.topics[ti];
    auto& tr = resp.topics[ti];
    tr.name = t.name;
    const bool allowed = deletion_allowed(s, t.name);
    tr.partitions.resize(t.partitions.size());
    for (size_t pi = 0; pi < t.partitions.size(); ++pi) {
      const auto& want = t.partitions[pi];
      auto& pr = tr.partitions[pi];
      pr.partition_index = want.partition_index;
      char& moved = changed[visits.size()];
      visits.push_back({&t.name, want.partition_index, [&want, &pr, &moved, allowed](partition* p) {
                          outcome out;
                          if (!p) {
                            out.error = error_code::unknown_topic_or_partition;
                          } else if (!allowed) {
                            out.error = error_code::policy_violation;
                          } else {
                            out = delete_before(*p, want.offset);
                          }
                          if (out.changed) moved = 1;
                          pr.error_code = code_of(out.error);
                          pr.low_watermark = out.low_watermark;
                        }});
    }
  }
  co_await visit_partitions(s, visits);
  // The records are gone from the log already; a failed checkpoint only means a restart may bring
  // back the old log start offset of segments that were not deleted, so the answer stays a success.
  if (std::find(changed.begin(), changed.end(), 1) != changed.end() && s.write_checkpoints) {
    if (auto r = s.write_checkpoints(); !r.ok()) {
      spdlog::error("DeleteRecords: writing the log start offset checkpoint: {}", r.err().message);
    }
  }
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
