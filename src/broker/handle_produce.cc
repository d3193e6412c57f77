// Produce (key 0): validate each partition's batch, append it (before the first suspension, so
// pipelined requests keep their order), then for acks=all wait for group commit.
#include <spdlog/spdlog.h>

#include "broker/broker_state.h"
#include "broker/error_mapping.h"
#include "broker/group_commit.h"
#include "broker/handlers.h"
#include "broker/partition_manager.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "broker/topic_admin.h"
#include "cluster/topic_name.h"
#include "cluster/topic_table.h"
#include "protocol/generated/produce.h"
#include "records/batch_validator.h"
#include "records/legacy_message_set.h"

namespace sluice::broker {
namespace {
using protocol::error_code;
using response = protocol::produce_response;

struct append_outcome {
  error_code error = error_code::none;
  int64_t base_offset = -1;
  int64_t log_append_time = -1;
  int64_t log_start_offset = -1;
  const char* message = nullptr;
};

partition* find_or_create(broker_state& s, const std::string& topic, int32_t index, error_code& err) {
  if (auto* p = s.partitions.find(topic, index)) return p;
  if (!s.topics.find(topic)) {
    if (!cluster::topic_name_error(topic).empty()) {
      err = error_code::invalid_topic_exception;
      return nullptr;
    }
    if (s.admin.defaults().auto_create && !cluster::is_internal_topic(topic)) {
      if (s.admin.auto_create(topic).ok()) {
        if (auto* p = s.partitions.find(topic, index)) return p;
      }
    }
  }
  err = error_code::unknown_topic_or_partition;
  return nullptr;
}

// Validates and appends one partition's records. The batch bytes live in the request frame and
// are patched in place (base offset, LogAppendTime) before being written as they are.
append_outcome append_partition(request_context& ctx, partition& p, const protocol::records& recs) {
  append_outcome out;
  const auto& cfg = p.log->config();
  std::span<const uint8_t> data = recs.view();
  if (recs.is_null() || data.empty()) {
    out.error = error_code::invalid_record;
    out.message = "no record batch in the request";
    return out;
  }
  std::string converted;  // owns an up-converted batch (legacy producers)
  std::span<uint8_t> batch;
  const int magic = records::peek_magic(data);
  if (ctx.version() >= 3 && magic != 2) {
    // Kafka: Produce v3+ may only carry RecordBatch v2.
    out.error = error_code::invalid_record;
    out.message = "Produce v3+ requires record batches with magic 2";
    return out;
  }
  if (magic < 2) {
    // Produce v0-2 with a MessageSet (magic 0/1): converted into one v2 batch, as Kafka does.
    records::up_conversion_options opts;
    opts.limits.max_message_bytes = static_cast<size_t>(cfg.max_message_bytes);
    auto up = records::up_convert_message_set(data, opts);
    if (!up.ok()) {
      out.error = static_cast<error_code>(records::kafka_error_code(up.err().reason));
      out.message = up.err().detail;
      return out;
    }
    converted = std::move(up->batch);
    batch = std::span<uint8_t>(reinterpret_cast<uint8_t*>(converted.data()), converted.size());
  } else {
    records::validation_limits limits;
    limits.max_message_bytes = static_cast<size_t>(cfg.max_message_bytes);
    limits.allow_zstd = ctx.version() >= 7;
    // Compressed batches are decompressed (bounded) and their records walked, as Kafka's
    // LogValidator does: a batch whose payload does not decode must be refused here, not
    // discovered by every consumer. Uncompressed batches are walked in place without copying.
    limits.deep = true;
    // Kafka's LogValidator: a compacted topic (cleanup.policy contains compact) refuses records
    // without a key with INVALID_RECORD: the cleaner could never deduplicate them.
    limits.require_keys = cfg.cleanup_compact;
    auto v = records::validate_batch(data, limits);
    if (!v.ok()) {
      out.error = static_cast<error_code>(records::kafka_error_code(v.err().reason));
      out.message = v.err().detail;
      return out;
    }
    batch = ctx.mutable_view(data);
  }
  auto r = p.log->append(batch);
  if (!r.ok()) {
    out.error = to_kafka_error(r.err().code);
    if (out.error == error_code::kafka_storage_error) {
      spdlog::error("append to {}-{} failed: {}", p.topic, p.index, r.err().message);
    }
    return out;
  }
  out.base_offset = r->base_offset;
  out.log_append_time = r->log_append_time;
  out.log_start_offset = r->log_start_offset;
  if (!r->duplicate) p.notify_data();
  return out;
}

}  // namespace

boost::asio::awaitable<net::frame_result> handle_produce(request_context& ctx) {
  protocol::produce_request req;
  if (!ctx.decode(req)) co_return close_connection();
  auto& s = ctx.state;
  response resp;
  std::vector<partition*> appended;
  const bool valid_acks = req.acks == 0 || req.acks == 1 || req.acks == -1;

  // Phase 1 (no suspension): every append of this request happens here, in request order.
  for (const auto& topic : req.topic_data) {
    response::topic_response tr;
    tr.name = topic.name;
    for (const auto& part : topic.partition_data) {
      response::topic_response::partition_response pr;
      pr.index = part.index;
      append_outcome out;
      if (!valid_acks) {
        out.error = error_code::invalid_required_acks;
      } else if (req.transactional_id.has_value()) {
        // Transactions are a later milestone; refuse rather than store half-supported data.
        out.error = error_code::transactional_id_authorization_failed;
      } else if (cluster::is_internal_topic(topic.name)) {
        out.error = error_code::invalid_topic_exception;
      } else if (auto* p = find_or_create(s, topic.name, part.index, out.error)) {
        out = append_partition(ctx, *p, part.records);
        if (out.error == error_code::none) appended.push_back(p);
      }
      pr.error_code = code_of(out.error);
      pr.base_offset = out.base_offset;
      pr.log_append_time_ms = out.log_append_time;
      pr.log_start_offset = out.log_start_offset;
      if (out.message && ctx.version() >= 8) pr.error_message = std::string(out.message);
      tr.partition_responses.push_back(std::move(pr));
    }
    resp.responses.push_back(std::move(tr));
  }

  if (req.acks == 0) {
    for (auto* p : appended) {
      if (p->log->flush_due()) s.commits.sync_in_background(*p);
    }
    co_return no_response();
  }
  // Phase 2: durability. acks=all in fsync mode waits for the group commit covering these appends.
  if (req.acks == -1 && s.fsync_acks && !appended.empty()) {
    auto synced = co_await s.commits.sync(appended);
    if (!synced.ok()) {
      for (auto& tr : resp.responses) {
        for (auto& pr : tr.partition_responses) {
          if (pr.error_code == 0) pr.error_code = code_of(error_code::kafka_storage_error);
        }
      }
    }
  } else {
    for (auto* p : appended) {
      if (p->log->flush_due()) s.commits.sync_in_background(*p);
    }
  }
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
