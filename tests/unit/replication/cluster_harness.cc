// cluster_harness: in-process brokers replicating over loopback, with the test as controller.
#include "cluster_harness.h"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/use_future.hpp>
#include <csignal>
#include <filesystem>
#include <stdexcept>

#include <gtest/gtest.h>

#include "../broker/broker_harness.h"
#include "broker/consumer_offsets_log.h"
#include "broker/partition_manager.h"
#include "broker/settings_from_config.h"
#include "config/topic_config.h"
#include "protocol/generated/create_topics.h"

namespace sluice::broker::test {
namespace asio = boost::asio;

namespace {

std::string temp_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "sluice-repl-test-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

}  // namespace

test_cluster::test_cluster(int n, std::vector<std::pair<std::string, std::string>> overrides) : n_(n) {
  spdlog::set_level(spdlog::level::warn);
  // As broker_main does: a peer that closed its connection must not kill the process (sendfile).
  std::signal(SIGPIPE, SIG_IGN);
  snapshot_.cluster_id = "repl-test";
  snapshot_.controller_id = 1;
  for (int32_t id = 1; id <= n; ++id) {
    auto nd = std::make_unique<node>();
    nd->id = id;
    nd->dir = temp_dir();
    std::vector<std::string> lines{"broker.id=" + std::to_string(id)};
    for (const auto& [k, v] : overrides) lines.push_back(k + "=" + v);
    auto loaded = config::load_broker_config(config::properties{}, lines);
    if (!loaded.ok()) throw std::runtime_error("config: " + loaded.err().message);
    nd->config = std::move(loaded->config);
    start_node(*nd);
    snapshot_.brokers[id] = cluster::broker_node{id, "127.0.0.1", nd->port, std::nullopt};
    nodes_[id] = std::move(nd);
  }
}

test_cluster::~test_cluster() {
  for (auto& [id, n] : nodes_) {
    if (n->up) stop(id);
    std::error_code ec;
    std::filesystem::remove_all(n->dir, ec);
  }
}

void test_cluster::start_node(node& n) {
  broker_settings st;
  st.node_id = n.id;
  st.listen_host = "127.0.0.1";
  st.listen_port = 0;
  st.advertised_host = "127.0.0.1";
  st.advertised_port = 0;
  st.data_dir = n.dir + "/data";
  st.shards = 1;
  st.topics.num_partitions = 1;
  st.topics.default_replication_factor = 1;
  st.topics.auto_create = false;
  st.topics.delete_enabled = true;
  st.resolve_log_config = settings_from_config(n.config)->resolve_log_config;
  st.validate_topic_config =
      [cfg = &n.config](const std::map<std::string, std::string>& configs) -> std::string {
    auto r = config::topic_config::resolve(*cfg, configs);
    return r.ok() ? std::string() : r.err().message;
  };
  n.io = std::make_unique<asio::io_context>();
  n.b = std::make_unique<broker>(*n.io, n.config, std::move(st));
  if (auto r = n.b->start(); !r.ok()) throw std::runtime_error("broker start: " + r.err().message);
  n.port = n.b->port();
  // The replica manager and the ISR path, wired as the broker does in cluster mode.
  auto& state = const_cast<broker_state&>(n.b->state());
  n.replicas = std::make_unique<replica_manager>(state);
  state.replicas = n.replicas.get();
  state.propose_isr = [this](cluster::isr_change c) { propose(c); };
  n.thread = std::thread([io = n.io.get()] {
    auto guard = asio::make_work_guard(*io);
    io->run();
  });
  n.up = true;
}

void test_cluster::stop(int32_t id) {
  auto& n = *nodes_.at(id);
  if (!n.up) return;
  {
    std::lock_guard lk(mu_);
    n.up = false;
    snapshot_.brokers.erase(id);
  }
  on(id, [&n](broker_state& st) {
    n.replicas->close();
    st.replicas = nullptr;
    return 0;
  });
  auto done = asio::co_spawn(*n.io, n.b->shutdown(), asio::use_future);
  EXPECT_TRUE(done.get()) << "broker " << id << " did not shut down cleanly";
  n.io->stop();
  n.thread.join();
  n.replicas.reset();
  n.b.reset();
  n.io.reset();
}

uint16_t test_cluster::port(int32_t id) const { return nodes_.at(id)->port; }
std::string test_cluster::log_dir(int32_t id) const { return nodes_.at(id)->dir + "/data"; }
bool test_cluster::up(int32_t id) const { return nodes_.at(id)->up; }

void test_cluster::create_topic(const std::string& name, int32_t partitions, int32_t leader,
                                std::map<std::string, std::string> configs) {
  for (auto& [id, n] : nodes_) {
    if (!n->up) continue;
    kafka_client c(n->port);
    protocol::create_topics_request req;
    protocol::create_topics_request::topic t;
    t.name = name;
    t.num_partitions = partitions;
    t.replication_factor = -1;
    req.topics.push_back(t);
    // Answered at once: this broker's log exists when it answers (in cluster mode CreateTopics
    // would otherwise wait for the topic's leaders in a snapshot, which the test publishes below).
    req.timeout_ms = 0;
    auto resp = c.call<protocol::create_topics_response>(req, 7);
    ASSERT_EQ(resp.topics.size(), 1u);
    ASSERT_EQ(resp.topics[0].error_code, 0) << resp.topics[0].error_message.value_or("");
  }
  std::lock_guard lk(mu_);
  publish_topic_locked(name, partitions, leader, std::move(configs));
}

void test_cluster::adopt_topic(const std::string& name, int32_t partitions, int32_t leader) {
  std::lock_guard lk(mu_);
  publish_topic_locked(name, partitions, leader, {});
}

// REQUIRES: mu_ held.
void test_cluster::publish_topic_locked(const std::string& name, int32_t partitions, int32_t leader,
                                        std::map<std::string, std::string> configs) {
  cluster::topic_snapshot ts;
  ts.name = name;
  ts.configs = std::move(configs);
  for (int32_t i = 0; i < partitions; ++i) {
    cluster::partition_leadership l;
    for (int32_t id = 1; id <= n_; ++id) l.replicas.push_back(id);
    l.leader = leader;
    l.leader_epoch = 1;
    l.isr = l.replicas;
    l.version = 0;
    ts.partitions.push_back(l);
  }
  snapshot_.topics[name] = std::move(ts);
  publish_locked();
}

void test_cluster::set_leadership(const std::string& topic, int32_t index, int32_t leader, int32_t epoch,
                                  std::vector<int32_t> isr) {
  std::lock_guard lk(mu_);
  auto& l = snapshot_.topics.at(topic).partitions.at(static_cast<size_t>(index));
  l.leader = leader;
  l.leader_epoch = epoch;
  l.isr = std::move(isr);
  ++l.version;
  publish_locked();
}

cluster::partition_leadership test_cluster::leadership(const std::string& topic, int32_t index) {
  std::lock_guard lk(mu_);
  return snapshot_.topics.at(topic).partitions.at(static_cast<size_t>(index));
}

void test_cluster::apply_on(int32_t id, const std::string& topic, int32_t index,
                            cluster::partition_leadership l) {
  on(id, [&](broker_state& st) {
    if (auto* p = st.partitions.find(topic, index)) st.replicas->apply(*p, l);
    return 0;
  });
}

// REQUIRES: mu_ held. Hands the snapshot to every live broker (asynchronously, in order per broker).
void test_cluster::publish_locked() {
  ++snapshot_.version;
  auto snap = std::make_shared<const cluster::cluster_snapshot>(snapshot_);
  for (auto& [id, n] : nodes_) {
    if (!n->up) continue;
    auto* b = n->b.get();
    asio::post(*n->io, [b, snap] {
      auto& st = const_cast<broker_state&>(b->state());
      if (!st.replicas) return;
      st.cluster = snap;
      for (const auto& [name, t] : snap->topics) {
        for (size_t i = 0; i < t.partitions.size(); ++i) {
          if (auto* p = st.partitions.find(name, static_cast<int32_t>(i)))
            st.replicas->apply(*p, t.partitions[i]);
        }
      }
      // As the broker does after the leaderships: the group coordinator follows its partitions.
      if (st.offsets_log) {
        st.offsets_log->bind(st);
        st.offsets_log->on_cluster_snapshot(*snap);
      }
    });
  }
}

void test_cluster::propose(const cluster::isr_change& c) {
  std::lock_guard lk(mu_);
  auto t = snapshot_.topics.find(c.topic);
  if (t == snapshot_.topics.end() || c.partition < 0 ||
      static_cast<size_t>(c.partition) >= t->second.partitions.size()) {
    return;
  }
  auto& l = t->second.partitions[static_cast<size_t>(c.partition)];
  // The store's fencing: the write applies only at the expected version and leader epoch.
  if (l.version != c.expected_version || l.leader_epoch != c.leader_epoch) return;
  l.isr = c.isr;
  ++l.version;
  publish_locked();
}

int64_t test_cluster::log_end(int32_t id, const std::string& topic, int32_t index) {
  return on(id, [&](broker_state& st) -> int64_t {
    auto* p = st.partitions.find(topic, index);
    return p ? p->log->log_end_offset() : -1;
  });
}

int64_t test_cluster::high_watermark(int32_t id, const std::string& topic, int32_t index) {
  return on(id, [&](broker_state& st) -> int64_t {
    auto* p = st.partitions.find(topic, index);
    return p ? p->high_watermark() : -1;
  });
}

bool test_cluster::eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

}  // namespace sluice::broker::test
