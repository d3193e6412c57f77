// zk_metadata_service against a real ZooKeeper: brokers register and elect a controller, topics
// get placed replicas and partition states, leadership moves when a broker's session ends, a
// leader's ISR change is fenced by the state's version, topics are deleted, controlled shutdown
// moves leaderships away. Several services (brokers) share one ensemble, each under the test's
// chroot.
#include "cluster/zk/zk_metadata_service.h"

#include <gtest/gtest.h>

#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "zk_ensemble.h"

namespace sluice::cluster::zk {
namespace {

using namespace std::chrono_literals;
using sluice::testing::zk_ensemble;

class ZkMetadataServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!sluice::testing::zookeeper_missing().empty()) return;
    std::string why;
    zk_ = zk_ensemble::start(1, 500, &why).release();
    if (zk_ == nullptr) start_error_ = new std::string(why);
  }
  static void TearDownTestSuite() {
    delete zk_;
    zk_ = nullptr;
  }

  void SetUp() override {
    if (auto why = sluice::testing::zookeeper_missing(); !why.empty())
      GTEST_SKIP() << "no ZooKeeper: " << why;
    ASSERT_NE(zk_, nullptr) << (start_error_ ? *start_error_ : "");
    static int n = 0;
    chroot_ = "/svc-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
  }

  std::unique_ptr<zk_metadata_service> broker(int32_t id, std::optional<std::string> rack = std::nullopt,
                                              bool register_now = true) {
    metadata_service_options o;
    o.connect = zk_->connect() + chroot_;
    o.session_timeout = 4000ms;
    o.connect_timeout = 10s;
    o.broker_id = id;
    o.host = "127.0.0.1";
    o.port = 9000 + id;
    o.rack = std::move(rack);
    o.proposed_cluster_id = "cluster-" + std::to_string(id);
    o.auto_leader_rebalance = false;
    auto s = zk_metadata_service::start(std::move(o));
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.err().message);
    if (!s.ok()) return nullptr;
    if (register_now) {
      auto r = (*s)->register_broker();
      EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.err().message);
    }
    return std::move(s).value();
  }

  // Polls `svc`'s snapshot until `pred` holds (bounded).
  static bool eventually(const zk_metadata_service& svc,
                         const std::function<bool(const cluster_snapshot&)>& pred,
                         std::chrono::milliseconds limit = 15s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred(*svc.snapshot())) return true;
      std::this_thread::sleep_for(20ms);
    }
    return pred(*svc.snapshot());
  }

  static bool all_led(const cluster_snapshot& s, const std::string& topic, size_t partitions) {
    const auto* t = s.topic(topic);
    if (!t || t->partitions.size() != partitions) return false;
    for (const auto& p : t->partitions) {
      if (p.leader < 0 || p.version < 0) return false;
    }
    return true;
  }

  static zk_ensemble* zk_;
  static std::string* start_error_;
  std::string chroot_;
};
zk_ensemble* ZkMetadataServiceTest::zk_ = nullptr;
std::string* ZkMetadataServiceTest::start_error_ = nullptr;

TEST_F(ZkMetadataServiceTest, BrokersShareOneClusterIdAndElectOneController) {
  auto a = broker(1), b = broker(2), c = broker(3);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->cluster_id(), "cluster-1");  // the first broker's proposal wins
  EXPECT_EQ(b->cluster_id(), "cluster-1");
  for (auto* s : {a.get(), b.get(), c.get()}) {
    ASSERT_TRUE(eventually(
        *s, [](const cluster_snapshot& x) { return x.brokers.size() == 3 && x.controller_id > 0; }));
  }
  const int32_t controller = a->snapshot()->controller_id;
  EXPECT_EQ(b->snapshot()->controller_id, controller);
  EXPECT_EQ(c->snapshot()->controller_id, controller);
  const auto* n2 = a->snapshot()->broker(2);
  ASSERT_NE(n2, nullptr);
  EXPECT_EQ(n2->host, "127.0.0.1");
  EXPECT_EQ(n2->port, 9002);
}

