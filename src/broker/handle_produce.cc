// Produce (key 0): validate each partition's batch and append it on the shard that owns the
// partition (all started before the first suspension, so pipelined requests keep their order),
// then for acks=all wait for that shard's group commit and, in a cluster, for the ISR to have the
// batch (the high watermark to pass it: Kafka's DelayedProduce).
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <map>
#include <set>

#include "broker/broker_state.h"
#include "broker/error_mapping.h"
#include "broker/group_commit.h"
#include "broker/handlers.h"
#include "broker/partition_manager.h"
#include "broker/replica_manager.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "broker/shard_fanout.h"
#include "broker/topic_admin.h"
#include "cluster/topic_name.h"
#include "cluster/topic_table.h"
#include "protocol/generated/produce.h"
#include "records/batch_recompress.h"
#include "records/batch_validator.h"
#include "records/legacy_message_set.h"

namespace sluice::broker {
namespace {
using protocol::error_code;
using response = protocol::produce_response;

struct append_outcome {
  error_code error = error_code::none;
  int64_t base_offset = -1;
  int64_t last_offset = -1;
  int64_t log_append_time = -1;
  int64_t log_start_offset = -1;
  const char* message = nullptr;
};

// Validates and appends one partition's records. The batch bytes live in the request frame and
// are patched in place (base offset, LogAppendTime, and a cluster leader's epoch) before being
// written as they are.
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
  // compression.type other than "producer": store the batch with the topic's codec, recompressing
  // when it arrived with another (Kafka's LogValidator), then check the size it now has.
  if (cfg.compression_codec >= 0 &&
      static_cast<int>(records::parse_batch_header(batch)->codec()) != cfg.compression_codec) {
    auto re = records::recompress_batch(batch, static_cast<records::compression>(cfg.compression_codec),
                                        records::validation_limits{}.max_uncompressed_bytes);
    if (!re.ok()) {
      out.error = static_cast<error_code>(records::kafka_error_code(re.err().reason));
      out.message = re.err().detail;
      return out;
    }
    if (re->size() > static_cast<size_t>(cfg.max_message_bytes)) {
      out.error = error_code::message_too_large;
      out.message = "the batch recompressed with the topic's compression.type exceeds max.message.bytes";
      return out;
    }
    converted = std::move(re).value();
    batch = std::span<uint8_t>(reinterpret_cast<uint8_t*>(converted.data()), converted.size());
  }
  // A cluster leader stamps its epoch into the batch and the log's epoch cache.
  auto r = p.is_leader() ? p.log->append(batch, p.leader_epoch) : p.log->append(batch);
  if (!r.ok()) {
    out.error = to_kafka_error(r.err().code);
    if (out.error == error_code::kafka_storage_error) {
      spdlog::error("append to {}-{} failed: {}", p.topic, p.index, r.err().message);
    }
    return out;
  }
  out.base_offset = r->base_offset;
  out.last_offset = r->last_offset;
  out.log_append_time = r->log_append_time;
  out.log_start_offset = r->log_start_offset;
  if (!r->duplicate) p.notify_data();
  return out;
}

// One partition of the request, appended on its owning shard.
struct produce_item {
  const std::string* topic = nullptr;
  int32_t index = 0;
  const protocol::records* records = nullptr;
  size_t shard = 0;
  bool pending = false;  // passed prechecks: to be appended
  bool missing = false;  // the owning shard does not host it (unknown topic or partition)
  append_outcome out;
  // Cluster mode, acks=all: the leadership the batch was appended under, and the partition's
  // liveness flag (the wait outlives nothing: it checks `gone` before touching the partition).
  int32_t leader_epoch = -1;
  std::shared_ptr<bool> gone;
};

// On the owning shard: appends its items in request order, then (acks=all, fsync mode) waits for
// its group commit and (acks=all, cluster) for the ISR before reporting done.
void append_on_owner(request_context& ctx, int16_t acks, std::chrono::steady_clock::time_point deadline,
                     std::vector<produce_item*> items, broker_state& owner, shard_fanout::done_fn done) {
  std::vector<partition*> appended;
  std::vector<produce_item*> replicated;  // cluster mode, acks=all: wait for the ISR
  for (auto* item : items) {
    auto* p = owner.partitions.find(*item->topic, item->index);
    if (!p) {
      // Cluster mode: a partition of the cluster that this broker does not host is led elsewhere.
      if (owner.replicas && owner.cluster && owner.cluster->partition(*item->topic, item->index)) {
        item->out.error = error_code::not_leader_or_follower;
      } else {
        item->missing = true;
      }
      continue;
    }
    if (p->sync_failed) {
      item->out.error = error_code::kafka_storage_error;
      continue;
    }
    if (owner.replicas) {
      if (!p->is_leader()) {
        item->out.error = error_code::not_leader_or_follower;
        continue;
      }
      // Kafka: acks=all is refused before the append when the ISR is below min.insync.replicas.
      if (acks == -1 && static_cast<int32_t>(p->repl.isr.size()) < owner.replicas->min_insync_replicas(*p)) {
        item->out.error = error_code::not_enough_replicas;
        continue;
      }
    }
    item->out = append_partition(ctx, *p, *item->records);
    if (item->out.error != error_code::none) continue;
    appended.push_back(p);
    if (owner.replicas) {
      owner.replicas->on_leader_append(*p);
      if (acks == -1) {
        item->leader_epoch = p->leader_epoch;
        item->gone = p->gone;
        replicated.push_back(item);
      }
    }
  }
  const bool wait_sync = acks == -1 && owner.fsync_acks && !appended.empty();
  if (!wait_sync && replicated.empty()) {
    for (auto* p : appended) {
      if (p->log->flush_due()) owner.commits.sync_in_background(*p);
    }
    done();
    return;
  }
  if (!wait_sync) {
    for (auto* p : appended) {
      if (p->log->flush_due()) owner.commits.sync_in_background(*p);
    }
  }
  // DelayedProduce: answered once the group commit covering these appends is durable and, in a
  // cluster, once every ISR member has them (bounded by the request's timeout).
  boost::asio::co_spawn(
      owner.io,
      [&owner, wait_sync, deadline, appended = std::move(appended), items = std::move(items),
       replicated = std::move(replicated)]() -> boost::asio::awaitable<void> {
        if (wait_sync) {
          auto synced = co_await owner.commits.sync(appended);
          if (!synced.ok()) {
            for (auto* item : items) {
              if (item->out.error == error_code::none) item->out.error = error_code::kafka_storage_error;
            }
          }
        }
        for (auto* item : replicated) {
          if (item->out.error != error_code::none) continue;
          if (*item->gone || !owner.replicas) {
            item->out.error = error_code::not_leader_or_follower;
            continue;
          }
          // Looked up again: the partition may have been replaced while the sync ran (gone says no).
          partition* p = owner.partitions.find(*item->topic, item->index);
          if (!p) {
            item->out.error = error_code::not_leader_or_follower;
            continue;
          }
          const int32_t epoch = item->leader_epoch;
          const int64_t last = item->out.last_offset;
          item->out.error = co_await owner.replicas->wait_for_replication(*p, epoch, last, deadline);
        }
      },
      [done = std::move(done)](std::exception_ptr e) {
        if (e) {
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& ex) {
            spdlog::error("produce: waiting for the group commit failed: {}", ex.what());
          }
        }
        done();
      });
}

