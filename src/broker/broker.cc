// broker: wiring of the single-node broker: storage, metadata, handlers, network, maintenance.
#include "broker/broker.h"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "broker/broker_state.h"
#include "broker/consumer_offsets_log.h"
#include "broker/dispatcher.h"
#include "broker/group_commit.h"
#include "broker/log_cleaning.h"
#include "broker/meta_properties.h"
#include "broker/partition_manager.h"
#include "broker/topic_admin.h"
#include "cluster/producer_id_allocator.h"
#include "cluster/topic_table.h"
#include "config/broker_config.h"
#include "group/group_coordinator.h"
#include "net/server.h"
#include "storage/clock.h"
#include "storage/file_names.h"
#include "storage/file_system.h"
#include "storage/flusher.h"

namespace sluice::broker {
namespace asio = boost::asio;

struct broker::impl {
  impl(asio::io_context& io, const config::broker_config& config, broker_settings settings)
      : io(io), config(config), settings(std::move(settings)), fs(storage::make_posix_file_system()) {}

  asio::io_context& io;
  const config::broker_config& config;
  broker_settings settings;
  std::unique_ptr<storage::file_system> fs;
  storage::system_clock clock;
  storage::flusher flusher;
  std::unique_ptr<cluster::topic_table> topics;
  std::unique_ptr<cluster::producer_id_allocator> producer_ids;
  std::unique_ptr<partition_manager> partitions;
  std::unique_ptr<group_commit> commits;
  std::unique_ptr<topic_admin> admin;
  std::unique_ptr<group::group_coordinator> groups;
  std::unique_ptr<consumer_offsets_log> offsets_log;
  std::unique_ptr<broker_state> state;
  std::unique_ptr<net::server> server;
  std::vector<std::shared_ptr<asio::steady_timer>> timers;
  std::unique_ptr<storage::log_cleaner> cleaner;  // log compaction (nullptr when disabled)
  std::chrono::steady_clock::time_point started_at;
  // Declared after everything it reads, so it is destroyed before any of it.
  std::vector<std::unique_ptr<attached_service>> attached;
  bool stopped = false;

  // Runs `work` every `interval_ms` until shutdown. Exceptions are logged, never swallowed.
  // Kafka uses Long.MAX_VALUE for "never"; anything over a day is treated as that (and would
  // overflow the timer's clock arithmetic).
  void every(int64_t interval_ms, const char* name, std::function<void()> work) {
    constexpr int64_t one_day_ms = 24LL * 60 * 60 * 1000;
    if (interval_ms <= 0 || interval_ms > one_day_ms) return;
    auto timer = std::make_shared<asio::steady_timer>(io);
    timers.push_back(timer);
    asio::co_spawn(
        io,
        [this, timer, interval_ms, work = std::move(work)]() -> asio::awaitable<void> {
          for (;;) {
            timer->expires_after(std::chrono::milliseconds(interval_ms));
            auto [ec] = co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
            if (ec || stopped) co_return;
            work();
          }
        },
        [name](std::exception_ptr e) {
          if (!e) return;
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& ex) {
            spdlog::critical("maintenance task {} failed: {}", name, ex.what());
          }
        });
  }
};

broker::broker(asio::io_context& io, const config::broker_config& config, broker_settings settings)
    : impl_(std::make_unique<impl>(io, config, std::move(settings))) {}

broker::~broker() = default;