TEST_F(ZkMetadataServiceTest, CreatedTopicGetsPlacedReplicasAndLeadersOnEveryBroker) {
  auto a = broker(1), b = broker(2), c = broker(3);
  ASSERT_TRUE(a && b && c);
  ASSERT_TRUE(eventually(*a, [](const cluster_snapshot& x) { return x.brokers.size() == 3; }));
  auto r = b->create_topic("orders", 6, 3, {{"retention.ms", "1000"}}, false);
  ASSERT_TRUE(r.ok()) << r.message;
  for (auto* s : {a.get(), b.get(), c.get()}) {
    ASSERT_TRUE(eventually(*s, [](const cluster_snapshot& x) { return all_led(x, "orders", 6); }));
  }
  auto snap = c->snapshot();
  const auto* t = snap->topic("orders");
  EXPECT_FALSE(is_zero(t->id));
  EXPECT_EQ(t->configs.at("retention.ms"), "1000");
  std::map<int32_t, int> leaders;
  for (const auto& p : t->partitions) {
    EXPECT_EQ(p.replicas.size(), 3u);
    EXPECT_EQ(p.isr.size(), 3u);
    EXPECT_EQ(p.leader, p.replicas.front());
    ++leaders[p.leader];
  }
  EXPECT_EQ(leaders.size(), 3u);  // leaders spread over the brokers
  // Already exists; replication factor above the live brokers; validate_only writes nothing.
  EXPECT_EQ(a->create_topic("orders", 1, 1, {}, false).code, topic_error::already_exists);
  EXPECT_EQ(a->create_topic("big", 1, 4, {}, false).code, topic_error::invalid_replication_factor);
  EXPECT_TRUE(a->create_topic("dry", 2, 2, {}, true).ok());
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(a->snapshot()->topic("dry"), nullptr);
}

TEST_F(ZkMetadataServiceTest, RackAwarePlacementPutsReplicasOnDistinctRacks) {
  auto a = broker(1, "r1"), b = broker(2, "r2"), c = broker(3, "r3"), d = broker(4, "r1"),
       e = broker(5, "r2"), f = broker(6, "r3");
  ASSERT_TRUE(eventually(*a, [](const cluster_snapshot& x) { return x.brokers.size() == 6; }));
  ASSERT_TRUE(a->create_topic("racked", 12, 3, {}, false).ok());
  ASSERT_TRUE(eventually(*a, [](const cluster_snapshot& x) { return all_led(x, "racked", 12); }));
  auto snap = a->snapshot();
  for (const auto& p : snap->topic("racked")->partitions) {
    std::set<std::string> racks;
    for (int32_t r : p.replicas) racks.insert(*snap->broker(r)->rack);
    EXPECT_EQ(racks.size(), 3u);
  }
}

TEST_F(ZkMetadataServiceTest, LeadershipMovesToAnInSyncReplicaWhenTheLeaderGoes) {
  std::map<int32_t, std::unique_ptr<zk_metadata_service>> b;
  for (int32_t id : {1, 2, 3}) b[id] = broker(id);
  ASSERT_TRUE(eventually(*b[1], [](const cluster_snapshot& x) { return x.brokers.size() == 3; }));
  ASSERT_TRUE(b[1]->create_topic("t", 3, 3, {}, false).ok());
  ASSERT_TRUE(eventually(*b[1], [](const cluster_snapshot& x) { return all_led(x, "t", 3); }));
  const auto before = b[1]->snapshot()->topic("t")->partitions;
  // Stop the controller's broker too when it leads partition 0: election and failover together.
  const int32_t victim = before[0].leader;
  b[victim]->stop();
  b.erase(victim);
  auto& witness = *b.begin()->second;
  ASSERT_TRUE(eventually(witness, [&](const cluster_snapshot& x) {
    const auto* t = x.topic("t");
    if (!t || x.broker(victim) || x.controller_id < 0 || x.controller_id == victim) return false;
    for (const auto& p : t->partitions) {
      if (p.leader < 0 || p.leader == victim || p.in_isr(victim)) return false;
    }
    return true;
  }));
  auto after = witness.snapshot()->topic("t")->partitions;
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].isr.size(), 2u);
    if (before[i].leader == victim) {
      EXPECT_EQ(after[i].leader_epoch, before[i].leader_epoch + 1);
    } else {
      EXPECT_EQ(after[i].leader, before[i].leader);
      EXPECT_EQ(after[i].leader_epoch, before[i].leader_epoch);
    }
  }
}

