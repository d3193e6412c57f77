// broker: wiring of the single-node broker: shards, storage, metadata, handlers, network,
// maintenance.
#include "broker/broker.h"

#include <spdlog/spdlog.h>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>
#include <thread>

#include "broker/broker_state.h"
#include "broker/consumer_offsets_log.h"
#include "broker/dispatcher.h"
#include "broker/group_commit.h"
#include "broker/log_cleaning.h"
#include "broker/meta_properties.h"
#include "broker/partition_manager.h"
#include "broker/replica_manager.h"
#include "broker/shard_fanout.h"
#include "broker/shard_set.h"
#include "broker/sharded_partitions.h"
#include "broker/topic_admin.h"
#include "broker/topic_directory.h"
#include "cluster/producer_id_allocator.h"
#include "cluster/topic_name.h"
#include "cluster/topic_table.h"
#include "cluster/zk/zk_metadata_service.h"
#include "config/broker_config.h"
#include "group/group_coordinator.h"
#include "net/server.h"
#include "storage/checkpoint_file.h"
#include "storage/clock.h"
#include "storage/fd_cache.h"
#include "storage/file_names.h"
#include "storage/file_system.h"
#include "storage/flusher.h"

namespace sluice::broker {
namespace asio = boost::asio;

// What each shard owns: its partitions, flusher and group commit, its listener and connections,
// its maintenance timers and log cleaner. Created on the set-up thread, then used only on the
// shard's own thread.
struct shard_services {
  shard_services(size_t id, asio::io_context& io, size_t fd_limit) : id(id), io(io), fds(fd_limit) {}
  size_t id;
  asio::io_context& io;
  storage::fd_cache fds;  // before the logs: destroyed after them
  storage::flusher flusher;
  std::unique_ptr<partition_manager> partitions;
  std::unique_ptr<group_commit> commits;
  std::unique_ptr<broker_state> state;
  // Cluster mode: leader/follower work for this shard's partitions (after `state`: destroyed first).
  std::unique_ptr<replica_manager> replicas;
  std::unique_ptr<net::server> server;
  std::unique_ptr<storage::log_cleaner> cleaner;  // log compaction (nullptr when disabled)
  std::vector<std::shared_ptr<asio::steady_timer>> timers;
};

struct broker::impl {
  impl(asio::io_context& io, const config::broker_config& config, broker_settings settings)
      : io(io), config(config), settings(std::move(settings)) {
    if (!this->settings.file_system) owned_fs = storage::make_posix_file_system();
    fs = this->settings.file_system ? this->settings.file_system : owned_fs.get();
  }
  ~impl() {
    // The shards' threads stop before anything they use is destroyed.
    if (shards) shards->stop_threads();
  }

  asio::io_context& io;
  const config::broker_config& config;
  broker_settings settings;
  std::unique_ptr<storage::file_system> owned_fs;
  storage::file_system* fs = nullptr;
  storage::system_clock clock;
  std::unique_ptr<shard_set> shards;  // declared before what runs on it: destroyed after
  std::unique_ptr<cluster::topic_table> topics;
  std::unique_ptr<cluster::producer_id_allocator> producer_ids;
  std::vector<std::unique_ptr<shard_services>> shard;  // [0] = the control shard
  std::unique_ptr<sharded_partitions> hosted;
  std::unique_ptr<topic_admin> admin;
  std::unique_ptr<group::group_coordinator> groups;
  std::unique_ptr<consumer_offsets_log> offsets_log;
  std::chrono::steady_clock::time_point started_at;
  // Cluster mode (zookeeper.connect): the metadata backend, and the snapshot the partition
  // ownership predicate reads (any shard thread, under hosting_mu) to decide which partitions this
  // broker hosts. `applied` is the last snapshot the control shard applied.
  std::unique_ptr<cluster::zk::zk_metadata_service> zk;
  mutable std::mutex hosting_mu;
  cluster::cluster_snapshot_ptr hosting;
  cluster::cluster_snapshot_ptr applied;
  // Declared after everything it reads, so it is destroyed before any of it.
  std::vector<std::unique_ptr<attached_service>> attached;
  std::atomic<bool> stopped{false};

  shard_services& control() { return *shard[0]; }
  bool cluster_mode() const { return config.zookeeper_connect.has_value(); }

