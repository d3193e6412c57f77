// zk_metadata_service: see the header. Everything the service knows lives in `impl` and is touched
// only on the metadata thread (an io_context of its own), except `latest` (mutex) which any thread
// reads. ZooKeeper watches and session events are posted to that thread. A path's watch is set only
// by the first read of the path in a session and by that watch firing, so watches never pile up.
#include "cluster/zk/zk_metadata_service.h"

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <condition_variable>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "cluster/replica_placement.h"
#include "cluster/topic_name.h"
#include "cluster/zk/partition_election.h"
#include "cluster/zk/zk_cluster_store.h"
#include "cluster/zk/zk_session.h"

namespace sluice::cluster::zk {
namespace asio = boost::asio;
namespace {

constexpr const char* delete_topics_path = "/admin/delete_topics";
constexpr const char* controlled_shutdown_path = "/admin/controlled_shutdown";
constexpr const char* preferred_election_path = "/admin/preferred_replica_election";
constexpr const char* unclean_election_path = "/admin/unclean_leader_election";

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<int32_t> parse_id(const std::string& s) {
  int32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

write_result fail(topic_error code, std::string message) { return {code, std::move(message)}; }

write_result from_zk(const zk_error& e, const std::string& what) {
  return fail(to_topic_error(e), what + ": " + e.message);
}

}  // namespace

struct zk_metadata_service::impl {
  explicit impl(metadata_service_options o) : opts(std::move(o)) {}

  metadata_service_options opts;
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{io.get_executor()};
  std::thread thread;
  std::unique_ptr<session> zk;
  std::unique_ptr<zk_cluster_store> store;
  std::string cluster_id;

  mutable std::mutex latest_mu;
  cluster_snapshot_ptr latest;
  std::condition_variable latest_cv;

  // ---- metadata-thread state ----
  struct topic_cache {
    std::optional<versioned_topic_assignment> assignment;
    std::map<std::string, std::string> config;
    std::map<int32_t, std::optional<versioned_partition_state>> states;
  };
  uint64_t generation = 0;  // bumps on every new session: older watches are ignored
  bool registered = false;
  std::map<int32_t, broker_node> brokers;
  int32_t controller_id = -1;
  std::map<std::string, topic_cache> topics;
  std::set<std::string> deleting;
  std::set<int32_t> shutting_down;
  uint64_t version = 0;
  bool publish_pending = false;
  bool stopping = false;

  // Controller role.
  bool is_controller = false;
  controller_fence fence;
  bool reconcile_pending = false;
  bool preferred_pending = false;
  std::set<std::pair<std::string, int32_t>> preferred_requested;  // empty + preferred_pending: all
  std::set<std::pair<std::string, int32_t>> unclean_requested;
  std::unique_ptr<asio::steady_timer> rebalance_timer;

  // ---- thread helpers ----
  void post(std::function<void()> f) { asio::post(io, std::move(f)); }
  // Runs f on the metadata thread and waits for it (from any other thread).
  template <class F>
  auto run(F&& f) {
    using R = decltype(f());
    std::promise<R> p;
    auto fut = p.get_future();
    post([&] {
      if constexpr (std::is_void_v<R>) {
        f();
        p.set_value();
      } else {
        p.set_value(f());
      }
    });
    return fut.get();
  }
  watch_fn watch(std::function<void()> on_fire) {
    const uint64_t gen = generation;
    return [this, gen, on_fire = std::move(on_fire)](const watch_event&) {
      post([this, gen, on_fire] {
        if (gen == generation && !stopping) on_fire();
      });
    };
  }

  // ---- loading (metadata thread) ----
  void load_brokers() {
    auto got = store->get_brokers(watch([this] { load_brokers(); }));
    if (!got) {
      spdlog::warn("zookeeper: reading brokers: {}", got.err().message);
      return;
    }
    brokers.clear();
    for (const auto& b : *got) {
      broker_node n;
      n.id = b.id;
      n.rack = b.rack;
      for (const auto& e : b.endpoints) {
        if (e.security_protocol == "PLAINTEXT" || n.host.empty()) {
          n.host = e.host;
          n.port = e.port;
          if (e.security_protocol == "PLAINTEXT") break;
        }
      }
      brokers.emplace(b.id, std::move(n));
    }
    changed();
    schedule_reconcile();  // leaders of brokers that left move; offline partitions may lead again
  }

  void load_controller() {
    auto got = store->controller(watch([this] { load_controller(); }));
    if (!got) {
      spdlog::warn("zookeeper: reading /controller: {}", got.err().message);
      return;
    }
    const int32_t now = got->value_or(-1);
    if (now != opts.broker_id && is_controller) {
      spdlog::warn("controller: broker {} lost the controller role (now {})", opts.broker_id, now);
      is_controller = false;
    }
    controller_id = now;
    if (now < 0 && registered) elect();
    changed();
  }