TEST_F(ZkMetadataServiceTest, LeaderIsrChangeIsAppliedOnlyAtTheVersionItSaw) {
  auto a = broker(1), b = broker(2);
  ASSERT_TRUE(eventually(*a, [](const cluster_snapshot& x) { return x.brokers.size() == 2; }));
  ASSERT_TRUE(a->create_topic("isr", 1, 2, {}, false).ok());
  ASSERT_TRUE(eventually(*a, [](const cluster_snapshot& x) { return all_led(x, "isr", 1); }));
  const auto p = *a->snapshot()->partition("isr", 0);
  auto& leader = p.leader == 1 ? *a : *b;
  auto& follower = p.leader == 1 ? *b : *a;
  // Not the leader: ignored.
  follower.propose_isr({"isr", 0, p.leader_epoch, {follower.broker_id()}, p.version});
  // Stale version: ignored.
  leader.propose_isr({"isr", 0, p.leader_epoch, {leader.broker_id()}, p.version + 7});
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(a->snapshot()->partition("isr", 0)->isr.size(), 2u);
  // The leader's shrink at the current version applies, keeping the epoch.
  leader.propose_isr({"isr", 0, p.leader_epoch, {leader.broker_id()}, p.version});
  ASSERT_TRUE(eventually(follower,
                         [&](const cluster_snapshot& x) { return x.partition("isr", 0)->isr.size() == 1; }));
  const auto shrunk = *follower.snapshot()->partition("isr", 0);
  EXPECT_EQ(shrunk.leader, leader.broker_id());
  EXPECT_EQ(shrunk.leader_epoch, p.leader_epoch);
  EXPECT_GT(shrunk.version, p.version);
  // And grows back.
  leader.propose_isr({"isr", 0, p.leader_epoch, {leader.broker_id(), follower.broker_id()}, shrunk.version});
  ASSERT_TRUE(eventually(follower,
                         [&](const cluster_snapshot& x) { return x.partition("isr", 0)->isr.size() == 2; }));
}

TEST_F(ZkMetadataServiceTest, DeletedTopicLeavesEverySnapshot) {
  auto a = broker(1), b = broker(2);
  ASSERT_TRUE(eventually(*a, [](const cluster_snapshot& x) { return x.brokers.size() == 2; }));
  ASSERT_TRUE(a->create_topic("gone", 2, 2, {}, false).ok());
  ASSERT_TRUE(eventually(*b, [](const cluster_snapshot& x) { return all_led(x, "gone", 2); }));
  ASSERT_TRUE(b->delete_topic("gone").ok());
  for (auto* s : {a.get(), b.get()}) {
    ASSERT_TRUE(eventually(*s, [](const cluster_snapshot& x) { return x.topic("gone") == nullptr; }));
  }
  EXPECT_EQ(a->delete_topic("gone").code, topic_error::not_found);
  // The name can be used again, with a new id.
  ASSERT_TRUE(a->create_topic("gone", 1, 1, {}, false).ok());
  ASSERT_TRUE(eventually(*b, [](const cluster_snapshot& x) { return all_led(x, "gone", 1); }));
}