// Starts every owning shard's share of `items` (those still pending) and waits for all of them.
boost::asio::awaitable<void> append_everywhere(request_context& ctx, int16_t acks,
                                               std::chrono::steady_clock::time_point deadline,
                                               std::vector<produce_item>& items) {
  std::map<size_t, std::vector<produce_item*>> by_shard;
  for (auto& item : items) {
    if (item.pending) by_shard[item.shard].push_back(&item);
  }
  shard_fanout fanout(ctx.state);
  for (auto& [shard, mine] : by_shard) {
    fanout.start(shard, [&ctx, acks, deadline, mine = std::move(mine)](broker_state& owner,
                                                                       shard_fanout::done_fn done) {
      append_on_owner(ctx, acks, deadline, mine, owner, std::move(done));
    });
  }
  co_await fanout.wait();
}

// Kafka answers UNKNOWN_TOPIC_OR_PARTITION for a topic it does not have; we create it first when
// auto.create.topics.enable allows (on the control shard) and append once more.
boost::asio::awaitable<void> create_missing_topics(request_context& ctx, int16_t acks,
                                                   std::chrono::steady_clock::time_point deadline,
                                                   std::vector<produce_item>& items) {
  auto& s = ctx.state;
  std::set<std::string> topics;
  for (auto& item : items) {
    item.pending = false;
    if (!item.missing) continue;
    item.missing = false;
    item.out.error = error_code::unknown_topic_or_partition;
    if (!cluster::topic_name_error(*item.topic).empty()) {
      item.out.error = error_code::invalid_topic_exception;
    } else {
      topics.insert(*item.topic);
      item.pending = true;
    }
  }
  if (topics.empty()) co_return;
  std::set<std::string> created;
  {
    shard_fanout on_control(s);
    on_control.run(0, [&topics, &created](broker_state& control) {
      if (!control.admin.defaults().auto_create) return;
      for (const auto& name : topics) {
        // An existing topic (created meanwhile) is fine: only its missing partition stays unknown.
        if (control.topics.find(name) || control.admin.auto_create(name).ok()) created.insert(name);
      }
    });
    co_await on_control.wait();
  }
  for (auto& item : items) {
    if (item.pending && !created.count(*item.topic)) item.pending = false;
  }
  co_await append_everywhere(ctx, acks, deadline, items);
  for (auto& item : items) {
    if (item.missing) item.out.error = error_code::unknown_topic_or_partition;
  }
}

}  // namespace