  void elect() {
    auto r = store->try_become_controller(opts.broker_id, now_ms());
    if (!r) {
      spdlog::warn("controller election: {}", r.err().message);
      return;
    }
    controller_id = r->controller_id;
    if (r->elected) {
      is_controller = true;
      fence = r->fence;
      spdlog::info("broker {} is the controller (epoch {})", opts.broker_id, fence.epoch);
      // Re-read every partition state: a predecessor may have written since our last read.
      for (auto& [name, t] : topics) load_states(name);
      // Election requests written while another broker was controller.
      load_preferred_requests();
      load_unclean_requests();
      schedule_reconcile();
      schedule_rebalance_timer();
    }
    changed();
  }

  void load_topics() {
    auto got = store->list_topics(watch([this] { load_topics(); }));
    if (!got) {
      spdlog::warn("zookeeper: listing topics: {}", got.err().message);
      return;
    }
    std::set<std::string> names(got->begin(), got->end());
    for (auto it = topics.begin(); it != topics.end();) {
      if (!names.contains(it->first)) {
        it = topics.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& n : names) {
      if (!topics.contains(n)) {
        topics[n];
        load_topic(n);
        load_config(n);
      }
    }
    changed();
    schedule_reconcile();
  }

  void load_topic(const std::string& name) {
    auto got = store->get_topic(name, watch([this, name] {
                                  if (topics.contains(name)) load_topic(name);
                                }));
    auto it = topics.find(name);
    if (it == topics.end()) return;
    if (!got) {
      if (got.code() != zk_errc::no_node)
        spdlog::warn("zookeeper: reading topic {}: {}", name, got.err().message);
      return;
    }
    auto& t = it->second;
    t.assignment = std::move(*got);
    for (const auto& [p, replicas] : t.assignment->assignment.partitions) {
      if (!t.states.contains(p)) {
        t.states[p];
        load_state(name, p);
      }
    }
    changed();
    schedule_reconcile();
  }

  void load_config(const std::string& name) {
    auto got = store->get_topic_config(name, watch([this, name] {
                                         if (topics.contains(name)) load_config(name);
                                       }));
    auto it = topics.find(name);
    if (it == topics.end() || !got) return;
    it->second.config = std::move(*got);
    changed();
  }

  void load_states(const std::string& name) {
    auto it = topics.find(name);
    if (it == topics.end()) return;
    for (auto& [p, s] : it->second.states) reread_state(name, p);
  }

  // First read of a partition state in this session: with a watch (an exists-watch while the
  // controller has not created it).
  void load_state(const std::string& name, int32_t p) {
    auto got = store->get_partition_state(name, p, watch([this, name, p] { load_state(name, p); }));
    auto it = topics.find(name);
    if (it == topics.end()) return;
    if (!got) {
      if (got.code() == zk_errc::no_node) {
        it->second.states[p].reset();
        // Learn when the controller creates it.
        (void)zk->exists(paths::partition_state(name, p), watch([this, name, p] { load_state(name, p); }));
      } else {
        spdlog::warn("zookeeper: reading state of {}-{}: {}", name, p, got.err().message);
      }
      return;
    }
    it->second.states[p] = std::move(*got);
    changed();
    schedule_reconcile();
  }

  // A read without a watch (after our own write failed on a version): the watch is already set.
  void reread_state(const std::string& name, int32_t p) {
    auto got = store->get_partition_state(name, p);
    auto it = topics.find(name);
    if (it == topics.end() || !got) return;
    it->second.states[p] = std::move(*got);
    changed();
  }

  void load_deletions() {
    auto got = zk->children(delete_topics_path, watch([this] { load_deletions(); }));
    if (!got) return;
    deleting = std::set<std::string>(got->begin(), got->end());
    changed();
    schedule_reconcile();
  }

  void load_shutdowns() {
    auto got = zk->children(controlled_shutdown_path, watch([this] { load_shutdowns(); }));
    if (!got) return;
    shutting_down.clear();
    for (const auto& c : *got) {
      if (auto id = parse_id(c)) shutting_down.insert(*id);
    }
    changed();
    schedule_reconcile();
  }

  // Election requests (ElectLeaders): lines "topic partition"; an empty preferred request means
  // every partition. Any broker may write one; the controller acts on it and deletes it.
  static std::set<std::pair<std::string, int32_t>> parse_partitions(const std::string& d) {
    std::set<std::pair<std::string, int32_t>> out;
    size_t pos = 0;
    while (pos < d.size()) {
      size_t nl = d.find('\n', pos);
      if (nl == std::string::npos) nl = d.size();
      std::string line = d.substr(pos, nl - pos);
      pos = nl + 1;
      auto sp = line.rfind(' ');
      if (sp == std::string::npos) continue;
      if (auto p = parse_id(line.substr(sp + 1))) out.emplace(line.substr(0, sp), *p);
    }
    return out;
  }

  void load_preferred_requests() {
    auto got = zk->get(preferred_election_path, watch([this] { load_preferred_requests(); }));
    if (!got) {
      if (got.code() == zk_errc::no_node) {
        (void)zk->exists(preferred_election_path, watch([this] { load_preferred_requests(); }));
      }
      return;
    }
    if (!is_controller) return;
    preferred_pending = true;
    auto parts = parse_partitions(got->data);
    preferred_requested.insert(parts.begin(), parts.end());
    (void)zk->remove(preferred_election_path, any_version);
    schedule_reconcile();
  }

  void load_unclean_requests() {
    auto got = zk->get(unclean_election_path, watch([this] { load_unclean_requests(); }));
    if (!got) {
      if (got.code() == zk_errc::no_node) {
        (void)zk->exists(unclean_election_path, watch([this] { load_unclean_requests(); }));
      }
      return;
    }
    if (!is_controller) return;
    auto parts = parse_partitions(got->data);
    unclean_requested.insert(parts.begin(), parts.end());
    (void)zk->remove(unclean_election_path, any_version);
    schedule_reconcile();
  }

  void load_all() {
    load_brokers();
    load_controller();
    load_topics();
    load_deletions();
    load_shutdowns();
    load_preferred_requests();
    load_unclean_requests();
  }

  // ---- session (metadata thread) ----
  void on_session_event(session_event e) {
    if (stopping) return;
    if (e == session_event::expired) {
      spdlog::warn("zookeeper session expired: re-registering broker {}", opts.broker_id);
      is_controller = false;
      for (int attempt = 0; !stopping; ++attempt) {
        auto r = zk->restart();
        if (r) break;
        spdlog::warn("zookeeper: new session failed: {}", r.err().message);
        if (attempt > 1000) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
      }
      ++generation;
      topics.clear();
      if (registered) {
        auto r = store->register_broker(registration());
        if (!r) spdlog::error("zookeeper: re-registering broker {}: {}", opts.broker_id, r.err().message);
      }
      load_all();
    }
  }

  broker_registration registration() const {
    broker_registration b;
    b.id = opts.broker_id;
    broker_endpoint e;
    e.listener = "PLAINTEXT";
    e.host = opts.host;
    e.port = opts.port;
    e.security_protocol = "PLAINTEXT";
    b.endpoints.push_back(e);
    b.rack = opts.rack;
    b.timestamp_ms = now_ms();
    return b;
  }

  // ---- snapshots ----
  void changed() {
    if (publish_pending) return;
    publish_pending = true;
    post([this] {
      publish_pending = false;
      publish();
    });
  }

  void publish() {
    auto s = std::make_shared<cluster_snapshot>();
    s->cluster_id = cluster_id;
    s->controller_id = controller_id;
    s->brokers = brokers;
    s->version = ++version;
    for (const auto& [name, t] : topics) {
      if (!t.assignment) continue;
      topic_snapshot ts;
      ts.name = name;
      if (t.assignment->assignment.topic_id) ts.id = *t.assignment->assignment.topic_id;
      ts.configs = t.config;
      ts.deleting = deleting.contains(name);
      const auto& parts = t.assignment->assignment.partitions;
      // Partitions are numbered 0..n-1; a gap (malformed assignment) ends the list.
      for (int32_t p = 0; parts.contains(p); ++p) {
        partition_leadership l;
        l.replicas = parts.at(p);
        if (auto a = t.assignment->assignment.adding_replicas.find(p);
            a != t.assignment->assignment.adding_replicas.end()) {
          l.adding = a->second;
        }
        if (auto r = t.assignment->assignment.removing_replicas.find(p);
            r != t.assignment->assignment.removing_replicas.end()) {
          l.removing = r->second;
        }
        if (auto st = t.states.find(p); st != t.states.end() && st->second) {
          l.leader = st->second->state.leader;
          l.leader_epoch = st->second->state.leader_epoch;
          l.isr = st->second->state.isr;
          l.version = st->second->version;
        }
        ts.partitions.push_back(std::move(l));
      }
      s->topics.emplace(name, std::move(ts));
    }
    cluster_snapshot_ptr snap = std::move(s);
    {
      std::lock_guard lk(latest_mu);
      latest = snap;
    }
    latest_cv.notify_all();
    if (opts.on_snapshot) opts.on_snapshot(snap);
  }

  // ---- controller (metadata thread) ----
  void schedule_reconcile() {
    if (!is_controller || reconcile_pending) return;
    reconcile_pending = true;
    post([this] {
      reconcile_pending = false;
      if (is_controller && !stopping) reconcile();
    });
  }

  void schedule_rebalance_timer() {
    if (!opts.auto_leader_rebalance) return;
    rebalance_timer = std::make_unique<asio::steady_timer>(io);
    rebalance_timer->expires_after(opts.leader_imbalance_check_interval);
    const uint64_t gen = generation;
    rebalance_timer->async_wait([this, gen](const boost::system::error_code& ec) {
      if (ec || stopping || gen != generation || !is_controller) return;
      rebalance_if_imbalanced();
      schedule_rebalance_timer();
    });
  }

  // Kafka's checkAndTriggerAutoLeaderRebalance: for each broker, the share of the partitions it is
  // the preferred leader of that another broker leads; above the threshold, those partitions move
  // back to it.
  void rebalance_if_imbalanced() {
    std::map<int32_t, std::pair<int, int>> counts;  // preferred broker → (preferred, not led by it)
    for (const auto& [name, t] : topics) {
      if (!t.assignment) continue;
      for (const auto& [p, replicas] : t.assignment->assignment.partitions) {
        if (replicas.empty()) continue;
        auto& c = counts[replicas.front()];
        ++c.first;
        auto st = t.states.find(p);
        if (st != t.states.end() && st->second && st->second->state.leader != replicas.front()) ++c.second;
      }
    }
    bool any = false;
    for (const auto& [b, c] : counts) {
      if (c.first > 0 && c.second * 100 > c.first * opts.leader_imbalance_per_broker_percentage) any = true;
    }
    if (!any) return;
    preferred_pending = true;
    preferred_requested.clear();
    reconcile();
  }

  bool topic_unclean(const topic_cache& t) const {
    auto it = t.config.find("unclean.leader.election.enable");
    if (it == t.config.end()) return opts.unclean_leader_election;
    return it->second == "true";
  }

  void reconcile() {
    std::set<int32_t> live;
    for (const auto& [id, b] : brokers) live.insert(id);
    election_context base;
    base.live = &live;
    base.shutting_down = &shutting_down;
    bool retry = false;
    const bool preferred_all = preferred_pending && preferred_requested.empty();
    for (auto& [name, t] : topics) {
      if (!t.assignment) continue;
      if (deleting.contains(name)) continue;
      election_context ctx = base;
      ctx.unclean_allowed = topic_unclean(t);
      for (const auto& [p, replicas] : t.assignment->assignment.partitions) {
        auto& slot = t.states[p];
        if (!slot) {
          partition_state s = initial_state(replicas, ctx);
          auto r = store->create_partition_state(name, p, s, fence);
          if (!r) {
            if (!handle_write_failure(r.err(), name, p)) return;
            retry = true;
            continue;
          }
          s.controller_epoch = fence.epoch;
          slot = versioned_partition_state{s, *r};
          spdlog::info("controller: {}-{} created: leader {} epoch {}", name, p, s.leader, s.leader_epoch);
          changed();
          continue;
        }
        const bool prefer = preferred_pending && (preferred_all || preferred_requested.contains({name, p}));
        election_context pctx = ctx;
        if (unclean_requested.contains({name, p})) pctx.unclean_allowed = true;
        auto next = next_state(replicas, slot->state, pctx, prefer);
        if (!next) continue;
        auto r = store->update_partition_state(name, p, *next, slot->version, fence);
        if (!r) {
          if (!handle_write_failure(r.err(), name, p)) return;
          retry = true;
          continue;
        }
        spdlog::info("controller: {}-{}: leader {} -> {}, epoch {}, isr [{}]", name, p, slot->state.leader,
                     next->leader, next->leader_epoch, fmt::join(next->isr, ","));
        next->controller_epoch = fence.epoch;
        slot = versioned_partition_state{*next, *r};
        changed();
      }
    }
    preferred_pending = false;
    preferred_requested.clear();
    unclean_requested.clear();
    complete_reassignments();
    delete_topics();
    if (retry) {
      // A state changed under us (a leader's ISR write): it was re-read; decide again shortly.
      auto t = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(50));
      t->async_wait([this, t](const boost::system::error_code&) { schedule_reconcile(); });
    }
  }