TEST_F(ZkMetadataServiceTest, AddedPartitionsAndConfigChangesReachEveryBroker) {
  auto a = broker(1), b = broker(2);
  ASSERT_TRUE(eventually(*a, [](const cluster_snapshot& x) { return x.brokers.size() == 2; }));
  ASSERT_TRUE(a->create_topic("grow", 2, 2, {}, false).ok());
  ASSERT_TRUE(eventually(*b, [](const cluster_snapshot& x) { return all_led(x, "grow", 2); }));
  EXPECT_EQ(a->add_partitions("grow", 2, false).code, topic_error::invalid_partitions);
  ASSERT_TRUE(a->add_partitions("grow", 5, false).ok());
  ASSERT_TRUE(eventually(*b, [](const cluster_snapshot& x) { return all_led(x, "grow", 5); }));
  ASSERT_TRUE(b->set_topic_configs("grow", {{"cleanup.policy", "compact"}}).ok());
  ASSERT_TRUE(eventually(*a, [](const cluster_snapshot& x) {
    const auto* t = x.topic("grow");
    return t && t->configs.count("cleanup.policy") && t->configs.at("cleanup.policy") == "compact";
  }));
}

TEST_F(ZkMetadataServiceTest, ControlledShutdownMovesLeadershipsAway) {
  auto a = broker(1), b = broker(2), c = broker(3);
  ASSERT_TRUE(eventually(*a, [](const cluster_snapshot& x) { return x.brokers.size() == 3; }));
  ASSERT_TRUE(a->create_topic("cs", 6, 3, {}, false).ok());
  ASSERT_TRUE(eventually(*a, [](const cluster_snapshot& x) { return all_led(x, "cs", 6); }));
  ASSERT_TRUE(b->controlled_shutdown(10s));
  ASSERT_TRUE(eventually(*c, [](const cluster_snapshot& x) {
    for (const auto& p : x.topic("cs")->partitions) {
      if (p.leader == 2 || p.in_isr(2) || p.leader < 0) return false;
    }
    return true;
  }));
  // Still registered until it stops.
  EXPECT_NE(c->snapshot()->broker(2), nullptr);
}

TEST_F(ZkMetadataServiceTest, PartitionsWaitOfflineForTheirLastLeader) {
  auto a = broker(1), b = broker(2);
  ASSERT_TRUE(eventually(*a, [](const cluster_snapshot& x) { return x.brokers.size() == 2; }));
  ASSERT_TRUE(a->create_topic("solo", 1, 2, {}, false).ok());
  ASSERT_TRUE(eventually(*a, [](const cluster_snapshot& x) { return all_led(x, "solo", 1); }));
  auto p = *a->snapshot()->partition("solo", 0);
  auto& leader = p.leader == 1 ? a : b;
  auto& other = p.leader == 1 ? b : a;
  const int32_t leader_id = leader->broker_id();
  const int32_t other_id = other->broker_id();
  // The leader drops the follower from the ISR, then dies: the follower must not lead (unclean).
  leader->propose_isr({"solo", 0, p.leader_epoch, {leader_id}, p.version});
  ASSERT_TRUE(
      eventually(*other, [](const cluster_snapshot& x) { return x.partition("solo", 0)->isr.size() == 1; }));
  leader->stop();
  ASSERT_TRUE(eventually(*other, [&](const cluster_snapshot& x) {
    const auto* q = x.partition("solo", 0);
    return !x.broker(leader_id) && q->leader == -1;
  }));
  EXPECT_EQ(other->snapshot()->partition("solo", 0)->isr, std::vector<int32_t>{leader_id});
  (void)other_id;
  // The old leader comes back (a new session) and leads again.
  leader = broker(leader_id);
  ASSERT_TRUE(eventually(
      *other, [&](const cluster_snapshot& x) { return x.partition("solo", 0)->leader == leader_id; }));
}

}  // namespace
}  // namespace sluice::cluster::zk