  // Whether this broker keeps a replica of the partition (always, on a single node).
  bool hosts(const std::string& topic, int32_t index) const {
    if (!cluster_mode()) return true;
    std::lock_guard lk(hosting_mu);
    const auto* l = hosting ? hosting->partition(topic, index) : nullptr;
    return l && (l->has_replica(settings.node_id) ||
                 std::find(l->adding.begin(), l->adding.end(), settings.node_id) != l->adding.end());
  }

  // Cluster mode, before the logs open: the topic table mirrors the cluster's topics.
  void mirror_topics(const cluster::cluster_snapshot& s, bool with_logs) {
    const cluster::cluster_snapshot* before = applied.get();
    for (const auto& [name, t] : s.topics) {
      const auto n = static_cast<int32_t>(t.partitions.size());
      if (n == 0) continue;
      const cluster::topic_info* cur = topics->find(name);
      if (cur && !is_zero(t.id) && cur->id != t.id) {
        // Deleted and recreated while we were not looking: the old logs go.
        if (with_logs) {
          stop_replicating(name);
          (void)hosted->remove_topic(name);
        }
        (void)topics->erase(name);
        cur = nullptr;
      }
      bool add_logs = false;
      bool reconfigure = false;
      int32_t first_new = 0;
      if (!cur || cur->partition_count != n || cur->config_overrides != t.configs) {
        first_new = cur ? cur->partition_count : 0;
        reconfigure = cur && cur->config_overrides != t.configs;
        add_logs = !cur || n > cur->partition_count;
        if (auto r = topics->adopt(name, t.id, n, t.configs, cluster::is_internal_topic(name)); !r.ok()) {
          spdlog::error("cluster: recording topic {}: {}", name, r.message);
          continue;
        }
      }
      // A replica assigned here since the last snapshot (reassignment) needs its log too.
      if (!add_logs && before) {
        const auto* old = before->topic(name);
        if (old && old->partitions.size() == t.partitions.size()) {
          for (size_t i = 0; i < t.partitions.size(); ++i) {
            if (old->partitions[i].replicas != t.partitions[i].replicas ||
                old->partitions[i].adding != t.partitions[i].adding) {
              add_logs = true;
              first_new = 0;
              break;
            }
          }
        }
      }
      if (!with_logs) continue;
      const cluster::topic_info* info = topics->find(name);
      if (reconfigure) hosted->reconfigure(*info);
      if (add_logs) {
        if (auto r = hosted->add_partitions(*info, first_new); !r.ok()) {
          spdlog::error("cluster: creating logs of {}: {}", name, r.err().message);
        }
      }
    }
    std::vector<std::string> gone;
    for (const auto* info : topics->list()) {
      if (!s.topic(info->name)) gone.push_back(info->name);
    }
    for (const auto& name : gone) {
      if (with_logs) {
        stop_replicating(name);
        if (auto r = hosted->remove_topic(name); !r.ok()) {
          spdlog::error("cluster: deleting logs of {}: {}", name, r.err().message);
        }
      }
      (void)topics->erase(name);
      spdlog::info("cluster: topic {} deleted", name);
    }
  }

  // Every shard's replica manager lets go of the topic's partitions before their logs are deleted.
  void stop_replicating(const std::string& topic) {
    shards->for_each_blocking([&](size_t i) {
      auto& sh = *shard[i];
      if (!sh.replicas) return;
      for (auto* p : sh.partitions->topic_partitions(topic)) sh.replicas->remove(*p);
    });
  }

  // Replicas reassigned away from this broker: stop replicating them and delete their logs (on
  // each shard, for the partitions it owns).
  void drop_unhosted(const cluster::cluster_snapshot& s) {
    const int32_t self = settings.node_id;
    shards->for_each_blocking([&](size_t i) {
      auto& sh = *shard[i];
      std::vector<partition*> gone;
      sh.partitions->for_each([&](partition& p) {
        const auto* l = s.partition(p.topic, p.index);
        if (!l || cluster::is_internal_topic(p.topic)) return;  // topic deletion handles the rest
        const bool adding = std::find(l->adding.begin(), l->adding.end(), self) != l->adding.end();
        if (!l->has_replica(self) && !adding) gone.push_back(&p);
      });
      for (auto* p : gone) {
        spdlog::info("cluster: {}-{} is no longer assigned here: deleting its replica", p->topic, p->index);
        if (sh.replicas) sh.replicas->remove(*p);
        const std::string topic = p->topic;
        const int32_t index = p->index;
        (void)sh.partitions->remove_partition(topic, index);
      }
    });
  }