  // KIP-455: a partition being reassigned is replicated by the union of its old and target
  // replicas (the assignment lists both, with adding/removing); once every target replica is in the
  // ISR the assignment becomes the target, and the next reconcile drops the removed replicas from
  // the ISR and moves leadership if the leader was one of them.
  void complete_reassignments() {
    for (auto& [name, t] : topics) {
      if (!t.assignment || deleting.contains(name)) continue;
      auto& a = t.assignment->assignment;
      if (a.adding_replicas.empty() && a.removing_replicas.empty()) continue;
      topic_assignment next = a;
      bool done_any = false;
      for (const auto& [p, replicas] : a.partitions) {
        const bool moving = a.adding_replicas.contains(p) || a.removing_replicas.contains(p);
        if (!moving) continue;
        auto st = t.states.find(p);
        if (st == t.states.end() || !st->second) continue;
        std::vector<int32_t> removing;
        if (auto r = a.removing_replicas.find(p); r != a.removing_replicas.end()) removing = r->second;
        std::vector<int32_t> target;
        for (int32_t r : replicas) {
          if (std::find(removing.begin(), removing.end(), r) == removing.end()) target.push_back(r);
        }
        const auto& isr = st->second->state.isr;
        const bool caught_up = std::all_of(target.begin(), target.end(), [&](int32_t r) {
          return std::find(isr.begin(), isr.end(), r) != isr.end();
        });
        if (!caught_up || target.empty()) continue;
        next.partitions[p] = target;
        next.adding_replicas.erase(p);
        next.removing_replicas.erase(p);
        done_any = true;
        spdlog::info("controller: reassignment of {}-{} complete: replicas [{}]", name, p,
                     fmt::join(target, ","));
      }
      if (!done_any) continue;
      auto r = store->update_topic(name, next, t.assignment->version);
      if (!r) {
        spdlog::info("controller: completing reassignment of {}: {}", name, r.err().message);
        continue;  // the assignment changed: the watch brings it back and we try again
      }
      t.assignment->assignment = next;
      t.assignment->version = *r;
      changed();
      schedule_reconcile();
    }
  }