namespace sluice::cluster::zk {
namespace {

TEST_F(ZkMetadataServiceTest, ProducerIdBlocksAreDisjointAcrossBrokers) {
  auto a = broker(1), b = broker(2);
  ASSERT_TRUE(a && b);
  std::set<int64_t> starts;
  std::vector<std::thread> threads;
  std::mutex mu;
  for (auto* s : {a.get(), b.get()}) {
    threads.emplace_back([&, s] {
      for (int i = 0; i < 10; ++i) {
        auto r = s->allocate_producer_id_block(1000);
        ASSERT_TRUE(r.ok()) << r.err().message;
        std::lock_guard lk(mu);
        EXPECT_TRUE(starts.insert(*r).second) << "block " << *r << " handed out twice";
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(starts.size(), 20u);
  int64_t expect = 0;
  for (int64_t s : starts) {
    EXPECT_EQ(s, expect);
    expect += 1000;
  }
}

}  // namespace
}  // namespace sluice::cluster::zk

namespace sluice::cluster::zk {
namespace {

TEST_F(ZkMetadataServiceTest, ReassignmentMovesReplicasOnceTheTargetIsInSync) {
  auto a = broker(1), b = broker(2), c = broker(3);
  ASSERT_TRUE(eventually(*a, [](const cluster_snapshot& x) { return x.brokers.size() == 3; }));
  ASSERT_TRUE(a->create_topic_with_assignment("mv", {{0, {1, 2}}}, {}, false).ok());
  ASSERT_TRUE(eventually(*a, [](const cluster_snapshot& x) { return all_led(x, "mv", 1); }));
  EXPECT_EQ(b->reassign("mv", 0, std::nullopt).code, topic_error::no_reassignment);
  EXPECT_EQ(b->reassign("mv", 0, std::vector<int32_t>{2, 2}).code, topic_error::invalid_replica_assignment);
  EXPECT_EQ(b->reassign("mv", 0, std::vector<int32_t>{2, 9}).code, topic_error::invalid_replica_assignment);
  EXPECT_EQ(b->reassign("mv", 5, std::vector<int32_t>{2, 3}).code, topic_error::not_found);

  ASSERT_TRUE(b->reassign("mv", 0, std::vector<int32_t>{2, 3}).ok());
  // In progress: both old and new replicas, 3 adding, 1 removing.
  ASSERT_TRUE(eventually(*c, [](const cluster_snapshot& x) {
    const auto* p = x.partition("mv", 0);
    return p && p->adding == std::vector<int32_t>{3} && p->removing == std::vector<int32_t>{1};
  }));
  EXPECT_EQ(c->snapshot()->partition("mv", 0)->replicas, (std::vector<int32_t>{2, 3, 1}));
  // Replica 3 is not in the ISR: the move waits. Its leader (here the test) adds it to the ISR,
  // as a leader does when the new replica has caught up.
  auto p = *a->snapshot()->partition("mv", 0);
  auto& leader = p.leader == 1 ? a : b;
  leader->propose_isr({"mv", 0, p.leader_epoch, {1, 2, 3}, p.version});
  ASSERT_TRUE(eventually(*c, [](const cluster_snapshot& x) {
    const auto* q = x.partition("mv", 0);
    return q && q->adding.empty() && q->removing.empty() && q->replicas == std::vector<int32_t>{2, 3} &&
           !q->in_isr(1) && (q->leader == 2 || q->leader == 3);
  }));
}

TEST_F(ZkMetadataServiceTest, CancelledReassignmentRestoresTheOriginalReplicas) {
  auto a = broker(1), b = broker(2), c = broker(3);
  ASSERT_TRUE(eventually(*a, [](const cluster_snapshot& x) { return x.brokers.size() == 3; }));
  ASSERT_TRUE(a->create_topic_with_assignment("cx", {{0, {1, 2}}}, {}, false).ok());
  ASSERT_TRUE(eventually(*a, [](const cluster_snapshot& x) { return all_led(x, "cx", 1); }));
  ASSERT_TRUE(a->reassign("cx", 0, std::vector<int32_t>{3, 2}).ok());
  ASSERT_TRUE(
      eventually(*a, [](const cluster_snapshot& x) { return !x.partition("cx", 0)->adding.empty(); }));
  ASSERT_TRUE(a->reassign("cx", 0, std::nullopt).ok());
  ASSERT_TRUE(eventually(*b, [](const cluster_snapshot& x) {
    const auto* q = x.partition("cx", 0);
    auto r = q->replicas;
    std::sort(r.begin(), r.end());  // Kafka's origin replicas: the union minus adding (order may change)
    return q->adding.empty() && q->removing.empty() && r == std::vector<int32_t>{1, 2};
  }));
}

}  // namespace
}  // namespace sluice::cluster::zk
