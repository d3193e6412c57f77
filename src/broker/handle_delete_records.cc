// DeleteRecords (key 21): moves each partition's log start offset up to the requested offset
// (-1 = the high watermark), deleting the segments entirely below it, then persists the new log
// start offsets in the checkpoint so they survive a restart.
#include <spdlog/spdlog.h>

#include "broker/broker_state.h"
#include "broker/error_mapping.h"
#include "broker/handlers.h"
#include "broker/partition_manager.h"
#include "broker/request_context.h"
#include "broker/respond.h"
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

// Follows Kafka's Partition.deleteRecordsOnLeader.
outcome delete_before(broker_state& s, partition& p, int64_t requested) {
  outcome out;
  if (!deletion_allowed(s, p.topic)) {
    out.error = error_code::policy_violation;
    return out;
  }
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
  bool changed = false;
  for (const auto& t : req.topics) {
    response::topic tr;
    tr.name = t.name;
    for (const auto& want : t.partitions) {
      response::topic::partition pr;
      pr.partition_index = want.partition_index;
      outcome out;
      if (auto* p = s.partitions.find(t.name, want.partition_index)) {
        out = delete_before(s, *p, want.offset);
      } else {
        out.error = error_code::unknown_topic_or_partition;
      }
      changed = changed || out.changed;
      pr.error_code = code_of(out.error);
      pr.low_watermark = out.low_watermark;
      tr.partitions.push_back(std::move(pr));
    }
    resp.topics.push_back(std::move(tr));
  }
  // The records are gone from the log already; a failed checkpoint only means a restart may bring
  // back the old log start offset of segments that were not deleted, so the answer stays a success.
  if (changed) {
    if (auto r = s.partitions.write_checkpoints(); !r.ok()) {
      spdlog::error("DeleteRecords: writing the log start offset checkpoint: {}", r.err().message);
    }
  }
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