result<void> broker::start() {
  auto& m = *impl_;
  const auto& st = m.settings;
  m.started_at = std::chrono::steady_clock::now();
  if (auto r = m.fs->mkdir(st.data_dir); !r.ok()) return r;
  auto meta = load_or_create_meta_properties(st.data_dir, st.node_id);
  if (!meta.ok()) return meta.err();

  auto topics = cluster::topic_table::open(storage::file_names::join(st.data_dir, "__sluice"));
  if (!topics.ok()) return topics.err();
  m.topics = std::move(topics).value();
  auto ids = cluster::producer_id_allocator::open(m.topics->dir());
  if (!ids.ok()) return ids.err();
  m.producer_ids = std::move(ids).value();

  m.partitions = std::make_unique<partition_manager>(*m.fs, m.clock, st.data_dir, st.resolve_log_config);
  if (auto r = m.partitions->open_all(*m.topics); !r.ok()) return r;
  m.commits = std::make_unique<group_commit>(m.io, m.flusher, *m.partitions);
  m.admin = std::make_unique<topic_admin>(*m.topics, *m.partitions, st.validate_topic_config, st.topics);
  node_identity self{st.node_id, st.advertised_host, st.advertised_port, st.rack, meta->cluster_id};
  group::coordinator_config gc;
  gc.initial_rebalance_delay_ms = m.config.group_initial_rebalance_delay_ms;
  gc.min_session_timeout_ms = m.config.group_min_session_timeout_ms;
  gc.max_session_timeout_ms = m.config.group_max_session_timeout_ms;
  gc.max_group_size = m.config.group_max_size;
  gc.max_metadata_bytes = m.config.offset_metadata_max_bytes;
  m.groups = std::make_unique<group::group_coordinator>(m.io, gc);
  consumer_offsets_settings cos;
  cos.num_partitions = m.config.offsets_topic_num_partitions;
  cos.segment_bytes = m.config.offsets_topic_segment_bytes;
  m.offsets_log =
      std::make_unique<consumer_offsets_log>(*m.topics, *m.partitions, *m.commits, *m.groups, m.clock, cos);
  if (auto r = m.offsets_log->ensure_topic(); !r.ok()) return r;
  {
    const auto started = std::chrono::steady_clock::now();
    auto loaded = m.offsets_log->load();
    if (!loaded.ok()) return loaded.err();
    spdlog::info(
        "loaded {} groups from {} records ({} bytes, {} skipped) of __consumer_offsets in {} ms",
        loaded->groups, loaded->records, loaded->bytes, loaded->skipped,
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
            .count());
  }
  m.groups->set_persistence(m.offsets_log.get());
  m.state = std::make_unique<broker_state>(m.io, m.config, std::move(self), *m.topics, *m.partitions,
                                           *m.commits, *m.admin, *m.producer_ids, *m.groups);
  m.state->fsync_acks = st.fsync_acks;
  m.state->offsets_log = m.offsets_log.get();

  net::server_config sc;
  sc.host = st.listen_host;
  sc.port = st.listen_port;
  sc.max_frame_bytes = st.socket_request_max_bytes;
  sc.max_connections = st.max_connections;
  sc.max_inflight_per_connection = st.max_inflight_per_connection;
  sc.idle_timeout = st.idle_timeout;
  auto* state = m.state.get();
  m.server = std::make_unique<net::server>(
      m.io, sc, [state](const net::connection_info& conn, std::vector<uint8_t> frame) {
        return dispatch(*state, conn, std::move(frame));
      });
  if (auto r = m.server->start(); !r.ok()) return r;

  m.every(st.retention_check_interval_ms, "retention",
          [&m] { m.partitions->apply_retention(m.clock.now_ms()); });
  // Log compaction: passes run on cleaner threads; swaps come back to this shard.
  // The cleaner's checkpoint lives in the data dir, whoever filled in the settings.
  storage::cleaner_config cleaner_config = st.cleaner;
  if (cleaner_config.data_dir.empty()) cleaner_config.data_dir = st.data_dir;
  m.cleaner = start_log_cleaner(m.io, *m.fs, m.clock, *m.partitions, cleaner_config);
  if (m.cleaner)
    m.every(std::max<int64_t>(st.cleaner.backoff_ms, 1), "log cleaner", [&m] { m.cleaner->tick(); });
  m.every(m.config.offsets_retention_check_interval_ms, "offset expiry", [&m] {
    const int64_t retention_ms = int64_t{m.config.offsets_retention_minutes} * 60 * 1000;
    if (size_t n = m.groups->expire_offsets(m.clock.now_ms(), retention_ms); n > 0) {
      spdlog::info("expired {} committed offsets", n);
    }
  });
  m.every(st.checkpoint_interval_ms, "checkpoint", [&m] {
    if (auto r = m.partitions->write_checkpoints(); !r.ok()) spdlog::error("checkpoint: {}", r.err().message);
  });
  // flush.messages / flush.ms. Kafka checks them every log.flush.scheduler.interval.ms (by default
  // never); we check at least every second so a topic's flush.ms is honoured. The check is a
  // comparison per partition.
  m.every(std::min<int64_t>(st.flush_scheduler_interval_ms, 1000), "flush", [&m] {
    m.partitions->for_each([&m](partition& p) {
      if (p.log->flush_due()) m.commits->sync_in_background(p);
    });
  });
  spdlog::info("sluice broker {} listening on {}:{} (advertised {}:{}), data in {}, cluster id {}",
               st.node_id, st.listen_host, m.server->port(), st.advertised_host, st.advertised_port,
               st.data_dir, meta->cluster_id);
  return {};
}

uint16_t broker::port() const { return impl_->server->port(); }

const broker_state& broker::state() const { return *impl_->state; }

broker_stats broker::stats() const {
  const auto& m = *impl_;
  broker_stats s;
  s.uptime =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - m.started_at);
  s.listen_host = m.settings.listen_host;
  s.listen_port = m.server->port();
  s.data_dir = m.settings.data_dir;
  s.connections_open = m.server->connection_count();
  s.fsync_count = m.flusher.fsync_count();
  s.flush_rounds = m.flusher.round_count();
  if (m.cleaner) s.cleaner = m.cleaner->totals();
  return s;
}

void broker::attach(std::unique_ptr<attached_service> service) {
  impl_->attached.push_back(std::move(service));
}

asio::awaitable<bool> broker::shutdown() {
  auto& m = *impl_;
  if (m.stopped) co_return true;
  m.stopped = true;
  for (auto& s : m.attached) s->stop();  // the HTTP port first: it reads the logs closed below
  spdlog::info("shutting down: no new connections, draining in-flight requests");
  m.state->shutting_down = true;
  m.server->stop_accepting();
  // Parked fetches answer now instead of waiting out max.wait.ms.
  m.partitions->for_each([](partition& p) { p.notify_data(); });
  // Parked JoinGroup/SyncGroup answer now (NOT_COORDINATOR) and group timers stop.
  if (m.groups) m.groups->shutdown();
  const bool drained = co_await m.server->drain(m.settings.shutdown_drain_timeout);
  for (auto& t : m.timers) t->cancel();
  if (m.cleaner) m.cleaner->stop();  // cancels running passes before the logs close
  m.flusher.stop();
  auto closed = m.partitions->close_all();
  if (!closed.ok()) spdlog::error("closing logs: {}", closed.err().message);
  const bool clean = drained && closed.ok();
  spdlog::info("shutdown complete{}", clean ? "" : " (with errors)");
  co_return clean;
}

}  // namespace sluice::broker
