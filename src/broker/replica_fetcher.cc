// replica_fetcher: the follower's side of replication towards one leader (Kafka's
// ReplicaFetcherThread / AbstractFetcherThread, as a coroutine on the shard's loop).
#include "broker/replica_fetcher.h"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <limits>

#include "broker/broker_state.h"
#include "broker/group_commit.h"
#include "broker/partition.h"
#include "broker/partition_manager.h"
#include "broker/replica_manager.h"
#include "config/broker_config.h"
#include "protocol/error_code.h"
#include "protocol/generated/fetch.h"
#include "protocol/generated/offset_for_leader_epoch.h"
#include "records/batch_header.h"
#include "records/batch_validator.h"

namespace sluice::broker {
namespace asio = boost::asio;
using protocol::error_code;

namespace {

constexpr int16_t fetch_version = 11;  // the last non-flexible version with current_leader_epoch
constexpr int16_t epoch_version = 3;   // the first with replica_id
constexpr int max_truncation_rounds = 16;

size_t response_limit(const config::broker_config& c) {
  const int64_t biggest = std::max<int64_t>(
      {c.replica_fetch_response_max_bytes, c.replica_fetch_max_bytes, c.socket_request_max_bytes, 1 << 20});
  return static_cast<size_t>(biggest) + (1u << 20);
}

}  // namespace

replica_fetcher::replica_fetcher(replica_manager& manager, int32_t source)
    : manager_(manager),
      source_(source),
      client_(manager.state().io, "sluice-replica-" + std::to_string(manager.self()),
              response_limit(manager.state().config)),
      wake_(manager.state().io) {}

replica_fetcher::~replica_fetcher() = default;

int64_t replica_fetcher::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void replica_fetcher::start() {
  if (started_) return;
  started_ = true;
  asio::co_spawn(
      manager_.state().io, [self = shared_from_this()] { return self->run(); },
      [source = source_](std::exception_ptr e) {
        if (!e) return;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          spdlog::error("replication: fetcher from broker {} failed: {}", source, ex.what());
        }
      });
}

void replica_fetcher::stop() {
  if (stopped_) return;
  stopped_ = true;
  parts_.clear();
  client_.close();
  wake_.cancel();
}

void replica_fetcher::add(const partition& p) {
  entry e;
  e.epoch = p.leader_epoch;
  e.generation = next_generation_++;
  parts_[key{p.topic, p.index}] = e;
  wake_.cancel();
}

void replica_fetcher::remove(const partition& p) { parts_.erase(key{p.topic, p.index}); }

partition* replica_fetcher::current(const key& k, uint64_t generation) {
  if (stopped_) return nullptr;
  auto it = parts_.find(k);
  if (it == parts_.end() || it->second.generation != generation) return nullptr;
  partition* p = manager_.state().partitions.find(k.first, k.second);
  if (!p || p->repl.role != replica_role::follower || p->repl.leader_id != source_ ||
      p->leader_epoch != it->second.epoch || !p->log || p->log->closed()) {
    return nullptr;
  }
  return p;
}

void replica_fetcher::delay(const key& k, uint64_t generation) {
  auto it = parts_.find(k);
  if (it == parts_.end() || it->second.generation != generation) return;
  it->second.retry_at_ms = now_ms() + std::max(manager_.state().config.replica_fetch_backoff_ms, 1);
}