boost::asio::awaitable<net::frame_result> handle_produce(request_context& ctx) {
  protocol::produce_request req;
  if (!ctx.decode(req)) co_return close_connection();
  auto& s = ctx.state;
  const bool valid_acks = req.acks == 0 || req.acks == 1 || req.acks == -1;

  // Prechecks, then every partition's append is started on its owning shard before the first
  // suspension: pipelined requests reach each shard, and so each log, in request order.
  std::vector<produce_item> items;
  for (const auto& topic : req.topic_data) {
    for (const auto& part : topic.partition_data) {
      produce_item item;
      item.topic = &topic.name;
      item.index = part.index;
      item.records = &part.records;
      if (!valid_acks) {
        item.out.error = error_code::invalid_required_acks;
      } else if (req.transactional_id.has_value()) {
        // Transactions are a later milestone; refuse rather than store half-supported data.
        item.out.error = error_code::transactional_id_authorization_failed;
      } else if (cluster::is_internal_topic(topic.name)) {
        item.out.error = error_code::invalid_topic_exception;
      } else {
        item.shard = s.owner_of(topic.name, part.index);
        item.pending = true;
      }
      items.push_back(item);
    }
  }
  // acks=all waits (group commit, ISR) end by the request's timeout at the latest.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(req.timeout_ms, 0));
  co_await append_everywhere(ctx, req.acks, deadline, items);
  if (std::any_of(items.begin(), items.end(), [](const produce_item& i) { return i.missing; })) {
    co_await create_missing_topics(ctx, req.acks, deadline, items);
  }
  if (req.acks == 0) co_return no_response();

  response resp;
  size_t next = 0;
  for (const auto& topic : req.topic_data) {
    response::topic_response tr;
    tr.name = topic.name;
    for (const auto& part : topic.partition_data) {
      const append_outcome& out = items[next++].out;
      response::topic_response::partition_response pr;
      pr.index = part.index;
      pr.error_code = code_of(out.error);
      pr.base_offset = out.base_offset;
      pr.log_append_time_ms = out.log_append_time;
      pr.log_start_offset = out.log_start_offset;
      if (out.message && ctx.version() >= 8) pr.error_message = std::string(out.message);
      tr.partition_responses.push_back(std::move(pr));
    }
    resp.responses.push_back(std::move(tr));
  }
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