  // False when this broker is no longer the controller (stop reconciling).
  bool handle_write_failure(const zk_error& e, const std::string& name, int32_t p) {
    if (controller_fenced(e)) {
      spdlog::warn("controller: fenced by a newer controller epoch");
      is_controller = false;
      load_controller();
      return false;
    }
    if (e.code == zk_errc::bad_version || e.code == zk_errc::node_exists) {
      reread_state(name, p);
      return true;
    }
    spdlog::warn("controller: writing state of {}-{}: {}", name, p, e.message);
    return true;
  }

  // Kafka's TopicDeletionManager, without waiting for replicas: the brokers remove their logs when
  // the topic leaves their snapshot.
  void delete_topics() {
    for (auto it = deleting.begin(); it != deleting.end();) {
      const std::string name = *it;
      bool ok = remove_recursive(paths::topic(name)) && remove_recursive(paths::topic_config(name));
      if (ok) {
        (void)zk->remove(std::string(delete_topics_path) + "/" + name, any_version);
        spdlog::info("controller: deleted topic {}", name);
        topics.erase(name);
        it = deleting.erase(it);
        changed();
      } else {
        ++it;
      }
    }
  }

  bool remove_recursive(const std::string& path) {
    auto kids = zk->children(path);
    if (!kids) return kids.code() == zk_errc::no_node;
    for (const auto& k : *kids) {
      if (!remove_recursive(path + "/" + k)) return false;
    }
    auto r = zk->remove(path, any_version);
    return r || r.code() == zk_errc::no_node;
  }