asio::awaitable<void> replica_fetcher::pause(std::chrono::milliseconds d) {
  wake_.expires_after(std::max(d, std::chrono::milliseconds(1)));
  co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<void> replica_fetcher::run() {
  auto self = shared_from_this();  // the loop keeps the fetcher alive
  const auto& cfg = manager_.state().config;
  const auto backoff = std::chrono::milliseconds(std::max(cfg.replica_fetch_backoff_ms, 1));
  while (!stopped_) {
    if (parts_.empty()) {
      co_await pause(std::chrono::milliseconds(1000));
      continue;
    }
    // The leader's endpoint as the latest snapshot says; reconnect when it moved.
    const auto& snap = manager_.state().cluster;
    const cluster::broker_node* node = snap ? snap->broker(source_) : nullptr;
    if (!node) {
      co_await pause(backoff);
      continue;
    }
    const std::string endpoint = node->host + ":" + std::to_string(node->port);
    if (client_.connected() && endpoint != endpoint_) client_.close();
    if (!client_.connected()) {
      const std::string host = node->host;
      const int32_t port = node->port;
      auto c = co_await client_.connect(
          host, port, std::chrono::milliseconds(std::max(cfg.replica_socket_timeout_ms, 1)));
      if (stopped_) co_return;
      if (!c.ok()) {
        if (!warned_)
          spdlog::warn("replication: connecting to broker {} at {}: {}", source_, endpoint, c.err().message);
        warned_ = true;
        co_await pause(backoff);
        continue;
      }
      warned_ = false;
      endpoint_ = endpoint;
    }
    const int64_t now = now_ms();
    std::vector<key> truncating;
    std::vector<key> fetching;
    int64_t next_retry = std::numeric_limits<int64_t>::max();
    for (const auto& [k, e] : parts_) {
      if (e.retry_at_ms > now) {
        next_retry = std::min(next_retry, e.retry_at_ms);
        continue;
      }
      (e.at == phase::truncating ? truncating : fetching).push_back(k);
    }
    if (!truncating.empty()) {
      co_await truncate_round(std::move(truncating));
    } else if (!fetching.empty()) {
      co_await fetch_round(std::move(fetching));
    } else {
      co_await pause(std::chrono::milliseconds(std::min<int64_t>(next_retry - now, 1000)));
    }
  }
}

asio::awaitable<void> replica_fetcher::truncate_round(std::vector<key> keys) {
  auto& st = manager_.state();
  protocol::offset_for_leader_epoch_request req;
  req.replica_id = manager_.self();
  std::map<key, uint64_t> asked;  // generation of each partition asked about
  for (const auto& k : keys) {
    const uint64_t gen = parts_[k].generation;
    partition* p = current(k, gen);
    if (!p) continue;
    const int32_t latest = p->log->epochs().latest_epoch();
    if (latest < 0) {
      // No epoch known (data from before epochs were recorded): Kafka's fallback, the high watermark.
      if (p->log->log_end_offset() > p->high_watermark()) {
        if (auto t = p->log->truncate_to(p->high_watermark()); !t.ok()) {
          spdlog::error("replication: {}-{}: truncating: {}", p->topic, p->index, t.err().message);
          delay(k, gen);
          continue;
        }
      }
      parts_[k].at = phase::fetching;
      continue;
    }
    auto t =
        std::find_if(req.topics.begin(), req.topics.end(), [&](const auto& x) { return x.topic == k.first; });
    if (t == req.topics.end()) {
      req.topics.emplace_back();
      t = std::prev(req.topics.end());
      t->topic = k.first;
    }
    protocol::offset_for_leader_epoch_request::topic_data::partition_data pd;
    pd.partition = k.second;
    pd.current_leader_epoch = p->leader_epoch;
    pd.leader_epoch = latest;
    t->partitions.push_back(pd);
    asked[k] = gen;
  }
  if (asked.empty()) co_return;
  protocol::offset_for_leader_epoch_response resp;
  const auto timeout = std::chrono::milliseconds(std::max(st.config.replica_socket_timeout_ms, 1));
  auto r = co_await client_.call(req, epoch_version, resp, frame_, timeout);
  if (stopped_) co_return;
  if (!r.ok()) {
    spdlog::warn("replication: OffsetForLeaderEpoch to broker {}: {}", source_, r.err().message);
    for (const auto& [k, gen] : asked) delay(k, gen);
    co_return;
  }
  for (const auto& t : resp.topics) {
    for (const auto& pr : t.partitions) {
      const key k{t.topic, pr.partition};
      auto a = asked.find(k);
      if (a == asked.end()) continue;  // not asked, or answered twice
      const uint64_t gen = a->second;
      asked.erase(a);
      partition* p = current(k, gen);
      if (!p) continue;
      if (pr.error_code != 0) {
        // The leader has not learned of this epoch yet, or moved on: retry after the backoff (a new
        // snapshot restarts the partition meanwhile if leadership changed).
        delay(k, gen);
        continue;
      }
      const int64_t leo = p->log->log_end_offset();
      const auto own = p->log->end_offset_for_epoch(pr.leader_epoch);
      auto d = replication::decide_truncation(pr.leader_epoch, pr.end_offset, own.epoch, own.end_offset, leo,
                                              p->high_watermark());
      auto& e = parts_[k];
      if (++e.rounds > max_truncation_rounds) d = {std::min(p->high_watermark(), leo), true};
      if (d.offset < leo) {
        spdlog::info("replication: {}-{}: truncating from {} to {} (leader epoch {} ends at {})", p->topic,
                     p->index, leo, d.offset, pr.leader_epoch, pr.end_offset);
        if (auto tr = p->log->truncate_to(std::max<int64_t>(d.offset, 0)); !tr.ok()) {
          spdlog::error("replication: {}-{}: truncating: {}", p->topic, p->index, tr.err().message);
          delay(k, gen);
          continue;
        }
        manager_.set_follower_high_watermark(*p, p->repl.high_watermark);
      }
      if (d.complete) {
        e.at = phase::fetching;
        e.rounds = 0;
      }
    }
  }
  for (const auto& [k, gen] : asked) delay(k, gen);  // no answer for these
}

asio::awaitable<void> replica_fetcher::fetch_round(std::vector<key> keys) {
  auto& st = manager_.state();
  const auto& cfg = st.config;
  protocol::fetch_request req;
  req.replica_id = manager_.self();
  req.max_wait_ms = std::max(cfg.replica_fetch_wait_max_ms, 0);
  req.min_bytes = std::max(cfg.replica_fetch_min_bytes, 0);
  req.max_bytes = std::max(cfg.replica_fetch_response_max_bytes, 1);
  req.isolation_level = 0;
  req.session_id = 0;
  req.session_epoch = -1;
  struct asked_part {
    uint64_t generation;
    int64_t fetch_offset;
  };
  std::map<key, asked_part> asked;
  for (const auto& k : keys) {
    const uint64_t gen = parts_[k].generation;
    partition* p = current(k, gen);
    if (!p) continue;
    auto t =
        std::find_if(req.topics.begin(), req.topics.end(), [&](const auto& x) { return x.topic == k.first; });
    if (t == req.topics.end()) {
      req.topics.emplace_back();
      t = std::prev(req.topics.end());
      t->topic = k.first;
    }
    protocol::fetch_request::topic_data::partition_data pd;
    pd.partition = k.second;
    pd.current_leader_epoch = p->leader_epoch;
    pd.fetch_offset = p->log->log_end_offset();
    pd.log_start_offset = p->log->log_start_offset();
    pd.partition_max_bytes = std::max(cfg.replica_fetch_max_bytes, 1);
    t->partitions.push_back(pd);
    asked[k] = asked_part{gen, pd.fetch_offset};
  }
  if (asked.empty()) co_return;
  protocol::fetch_response resp;
  const auto timeout = std::chrono::milliseconds(
      std::max<int64_t>(cfg.replica_socket_timeout_ms, int64_t{req.max_wait_ms} + 1000));
  auto r = co_await client_.call(req, fetch_version, resp, frame_, timeout);
  if (stopped_) co_return;
  if (!r.ok()) {
    spdlog::warn("replication: Fetch from broker {}: {}", source_, r.err().message);
    for (const auto& [k, a] : asked) delay(k, a.generation);
    co_await pause(std::chrono::milliseconds(std::max(cfg.replica_fetch_backoff_ms, 1)));
    co_return;
  }
  if (resp.error_code != 0) {
    for (const auto& [k, a] : asked) delay(k, a.generation);
    co_return;
  }
  for (const auto& t : resp.responses) {
    for (const auto& pd : t.partitions) {
      const key k{t.topic, pd.partition_index};
      auto a = asked.find(k);
      if (a == asked.end()) continue;
      const asked_part ask = a->second;
      asked.erase(a);
      partition* p = current(k, ask.generation);
      if (!p) continue;
      const auto err = static_cast<error_code>(pd.error_code);
      if (err == error_code::offset_out_of_range) {
        if (ask.fetch_offset < pd.log_start_offset) {
          // Behind the leader's log start (retention or DeleteRecords there): start over at it.
          spdlog::info(
              "replication: {}-{}: fetch offset {} below the leader's log start {}: starting over there",
              p->topic, p->index, ask.fetch_offset, pd.log_start_offset);
          if (auto tr = p->log->truncate_fully_and_start_at(pd.log_start_offset); !tr.ok()) {
            spdlog::error("replication: {}-{}: {}", p->topic, p->index, tr.err().message);
            delay(k, ask.generation);
          }
          manager_.set_follower_high_watermark(*p, pd.log_start_offset);
        } else {
          // Ahead of the leader's log end (unclean election): keep at most what it has committed.
          const int64_t to = std::max(pd.high_watermark, p->log->log_start_offset());
          spdlog::warn("replication: {}-{}: fetch offset {} beyond the leader's log: truncating to {}",
                       p->topic, p->index, ask.fetch_offset, to);
          if (auto tr = p->log->truncate_to(to); !tr.ok()) {
            spdlog::error("replication: {}-{}: {}", p->topic, p->index, tr.err().message);
            delay(k, ask.generation);
          }
        }
        continue;
      }
      if (err != error_code::none) {
        // NOT_LEADER_OR_FOLLOWER, FENCED/UNKNOWN_LEADER_EPOCH, ...: the leader and we disagree on
        // who leads; a new snapshot settles it. Until then retry after the backoff.
        delay(k, ask.generation);
        continue;
      }
      // Append every whole batch the leader sent, with its offsets. The bytes are untrusted: each
      // batch is checked (framing, CRC) before it is written.
      int64_t appended = 0;
      bool failed = false;
      std::span<const uint8_t> data = pd.records.view();
      for (auto batch : records::split_batches(data)) {
        records::validation_limits limits;
        limits.origin = records::batch_origin::log;
        limits.max_message_bytes = std::numeric_limits<size_t>::max();
        auto v = records::validate_batch(batch, limits);
        if (!v.ok()) {
          spdlog::error("replication: {}-{}: invalid batch from broker {}: {}", p->topic, p->index, source_,
                        v.err().detail);
          failed = true;
          break;
        }
        const auto& h = v->header;
        const int64_t leo = p->log->log_end_offset();
        if (h.last_offset() < leo) continue;  // already have it
        if (h.base_offset != leo) {
          spdlog::error("replication: {}-{}: batch at {} from broker {} does not start at our log end {}",
                        p->topic, p->index, h.base_offset, source_, leo);
          failed = true;
          break;
        }
        // The frame is ours (frame_): the view may be written through.
        std::span<uint8_t> bytes(frame_.data() + (batch.data() - frame_.data()), batch.size());
        auto ar = p->log->append_as_follower(bytes);
        if (!ar.ok()) {
          spdlog::error("replication: {}-{}: follower append at {}: {}", p->topic, p->index, leo,
                        ar.err().message);
          failed = true;
          break;
        }
        ++appended;
      }
      if (appended > 0) {
        p->notify_data();
        if (p->log->flush_due()) st.commits.sync_in_background(*p);
      }
      // The leader's log start moved up (retention, DeleteRecords): follow it.
      if (pd.log_start_offset > p->log->log_start_offset() &&
          pd.log_start_offset <= p->log->log_end_offset()) {
        (void)p->log->delete_records_before(pd.log_start_offset);
      }
      manager_.set_follower_high_watermark(*p, pd.high_watermark);
      if (failed) delay(k, ask.generation);
    }
  }
}

}  // namespace sluice::broker