  // On shard `sh`'s thread (or before its loop runs): hands its replica manager the leadership of
  // every hosted partition that changed (or was never applied).
  static void apply_leadership(shard_services& sh, const cluster::cluster_snapshot& s) {
    if (!sh.replicas) return;
    sh.partitions->for_each([&](partition& p) {
      const auto* l = s.partition(p.topic, p.index);
      if (!l) return;
      const auto& r = p.repl;
      if (r.role != replica_role::none && r.leader_id == l->leader && p.leader_epoch == l->leader_epoch &&
          r.isr == l->isr && r.version == l->version && r.replicas == l->replicas) {
        return;
      }
      sh.replicas->apply(p, *l);
    });
  }

  // Control shard: a new snapshot from the metadata thread. Topics and logs follow it, then every
  // shard gets it (and its replica manager the leadership changes of its partitions).
  void apply_cluster_snapshot(cluster::cluster_snapshot_ptr s) {
    if (stopped || !s) return;
    if (applied && applied->version >= s->version) return;
    {
      std::lock_guard lk(hosting_mu);
      hosting = s;
    }
    mirror_topics(*s, /*with_logs=*/true);
    applied = s;
    shards->for_each_blocking([&](size_t i) {
      auto& st = *shard[i]->state;
      st.cluster = s;
      apply_leadership(*shard[i], *s);
    });
    drop_unhosted(*s);
    // The group coordinator follows the leadership of the __consumer_offsets partitions.
    if (offsets_log) offsets_log->on_cluster_snapshot(*s);
  }