  // ---- leader requests ----
  void apply_isr_change(const isr_change& c) {
    auto t = topics.find(c.topic);
    if (t == topics.end()) return;
    auto st = t->second.states.find(c.partition);
    if (st == t->second.states.end() || !st->second) return;
    const auto& cur = *st->second;
    if (cur.version != c.expected_version || cur.state.leader != opts.broker_id ||
        cur.state.leader_epoch != c.leader_epoch || c.isr.empty()) {
      return;  // stale: the snapshot already tells the leader what changed
    }
    partition_state next = cur.state;
    next.isr = c.isr;
    auto r = store->update_partition_state(c.topic, c.partition, next, c.expected_version, std::nullopt);
    if (!r) {
      spdlog::info("isr change of {}-{} refused: {}", c.topic, c.partition, r.err().message);
      reread_state(c.topic, c.partition);
      return;
    }
    spdlog::info("{}-{}: isr [{}] -> [{}]", c.topic, c.partition, fmt::join(cur.state.isr, ","),
                 fmt::join(c.isr, ","));
    st->second = versioned_partition_state{next, *r};
    changed();
    schedule_reconcile();
  }

  std::vector<placement_broker> live_placement_brokers() const {
    std::vector<placement_broker> out;
    for (const auto& [id, b] : brokers) out.push_back({id, b.rack});
    return out;
  }
};

zk_metadata_service::zk_metadata_service(std::unique_ptr<impl> m) : m_(std::move(m)) {}

zk_metadata_service::~zk_metadata_service() { stop(); }

result<std::unique_ptr<zk_metadata_service>> zk_metadata_service::start(metadata_service_options options) {
  auto m = std::make_unique<impl>(std::move(options));
  auto* raw = m.get();
  session_options so;
  so.connect = raw->opts.connect;
  so.session_timeout = raw->opts.session_timeout;
  so.connect_timeout = raw->opts.connect_timeout;
  so.post = [raw](std::function<void()> f) { raw->post(std::move(f)); };
  so.on_session_event = [raw](session_event e) { raw->on_session_event(e); };
  auto s = session::connect(std::move(so));
  if (!s)
    return make_error(errc::io_error, "zookeeper.connect " + raw->opts.connect + ": " + s.err().message);
  raw->zk = std::move(*s);
  raw->store = std::make_unique<zk_cluster_store>(*raw->zk);
  if (auto r = raw->store->ensure_layout(); !r)
    return make_error(errc::io_error, "zookeeper: " + r.err().message);
  for (const char* p : {controlled_shutdown_path}) {
    auto r = raw->zk->create(p, "", create_options{.make_parents = true});
    if (!r && r.code() != zk_errc::node_exists)
      return make_error(errc::io_error, "zookeeper: " + r.err().message);
  }
  auto id = raw->store->ensure_cluster_id(raw->opts.proposed_cluster_id);
  if (!id) return make_error(errc::io_error, "zookeeper: cluster id: " + id.err().message);
  raw->cluster_id = *id;
  raw->thread = std::thread([raw] { raw->io.run(); });
  raw->run([raw] {
    raw->load_all();
    raw->publish_pending = false;
    raw->publish();
  });
  return std::unique_ptr<zk_metadata_service>(new zk_metadata_service(std::move(m)));
}

result<void> zk_metadata_service::register_broker() {
  // A broker restarted right after a crash finds its previous session's registration still there
  // until ZooKeeper expires that session: wait for it (bounded) instead of failing, as an operator
  // would. Another live broker with the same id keeps its node and this start fails.
  const auto deadline = std::chrono::steady_clock::now() + m_->opts.session_timeout + std::chrono::seconds(5);
  for (bool waited = false;;) {
    auto r =
        m_->run([this]() -> zk_result<int64_t> { return m_->store->register_broker(m_->registration()); });
    if (r) break;
    if (r.code() != zk_errc::node_exists || std::chrono::steady_clock::now() >= deadline) {
      return make_error(errc::io_error, "registering broker " + std::to_string(m_->opts.broker_id) +
                                            " in ZooKeeper: " + r.err().message);
    }
    if (!waited) {
      spdlog::info("broker {} is still registered by an earlier session; waiting for it to expire",
                   m_->opts.broker_id);
      waited = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return m_->run([this]() -> result<void> {
    m_->registered = true;
    spdlog::info("broker {} registered in ZooKeeper", m_->opts.broker_id);
    if (m_->controller_id < 0) m_->elect();
    return {};
  });
}

cluster_snapshot_ptr zk_metadata_service::snapshot() const {
  std::lock_guard lk(m_->latest_mu);
  return m_->latest;
}

const std::string& zk_metadata_service::cluster_id() const { return m_->cluster_id; }
int32_t zk_metadata_service::broker_id() const { return m_->opts.broker_id; }

write_result zk_metadata_service::create_topic(const std::string& name, int32_t partitions,
                                               int16_t replication_factor,
                                               const std::map<std::string, std::string>& configs,
                                               bool validate_only) {
  auto brokers = m_->run([this] { return m_->live_placement_brokers(); });
  placement_request req;
  req.brokers = std::move(brokers);
  req.partitions = partitions;
  req.replication_factor = replication_factor;
  auto placed = assign_replicas(req);
  if (!placed.ok()) return fail(to_topic_error(placed.code), placed.message);
  return create_topic_with_assignment(name, placed.assignment, configs, validate_only);
}

write_result zk_metadata_service::create_topic_with_assignment(
    const std::string& name, const std::map<int32_t, std::vector<int32_t>>& assignment,
    const std::map<std::string, std::string>& configs, bool validate_only) {
  if (auto v = topic_name_error(name); !v.empty()) return fail(topic_error::invalid_name, v);
  {
    auto snap = snapshot();
    if (snap->topic(name)) return fail(topic_error::already_exists, "Topic '" + name + "' already exists.");
    for (const auto& [other, t] : snap->topics) {
      if (other != name && collision_key(other) == collision_key(name)) {
        return fail(topic_error::invalid_name, "Topic '" + name + "' collides with existing topic: " + other);
      }
    }
  }
  if (validate_only) return {};
  topic_assignment a;
  a.topic_id = random_uuid();
  a.partitions = assignment;
  auto r = m_->store->create_topic(name, a, configs);
  if (!r) return from_zk(r.err(), "creating topic " + name);
  return {};
}

write_result zk_metadata_service::delete_topic(const std::string& name) {
  auto snap = snapshot();
  if (!snap->topic(name))
    return fail(topic_error::not_found, "This server does not host this topic-partition.");
  auto r =
      m_->zk->create(std::string(delete_topics_path) + "/" + name, "", create_options{.make_parents = true});
  if (!r && r.code() != zk_errc::node_exists) return from_zk(r.err(), "deleting topic " + name);
  return {};
}

write_result zk_metadata_service::add_partitions(const std::string& name, int32_t new_total,
                                                 bool validate_only) {
  auto got = m_->store->get_topic(name);
  if (!got) return from_zk(got.err(), "reading topic " + name);
  const int32_t current = static_cast<int32_t>(got->assignment.partitions.size());
  if (new_total <= current) {
    return fail(topic_error::invalid_partitions, "Topic currently has " + std::to_string(current) +
                                                     " partitions, which is higher than the requested " +
                                                     std::to_string(new_total) + ".");
  }
  const replica_assignment& existing = got->assignment.partitions;
  for (int32_t p = 0; p < current; ++p) {
    if (!existing.contains(p)) return fail(topic_error::invalid_request, "malformed assignment");
  }
  auto brokers = m_->run([this] { return m_->live_placement_brokers(); });
  auto placed = assign_added_partitions(brokers, existing, new_total);
  if (!placed.ok()) return fail(to_topic_error(placed.code), placed.message);
  if (validate_only) return {};
  topic_assignment a = got->assignment;
  for (auto& [p, r] : placed.assignment) a.partitions[p] = r;
  auto r = m_->store->update_topic(name, a, got->version);
  if (!r) return from_zk(r.err(), "adding partitions to " + name);
  return {};
}

write_result zk_metadata_service::set_topic_configs(const std::string& name,
                                                    const std::map<std::string, std::string>& configs) {
  auto r = m_->store->set_topic_config(name, configs);
  if (!r) return from_zk(r.err(), "writing the config of " + name);
  return {};
}

result<int64_t> zk_metadata_service::allocate_producer_id_block(int64_t size) {
  constexpr const char* path = "/latest_producer_id_block";
  auto encode = [&](int64_t start) {
    nlohmann::json j{{"version", 1},
                     {"broker", m_->opts.broker_id},
                     {"block_start", std::to_string(start)},
                     {"block_end", std::to_string(start + size - 1)}};
    return j.dump();
  };
  for (int attempt = 0; attempt < 50; ++attempt) {
    auto got = m_->zk->get(path);
    if (!got) {
      if (got.code() != zk_errc::no_node)
        return make_error(errc::io_error, "producer id block: " + got.err().message);
      auto c = m_->zk->create(path, encode(0), create_options{});
      if (c) return int64_t{0};
      if (c.code() != zk_errc::node_exists)
        return make_error(errc::io_error, "producer id block: " + c.err().message);
      continue;
    }
    int64_t end = -1;
    try {
      auto j = nlohmann::json::parse(got->data);
      end = std::stoll(j.at("block_end").get<std::string>());
    } catch (const std::exception&) {
      return make_error(errc::corruption, std::string(path) + ": malformed producer id block");
    }
    if (end < -1 || end > INT64_MAX - 2 * size) return make_error(errc::corruption, "producer ids exhausted");
    const int64_t start = end + 1;
    auto s = m_->zk->set(path, encode(start), got->stat.version);
    if (s) return start;
    if (s.code() != zk_errc::bad_version)
      return make_error(errc::io_error, "producer id block: " + s.err().message);
  }
  return make_error(errc::timed_out, "producer id block: too much contention");
}

topic_result zk_metadata_service::reassign(const std::string& topic, int32_t partition,
                                           const std::optional<std::vector<int32_t>>& target) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    auto got = m_->store->get_topic(topic);
    if (!got) return from_zk(got.err(), "reading topic " + topic);
    topic_assignment a = got->assignment;
    auto cur = a.partitions.find(partition);
    if (cur == a.partitions.end())
      return fail(topic_error::not_found, "Unknown partition " + std::to_string(partition));
    std::vector<int32_t> adding =
        a.adding_replicas.count(partition) ? a.adding_replicas[partition] : std::vector<int32_t>{};
    std::vector<int32_t> removing =
        a.removing_replicas.count(partition) ? a.removing_replicas[partition] : std::vector<int32_t>{};
    auto contains = [](const std::vector<int32_t>& v, int32_t x) {
      return std::find(v.begin(), v.end(), x) != v.end();
    };
    // The replicas before any reassignment in progress.
    std::vector<int32_t> original;
    for (int32_t r : cur->second) {
      if (!contains(adding, r)) original.push_back(r);
    }
    if (!target) {
      if (adding.empty() && removing.empty())
        return fail(topic_error::no_reassignment, "No reassignment in progress");
      a.partitions[partition] = original;
      a.adding_replicas.erase(partition);
      a.removing_replicas.erase(partition);
    } else {
      const auto& t = *target;
      std::set<int32_t> uniq(t.begin(), t.end());
      if (t.empty() || uniq.size() != t.size()) {
        return fail(topic_error::invalid_replica_assignment, "The replica list is empty or has duplicates");
      }
      auto snap = snapshot();
      for (int32_t r : t) {
        if (!snap->broker(r)) {
          return fail(topic_error::invalid_replica_assignment,
                      "Broker " + std::to_string(r) + " is not a live broker of the cluster");
        }
      }
      std::vector<int32_t> full = t;
      std::vector<int32_t> add, remove;
      for (int32_t r : t) {
        if (!contains(original, r)) add.push_back(r);
      }
      for (int32_t r : original) {
        if (!contains(t, r)) {
          remove.push_back(r);
          full.push_back(r);
        }
      }
      a.partitions[partition] = full;
      if (add.empty() && remove.empty()) {
        a.adding_replicas.erase(partition);
        a.removing_replicas.erase(partition);
      } else {
        a.adding_replicas[partition] = add;
        a.removing_replicas[partition] = remove;
      }
    }
    auto r = m_->store->update_topic(topic, a, got->version);
    if (r) return {};
    if (r.code() != zk_errc::bad_version) return from_zk(r.err(), "reassigning " + topic);
  }
  return fail(topic_error::storage, "the assignment of " + topic + " keeps changing");
}

void zk_metadata_service::propose_isr(isr_change change) {
  m_->post([this, c = std::move(change)] { m_->apply_isr_change(c); });
}

bool zk_metadata_service::controlled_shutdown(std::chrono::milliseconds timeout) {
  const std::string path = std::string(controlled_shutdown_path) + "/" + std::to_string(m_->opts.broker_id);
  auto r = m_->zk->create(path, "", create_options{.ephemeral = true});
  if (!r && r.code() != zk_errc::node_exists) {
    spdlog::warn("controlled shutdown: {}", r.err().message);
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lk(m_->latest_mu);
  const int32_t self = m_->opts.broker_id;
  auto leads_nothing = [&] {
    for (const auto& [name, t] : m_->latest->topics) {
      for (const auto& p : t.partitions) {
        // A partition only this broker can lead stays with it (Kafka skips those too).
        if (p.leader == self && p.replicas.size() > 1) {
          bool other_in_isr = false;
          for (int32_t r : p.isr) other_in_isr |= r != self;
          if (other_in_isr) return false;
        }
      }
    }
    return true;
  };
  return m_->latest_cv.wait_until(lk, deadline, leads_nothing);
}

void zk_metadata_service::request_election(std::vector<std::pair<std::string, int32_t>> partitions,
                                           bool unclean) {
  std::string data;
  for (const auto& [t, p] : partitions) data += t + " " + std::to_string(p) + "\n";
  const char* path = unclean ? unclean_election_path : preferred_election_path;
  // One request at a time per kind, as Kafka's /admin/preferred_replica_election: a pending one is
  // replaced by a union when the controller has not picked it up yet.
  for (int attempt = 0; attempt < 10; ++attempt) {
    auto r = m_->zk->create(path, data, create_options{.make_parents = true});
    if (r || r.code() != zk_errc::node_exists) {
      if (!r) spdlog::warn("leader election request: {}", r.err().message);
      return;
    }
    auto cur = m_->zk->get(path);
    if (!cur) continue;  // taken by the controller meanwhile: create again
    auto s = m_->zk->set(path, cur->data + data, cur->stat.version);
    if (s) return;
  }
}

void zk_metadata_service::stop() {
  if (!m_ || !m_->thread.joinable()) return;
  m_->post([this] {
    m_->stopping = true;
    if (m_->rebalance_timer) m_->rebalance_timer->cancel();
  });
  m_->work.reset();
  if (m_->zk) m_->zk->close();
  m_->io.stop();
  m_->thread.join();
}

}  // namespace sluice::cluster::zk