  // Runs `work` on `sh`'s loop every `interval_ms` until shutdown. Exceptions are logged, never
  // swallowed. Kafka uses Long.MAX_VALUE for "never"; anything over a day is treated as that (and
  // would overflow the timer's clock arithmetic). REQUIRES: called on sh's thread or before it runs.
  void every(shard_services& sh, int64_t interval_ms, const char* name, std::function<void()> work) {
    constexpr int64_t one_day_ms = 24LL * 60 * 60 * 1000;
    if (interval_ms <= 0 || interval_ms > one_day_ms) return;
    auto timer = std::make_shared<asio::steady_timer>(sh.io);
    sh.timers.push_back(timer);
    asio::co_spawn(
        sh.io,
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

  // Every shard's recovery points and log start offsets, gathered on their own threads.
  void collect_checkpoints(storage::checkpoint_map& recovery_points, storage::checkpoint_map& log_starts) {
    std::mutex mu;
    shards->for_each_blocking([&](size_t i) {
      storage::checkpoint_map rp;
      storage::checkpoint_map ls;
      shard[i]->partitions->collect_checkpoints(rp, ls);
      std::lock_guard lk(mu);
      recovery_points.merge(rp);
      log_starts.merge(ls);
    });
  }
  result<void> write_checkpoints() {
    storage::checkpoint_map rp;
    storage::checkpoint_map ls;
    collect_checkpoints(rp, ls);
    return write_checkpoint_files(*fs, settings.data_dir, rp, ls);
  }

  // Hands every shard the current topic id -> name map.
  void publish_directory() {
    auto dir = topic_directory::of(*topics);
    shards->for_each_blocking([&](size_t i) {
      if (shard[i]->state) shard[i]->state->directory = dir;
    });
  }

  // Opens every shard's partitions, one thread per shard (before the shards' loops run).
  result<void> open_partitions() {
    auto recovery = read_recovery_state(*fs, settings.data_dir);
    if (!recovery.ok()) return recovery.err();
    if (!recovery->clean_start && topics->size() > 0) {
      spdlog::warn("data dir {}: no clean shutdown marker, recovering logs", settings.data_dir);
    }
    std::vector<result<void>> opened(shard.size());
    {
      std::vector<std::jthread> openers;
      for (size_t i = 1; i < shard.size(); ++i) {
        openers.emplace_back([&, i] { opened[i] = shard[i]->partitions->open_all(*topics, *recovery); });
      }
      opened[0] = shard[0]->partitions->open_all(*topics, *recovery);
    }
    for (auto& r : opened) {
      if (!r.ok()) return r;
    }
    // From here on a crash must be detected at the next start.
    if (auto r = storage::remove_clean_shutdown_marker(*fs, settings.data_dir); !r.ok()) return r;
    return write_checkpoints();
  }

  result<void> start_listeners() {
    const auto& st = settings;
    net::server_config sc;
    sc.host = st.listen_host;
    sc.port = st.listen_port;
    sc.max_frame_bytes = st.socket_request_max_bytes;
    // max.connections is the broker's: each shard takes its share (the kernel spreads new
    // connections evenly over the shards' listeners).
    sc.max_connections = std::max<size_t>(1, (st.max_connections + shard.size() - 1) / shard.size());
    sc.max_inflight_per_connection = st.max_inflight_per_connection;
    sc.idle_timeout = st.idle_timeout;
    // One listener per shard on the same port (SO_REUSEPORT): a connection lives on the shard
    // that accepted it, with no hand-off.
    sc.reuse_port = shard.size() > 1;
    sc.check_port_free = true;
    for (auto& sh : shard) {
      auto* state = sh->state.get();
      sh->server = std::make_unique<net::server>(
          sh->io, sc, [state](const net::connection_info& conn, net::frame_bytes frame) {
            return dispatch(*state, conn, std::move(frame));
          });
      if (auto r = sh->server->start(); !r.ok()) return r;
      // The others bind the port the first one got (it may have asked for port 0).
      sc.port = sh->server->port();
      sc.check_port_free = false;
    }
    return {};
  }

  void start_maintenance() {
    const auto& st = settings;
    for (auto& owned : shard) {
      shard_services& sh = *owned;
      every(sh, st.retention_check_interval_ms, "retention",
            [this, &sh] { sh.partitions->apply_retention(clock.now_ms()); });
      // Log compaction: passes run on cleaner threads; swaps come back to the owning shard. The
      // dedupe buffer is the broker's, shared by every shard's cleaner as Kafka shares it by its
      // cleaner threads; each shard keeps its own checkpoint file.
      storage::cleaner_config cc = st.cleaner;
      if (cc.data_dir.empty()) cc.data_dir = st.data_dir;
      cc.dedupe_buffer_size =
          std::max<int64_t>(cc.dedupe_buffer_size / static_cast<int64_t>(shard.size()), 1);
      if (sh.id > 0) cc.checkpoint_suffix = ".shard" + std::to_string(sh.id);
      sh.cleaner = start_log_cleaner(sh.io, *fs, clock, *sh.partitions, cc);
      if (sh.cleaner) {
        every(sh, std::max<int64_t>(st.cleaner.backoff_ms, 1), "log cleaner", [&sh] { sh.cleaner->tick(); });
      }
      // flush.messages / flush.ms. Kafka checks them every log.flush.scheduler.interval.ms (by
      // default never); we check at least every second so a topic's flush.ms is honoured. The
      // check is a comparison per partition.
      every(sh, std::min<int64_t>(st.flush_scheduler_interval_ms, 1000), "flush", [&sh] {
        sh.partitions->for_each([&sh](partition& p) {
          if (p.log->flush_due()) sh.commits->sync_in_background(p);
        });
      });
    }
    every(control(), config.offsets_retention_check_interval_ms, "offset expiry", [this] {
      const int64_t retention_ms = int64_t{config.offsets_retention_minutes} * 60 * 1000;
      if (size_t n = groups->expire_offsets(clock.now_ms(), retention_ms); n > 0) {
        spdlog::info("expired {} committed offsets", n);
      }
    });
    every(control(), st.checkpoint_interval_ms, "checkpoint", [this] {
      if (auto r = write_checkpoints(); !r.ok()) spdlog::error("checkpoint: {}", r.err().message);
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

  if (m.cluster_mode()) {
    cluster::zk::metadata_service_options zo;
    zo.connect = *m.config.zookeeper_connect;
    zo.session_timeout = std::chrono::milliseconds(m.config.zookeeper_session_timeout_ms);
    zo.connect_timeout = std::chrono::milliseconds(
        m.config.zookeeper_connection_timeout_ms.value_or(m.config.zookeeper_session_timeout_ms));
    zo.broker_id = st.node_id;
    zo.host = st.advertised_host;
    zo.port = st.advertised_port;
    if (!st.rack.empty()) zo.rack = st.rack;
    zo.proposed_cluster_id = meta->cluster_id;
    zo.unclean_leader_election = m.config.unclean_leader_election_enable;
    zo.auto_leader_rebalance = m.config.auto_leader_rebalance_enable;
    zo.leader_imbalance_check_interval =
        std::chrono::milliseconds(m.config.leader_imbalance_check_interval_seconds * 1000);
    zo.leader_imbalance_per_broker_percentage = m.config.leader_imbalance_per_broker_percentage;
    auto* mp = &m;
    zo.on_snapshot = [mp](cluster::cluster_snapshot_ptr snap) {
      asio::post(mp->io,
                 [mp, snap = std::move(snap)]() mutable { mp->apply_cluster_snapshot(std::move(snap)); });
    };
    auto zk = cluster::zk::zk_metadata_service::start(std::move(zo));
    if (!zk.ok()) return zk.err();
    m.zk = std::move(zk).value();
    auto first = m.zk->snapshot();
    {
      std::lock_guard lk(m.hosting_mu);
      m.hosting = first;
    }
    // The table mirrors the cluster's topics before the logs open (with_logs=false: open_all opens
    // the hosted ones).
    m.mirror_topics(*first, /*with_logs=*/false);
    m.applied = first;
  }

  m.shards = std::make_unique<shard_set>(m.io, st.shards);
  std::vector<partition_manager*> managers;
  for (size_t i = 0; i < m.shards->size(); ++i) {
    // sluice.log.fd.cache.size is the broker's: each shard bounds its own logs' share.
    const size_t fd_limit = std::max<size_t>(1, st.fd_cache_size / m.shards->size());
    auto sh = std::make_unique<shard_services>(i, m.shards->io(i), fd_limit);
    auto* shards = m.shards.get();
    auto* mp = &m;
    sh->partitions = std::make_unique<partition_manager>(
        *m.fs, m.clock, st.data_dir, st.resolve_log_config,
        [shards, i, mp](const std::string& topic, int32_t index) {
          return shards->owner_of(topic, index) == i && mp->hosts(topic, index);
        },
        &sh->fds);
    sh->commits = std::make_unique<group_commit>(sh->io, sh->flusher, *sh->partitions);
    managers.push_back(sh->partitions.get());
    m.shard.push_back(std::move(sh));
  }
  if (auto r = m.open_partitions(); !r.ok()) return r;
  m.hosted =
      std::make_unique<sharded_partitions>(*m.shards, std::move(managers), [&m] { m.publish_directory(); });
  m.admin = std::make_unique<topic_admin>(*m.topics, *m.hosted, st.validate_topic_config, st.topics);
  if (m.zk) {
    m.admin->set_writer(m.zk.get());
    // Producer ids must be unique in the cluster: blocks come from ZooKeeper.
    auto* zk = m.zk.get();
    m.producer_ids->set_block_source(
        [zk] { return zk->allocate_producer_id_block(cluster::producer_id_allocator::block_size); });
  }
  node_identity self{st.node_id, st.advertised_host, st.advertised_port, st.rack,
                     m.zk ? m.zk->cluster_id() : meta->cluster_id};
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
  // __consumer_offsets lives on the control shard (shard_set::owner_of), with the coordinator.
  auto& control = m.control();
  m.offsets_log = std::make_unique<consumer_offsets_log>(*m.topics, *control.partitions, *control.commits,
                                                         *m.groups, m.clock, cos);
  if (m.cluster_mode()) {
    // __consumer_offsets is a cluster topic: loaded once it reaches the snapshot (and this broker
    // hosts replicas of it).
    m.offsets_log->on_cluster_snapshot(*m.applied);
  } else if (auto r = m.offsets_log->ensure_topic(); !r.ok()) {
    return r;
  } else {
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

  std::vector<broker_state*> peers;
  for (auto& sh : m.shard) {
    sh->state = std::make_unique<broker_state>(sh->io, m.config, self, *m.topics, *sh->partitions,
                                               *sh->commits, *m.admin, *m.producer_ids, *m.groups);
    auto& state = *sh->state;
    state.fsync_acks = st.fsync_acks;
    state.offsets_log = m.offsets_log.get();
    state.shards = m.shards.get();
    state.shard_id = sh->id;
    state.cluster = m.applied;
    if (m.zk) {
      auto* zk = m.zk.get();
      state.propose_isr = [zk](cluster::isr_change c) { zk->propose_isr(std::move(c)); };
      state.cluster_writer = zk;
    }
    peers.push_back(&state);
  }
  for (auto& sh : m.shard) sh->state->peers = peers;
  control.state->write_checkpoints = [&m] { return m.write_checkpoints(); };
  m.publish_directory();

  if (auto r = m.start_listeners(); !r.ok()) return r;
  m.start_maintenance();
  if (m.zk) {
    // Replica managers before the loops run: the first snapshot's leaderships are applied here.
    for (auto& sh : m.shard) {
      sh->replicas = std::make_unique<replica_manager>(*sh->state);
      sh->state->replicas = sh->replicas.get();
      impl::apply_leadership(*sh, *m.applied);
    }
    // The coordinator judges leadership of __consumer_offsets against this broker's id and appends
    // through the control shard's replica manager, so it is bound once that exists; this also
    // loads the groups of the offsets partitions the first snapshot says this broker leads.
    m.offsets_log->bind(*control.state);
  }
  m.shards->start_threads();
  if (m.zk) {
    // Registered once the logs are open and the listeners bound: other brokers may fetch at once.
    if (auto r = m.zk->register_broker(); !r.ok()) return r;
  }
  spdlog::info(
      "sluice broker {} listening on {}:{} (advertised {}:{}) with {} shard(s), data in {}, cluster id {}",
      st.node_id, st.listen_host, control.server->port(), st.advertised_host, st.advertised_port,
      m.shards->size(), st.data_dir, self.cluster_id);
  return {};
}

uint16_t broker::port() const { return impl_->shard[0]->server->port(); }

const broker_state& broker::state() const { return *impl_->shard[0]->state; }

broker_stats broker::stats() const {
  auto& m = *impl_;
  broker_stats s;
  s.uptime =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - m.started_at);
  s.listen_host = m.settings.listen_host;
  s.listen_port = m.shard[0]->server->port();
  s.data_dir = m.settings.data_dir;
  s.shards = m.shard.size();
  std::mutex mu;
  m.shards->for_each_blocking([&](size_t i) {
    const auto& sh = *m.shard[i];
    const size_t connections = sh.server ? sh.server->connection_count() : 0;
    std::optional<storage::cleaner_totals> cleaned;
    if (sh.cleaner) cleaned = sh.cleaner->totals();
    std::lock_guard lk(mu);
    s.connections_open += connections;
    s.fsync_count += sh.flusher.fsync_count();
    s.flush_rounds += sh.flusher.round_count();
    if (cleaned) {
      auto& t = s.cleaner ? *s.cleaner : s.cleaner.emplace();
      t.passes += cleaned->passes;
      t.failures += cleaned->failures;
      t.swaps += cleaned->swaps;
      t.bytes_read += cleaned->bytes_read;
      t.bytes_written += cleaned->bytes_written;
      t.records_read += cleaned->records_read;
      t.seconds += cleaned->seconds;
    }
  });
  return s;
}

partition_summaries broker::summarize_partitions(const std::string* only_topic) const {
  auto& m = *impl_;
  partition_summaries out;
  std::mutex mu;
  m.shards->for_each_blocking([&](size_t i) {
    partition_summaries mine;
    auto add = [&mine](partition& p) {
      if (!p.log) return;
      partition_summary v;
      v.log_start_offset = p.log->log_start_offset();
      v.log_end_offset = p.log->log_end_offset();
      v.size_bytes = p.log->size_bytes();
      v.segments = static_cast<int64_t>(p.log->segment_count());
      mine.emplace(std::make_pair(p.topic, p.index), v);
    };
    if (only_topic) {
      for (auto* p : m.shard[i]->partitions->topic_partitions(*only_topic)) add(*p);
    } else {
      m.shard[i]->partitions->for_each(add);
    }
    std::lock_guard lk(mu);
    out.merge(mine);
  });
  return out;
}

size_t broker::partition_count() const {
  auto& m = *impl_;
  std::atomic<size_t> n{0};
  m.shards->for_each_blocking([&](size_t i) { n += m.shard[i]->partitions->size(); });
  return n;
}

request_counters broker::request_totals() const {
  auto& m = *impl_;
  request_counters total;
  std::mutex mu;
  m.shards->for_each_blocking([&](size_t i) {
    const request_counters mine = m.shard[i]->state->requests;
    std::lock_guard lk(mu);
    for (size_t k = 0; k < total.by_api.size(); ++k) total.by_api[k] += mine.by_api[k];
    total.other += mine.other;
  });
  return total;
}

void broker::attach(std::unique_ptr<attached_service> service) {
  impl_->attached.push_back(std::move(service));
}

asio::awaitable<bool> broker::shutdown() {
  auto& m = *impl_;
  if (m.stopped) co_return true;
  if (m.zk && m.config.controlled_shutdown_enable) {
    // Controlled shutdown: the controller moves this broker's leaderships to other in-sync
    // replicas while it still serves, so clients see only retriable NOT_LEADER errors. The wait
    // blocks, so it runs on a thread of its own while this loop keeps serving.
    const auto timeout =
        std::chrono::milliseconds(std::max<int64_t>(5000, int64_t{m.config.controlled_shutdown_max_retries} *
                                                              m.config.controlled_shutdown_retry_backoff_ms));
    spdlog::info("controlled shutdown: moving leaderships away (at most {} ms)", timeout.count());
    auto done = std::make_shared<std::atomic<int>>(0);
    std::thread waiter(
        [zk = m.zk.get(), timeout, done] { done->store(zk->controlled_shutdown(timeout) ? 1 : 2); });
    asio::steady_timer tick(m.io);
    while (done->load() == 0) {
      tick.expires_after(std::chrono::milliseconds(20));
      co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    waiter.join();
    spdlog::info("controlled shutdown: {}", done->load() == 1 ? "done" : "timed out; exiting anyway");
  }
  m.stopped = true;
  if (m.zk) {
    // Fetchers stop and waiting acks=all requests answer now.
    m.shards->for_each_blocking([&m](size_t i) {
      if (m.shard[i]->replicas) m.shard[i]->replicas->close();
    });
  }
  for (auto& s : m.attached) s->stop();  // the HTTP port first: it reads the logs closed below
  spdlog::info("shutting down: no new connections, draining in-flight requests");
  m.shards->for_each_blocking([&m](size_t i) {
    auto& sh = *m.shard[i];
    sh.state->shutting_down = true;
    sh.server->stop_accepting();
    // Parked fetches answer now instead of waiting out max.wait.ms.
    sh.partitions->for_each([](partition& p) { p.notify_data(); });
  });
  // Parked JoinGroup/SyncGroup answer now (NOT_COORDINATOR) and group timers stop.
  if (m.groups) m.groups->shutdown();
  // Every shard drains its own connections, all at once; requests waiting on another shard's
  // group commit finish because the flushers still run.
  std::vector<char> drained(m.shard.size(), 0);
  {
    shard_fanout drains(*m.shard[0]->state);
    for (size_t i = 0; i < m.shard.size(); ++i) {
      drains.start(i, [&m, &drained, i](broker_state&, shard_fanout::done_fn done) {
        asio::co_spawn(m.shard[i]->io, m.shard[i]->server->drain(m.settings.shutdown_drain_timeout),
                       [&drained, i, done = std::move(done)](std::exception_ptr e, bool clean) {
                         drained[i] = !e && clean;
                         done();
                       });
      });
    }
    co_await drains.wait();
  }
  // Then each shard stops its maintenance and closes its logs, in parallel.
  std::vector<char> closed(m.shard.size(), 0);
  m.shards->for_each_blocking([&m, &closed](size_t i) {
    auto& sh = *m.shard[i];
    for (auto& t : sh.timers) t->cancel();
    if (sh.cleaner) sh.cleaner->stop();  // cancels running passes before the logs close
    sh.flusher.stop();
    auto r = sh.partitions->close_all();
    if (!r.ok()) spdlog::error("closing logs: {}", r.err().message);
    closed[i] = r.ok();
  });
  bool clean = std::all_of(drained.begin(), drained.end(), [](char c) { return c != 0; });
  const bool all_closed = std::all_of(closed.begin(), closed.end(), [](char c) { return c != 0; });
  if (all_closed) {
    // The marker only after every shard's logs are closed and the checkpoints written: the next
    // start then skips recovery.
    auto r = m.write_checkpoints();
    if (r.ok()) r = storage::write_clean_shutdown_marker(*m.fs, m.settings.data_dir);
    if (!r.ok()) {
      spdlog::error("writing the checkpoints: {}", r.err().message);
      clean = false;
    }
  } else {
    clean = false;
  }
  m.shards->stop_threads();
  // The registration goes last: until here the other brokers could still fetch from this one.
  if (m.zk) m.zk->stop();
  spdlog::info("shutdown complete{}", clean ? "" : " (with errors)");
  co_return clean;
}

}  // namespace sluice::broker
