// Tests of cluster::zk::zk_cluster_store against a real ZooKeeper (scripts/zookeeper.sh): broker
// registration, controller election and fencing, topics and partition state.
#include "cluster/zk/zk_cluster_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "zk_ensemble.h"

namespace sluice::cluster::zk {
namespace {

using namespace std::chrono_literals;
using sluice::testing::event_queue;
using sluice::testing::zk_ensemble;

// One 1-node ensemble for the suite (500 ms ticks); each test works under its own chroot.
class ZkClusterStoreTest : public ::testing::Test {
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
    chroot_ = "/" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }

  // A session under this test's chroot whose callbacks run on a thread of their own (as a broker's
  // event loop would), so watch handlers may call the session.
  std::unique_ptr<session> open() {
    session_options o;
    o.connect = zk_->connect() + chroot_;
    o.session_timeout = 4000ms;
    o.connect_timeout = 10s;
    o.post = [](std::function<void()> f) { std::thread(std::move(f)).detach(); };
    auto s = session::connect(std::move(o));
    EXPECT_TRUE(s) << (s ? "" : s.err().message);
    return s ? std::move(*s) : nullptr;
  }

  static broker_registration broker(int32_t id, std::optional<std::string> rack = std::nullopt) {
    broker_registration b;
    b.id = id;
    b.endpoints = {{"PLAINTEXT", "127.0.0.1", 9090 + id, "PLAINTEXT"}};
    b.rack = std::move(rack);
    b.timestamp_ms = 1000 + id;
    return b;
  }

  static zk_ensemble* zk_;
  static std::string* start_error_;
  std::string chroot_;
};
zk_ensemble* ZkClusterStoreTest::zk_ = nullptr;
std::string* ZkClusterStoreTest::start_error_ = nullptr;

TEST_F(ZkClusterStoreTest, BrokersRegisterAndADuplicateIdIsRefused) {
  auto s1 = open(), s2 = open(), s3 = open();
  ASSERT_TRUE(s1 && s2 && s3);
  zk_cluster_store a(*s1), b(*s2), c(*s3);
  ASSERT_TRUE(a.ensure_layout());
  ASSERT_TRUE(a.ensure_layout());  // idempotent

  event_queue<watch_event_type> changes;
  auto none = c.live_brokers([&](const watch_event& e) { changes.push(e.type); });
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());

  auto e1 = a.register_broker(broker(1, "r1"));
  ASSERT_TRUE(e1) << e1.err().message;
  EXPECT_TRUE(changes.wait_for(watch_event_type::child, 5s));
  auto e2 = b.register_broker(broker(2));
  ASSERT_TRUE(e2) << e2.err().message;
  EXPECT_GT(*e2, *e1);  // broker epochs are czxids: later registration, larger epoch
  // Registering again from the same session is a no-op success (a retry after connection loss).
  auto again = a.register_broker(broker(1, "r1"));
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *e1);

  auto dup = c.register_broker(broker(1));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.code(), zk_errc::node_exists);
  EXPECT_NE(dup.err().message.find("broker.id 1 is already registered"), std::string::npos)
      << dup.err().message;

  auto live = c.live_brokers();
  ASSERT_TRUE(live);
  EXPECT_EQ(*live, (std::vector<int32_t>{1, 2}));
  auto all = c.get_brokers();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].rack, "r1");
  EXPECT_EQ((*all)[1].endpoints[0].port, 9092);

  // Broker 1's session ends: its node goes, a watcher sees it, and the id is free again.
  ASSERT_TRUE(c.live_brokers([&](const watch_event& e) { changes.push(e.type); }));
  s1->close();
  EXPECT_TRUE(changes.wait_for(watch_event_type::child, 5s));
  EXPECT_EQ(*c.live_brokers(), (std::vector<int32_t>{2}));
  EXPECT_FALSE(c.get_broker(1)->has_value());
  EXPECT_TRUE(c.register_broker(broker(1)));
}

TEST_F(ZkClusterStoreTest, ControllerElectionLoserSeesWinnerAndTakesOverWithTheNextEpoch) {
  auto s1 = open(), s2 = open();
  ASSERT_TRUE(s1 && s2);
  zk_cluster_store a(*s1), b(*s2);
  ASSERT_TRUE(a.ensure_layout());
  EXPECT_FALSE(a.controller()->has_value());
  EXPECT_EQ(a.controller_epoch()->epoch_zk_version, -1);

  // Two contenders at once: exactly one wins.
  zk_result<election_result> ra = zk_error{}, rb = zk_error{};
  std::thread ta([&] { ra = a.try_become_controller(1, 100); });
  std::thread tb([&] { rb = b.try_become_controller(2, 100); });
  ta.join();
  tb.join();
  ASSERT_TRUE(ra) << ra.err().message;
  ASSERT_TRUE(rb) << rb.err().message;
  ASSERT_NE(ra->elected, rb->elected);
  const election_result& won = ra->elected ? *ra : *rb;
  const election_result& lost = ra->elected ? *rb : *ra;
  const int32_t winner = ra->elected ? 1 : 2;
  EXPECT_EQ(won.controller_id, winner);
  EXPECT_EQ(won.fence.epoch, 1);  // /controller_epoch created as 0, incremented by the winner
  EXPECT_EQ(lost.controller_id, winner);
  auto epoch = a.controller_epoch();
  ASSERT_TRUE(epoch);
  EXPECT_EQ(epoch->epoch, 1);
  EXPECT_EQ(epoch->epoch_zk_version, won.fence.epoch_zk_version);

  session& winner_session = ra->elected ? *s1 : *s2;
  zk_cluster_store& loser = ra->elected ? b : a;
  const int32_t loser_id = ra->elected ? 2 : 1;

  // The loser watches /controller; when the winner's session closes it runs again and wins epoch 2.
  event_queue<watch_event_type> ev;
  auto seen = loser.controller([&](const watch_event& e) { ev.push(e.type); });
  ASSERT_TRUE(seen);
  EXPECT_EQ(*seen, winner);
  auto again = loser.try_become_controller(loser_id, 200);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->elected);
  winner_session.close();
  EXPECT_TRUE(ev.wait_for(watch_event_type::deleted, 5s));
  auto takeover = loser.try_become_controller(loser_id, 300);
  ASSERT_TRUE(takeover) << takeover.err().message;
  EXPECT_TRUE(takeover->elected);
  EXPECT_EQ(takeover->controller_id, loser_id);
  EXPECT_EQ(takeover->fence.epoch, 2);
  EXPECT_EQ(takeover->fence.epoch_zk_version, won.fence.epoch_zk_version + 1);
  EXPECT_EQ(*loser.controller(), loser_id);
  // Running again while holding it answers "elected" with the same epoch (no new increment).
  auto held = loser.try_become_controller(loser_id, 400);
  ASSERT_TRUE(held);
  EXPECT_TRUE(held->elected);
  EXPECT_EQ(held->fence.epoch, 2);
}

TEST_F(ZkClusterStoreTest, TopicsAreCreatedOnceWithAssignmentConfigAndId) {
  auto s1 = open();
  ASSERT_TRUE(s1);
  zk_cluster_store st(*s1);
  ASSERT_TRUE(st.ensure_layout());
  auto id1 = st.ensure_cluster_id("cluster-A");
  ASSERT_TRUE(id1);
  EXPECT_EQ(*id1, "cluster-A");
  EXPECT_EQ(*st.ensure_cluster_id("cluster-B"), "cluster-A");  // created once, read thereafter
  EXPECT_EQ(s1->get("/cluster/id")->data, R"({"version":"1","id":"cluster-A"})");

  event_queue<watch_event_type> topics;
  ASSERT_TRUE(st.list_topics([&](const watch_event& e) { topics.push(e.type); }));
  topic_assignment t;
  t.topic_id = random_uuid();
  t.partitions = {{0, {1, 2, 3}}, {1, {2, 3, 1}}};
  ASSERT_TRUE(st.create_topic("orders", t, {{"min.insync.replicas", "2"}}));
  EXPECT_TRUE(topics.wait_for(watch_event_type::child, 5s));
  auto dup = st.create_topic("orders", t, {});
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.code(), zk_errc::node_exists);
  EXPECT_EQ(to_topic_error(dup.err()), topic_error::already_exists);
  EXPECT_EQ(st.get_topic_config("orders")->at("min.insync.replicas"), "2");  // not overwritten

  // A config node left over from an earlier attempt does not block creation.
  ASSERT_TRUE(s1->create("/config/topics/left", encode_topic_config({{"a", "b"}})));
  ASSERT_TRUE(st.create_topic("left", t, {{"c", "d"}}));
  EXPECT_EQ(*st.get_topic_config("left"), (std::map<std::string, std::string>{{"c", "d"}}));

  EXPECT_EQ(*st.list_topics(), (std::vector<std::string>{"left", "orders"}));
  auto got = st.get_topic("orders");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->assignment, t);
  EXPECT_EQ(got->version, 0);
  EXPECT_TRUE(st.get_topic_config("none")->empty());
  EXPECT_EQ(st.get_topic("none").code(), zk_errc::no_node);

  // CreatePartitions: a conditional rewrite; a watcher of the topic sees it.
  event_queue<watch_event_type> changed;
  ASSERT_TRUE(st.get_topic("orders", [&](const watch_event& e) { changed.push(e.type); }));
  topic_assignment more = t;
  more.partitions[2] = {3, 1, 2};
  auto v = st.update_topic("orders", more, got->version);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, 1);
  EXPECT_TRUE(changed.wait_for(watch_event_type::changed, 5s));
  EXPECT_EQ(st.update_topic("orders", t, got->version).code(), zk_errc::bad_version);
  EXPECT_EQ(st.get_topic("orders")->assignment.partitions.size(), 3u);

  // Malformed data in a znode is reported, not trusted.
  ASSERT_TRUE(s1->create("/brokers/topics/bad", "{not json"));
  auto bad = st.get_topic("bad");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.code(), zk_errc::other);
  EXPECT_EQ(bad.err().message.rfind("malformed", 0), 0u) << bad.err().message;
}

TEST_F(ZkClusterStoreTest, StaleControllerCannotUpdatePartitionState) {
  auto s1 = open(), s2 = open();
  ASSERT_TRUE(s1 && s2);
  zk_cluster_store a(*s1), b(*s2);
  ASSERT_TRUE(a.ensure_layout());
  auto first = a.try_become_controller(1, 1);
  ASSERT_TRUE(first && first->elected);
  const controller_fence old_fence = first->fence;
  topic_assignment t;
  t.partitions = {{0, {1, 2}}};
  ASSERT_TRUE(a.create_topic("t", t, {}));
  auto created = a.create_partition_state("t", 0, partition_state{1, 0, {1, 2}, 0, 0}, old_fence);
  ASSERT_TRUE(created) << created.err().message;
  auto st = b.get_partition_state("t", 0);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->version, 0);
  EXPECT_EQ(st->state.controller_epoch, 1);
  EXPECT_EQ(st->state.isr, (std::vector<int32_t>{1, 2}));

  // Controller 1 loses its session; broker 2 becomes controller (epoch 2). Controller 1 comes back
  // with a new session but still holds its old fence: its writes must fail, even with the state's
  // current version.
  s1->close();
  auto second = b.try_become_controller(2, 2);
  ASSERT_TRUE(second && second->elected);
  EXPECT_EQ(second->fence.epoch, 2);
  ASSERT_TRUE(s1->restart());
  auto stale = a.update_partition_state("t", 0, partition_state{1, 1, {1}, 1, 0}, st->version, old_fence);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.code(), zk_errc::bad_version);
  EXPECT_TRUE(controller_fenced(stale.err())) << stale.err().message;
  EXPECT_EQ(a.create_partition_state("t", 1, partition_state{}, old_fence).code(), zk_errc::bad_version);
  EXPECT_EQ(b.get_partition_state("t", 0)->state.leader_epoch, 0);  // untouched

  // The current controller's write succeeds and stamps its epoch.
  auto ok = b.update_partition_state("t", 0, partition_state{2, 1, {2}, 0, 0}, st->version, second->fence);
  ASSERT_TRUE(ok) << ok.err().message;
  EXPECT_EQ(*ok, 1);
  auto now = a.get_partition_state("t", 0);
  ASSERT_TRUE(now);
  EXPECT_EQ(now->state, (partition_state{2, 1, {2}, 2, 0}));
  // A write with an old state version fails on the state, not on the fence.
  auto old = b.update_partition_state("t", 0, partition_state{2, 2, {2}, 0, 0}, st->version, second->fence);
  ASSERT_FALSE(old);
  EXPECT_EQ(old.code(), zk_errc::bad_version);
  EXPECT_FALSE(controller_fenced(old.err()));
  EXPECT_EQ(old.err().failed_op, 1);
}

TEST_F(ZkClusterStoreTest, ConcurrentStateUpdatesWithTheSameVersionHaveOneWinner) {
  auto s0 = open();
  ASSERT_TRUE(s0);
  zk_cluster_store ctl(*s0);
  ASSERT_TRUE(ctl.ensure_layout());
  auto e = ctl.try_become_controller(0, 1);
  ASSERT_TRUE(e && e->elected);
  topic_assignment t;
  t.partitions = {{0, {1, 2, 3}}};
  ASSERT_TRUE(ctl.create_topic("c", t, {}));
  ASSERT_TRUE(ctl.create_partition_state("c", 0, partition_state{1, 0, {1, 2, 3}, 0, 0}, e->fence));

  constexpr int writers = 6;
  std::vector<std::unique_ptr<session>> sessions;
  for (int i = 0; i < writers; ++i) sessions.push_back(open());
  for (int round = 0; round < 3; ++round) {
    auto cur = ctl.get_partition_state("c", 0);
    ASSERT_TRUE(cur);
    std::atomic<int> wins{0}, conflicts{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < writers; ++i) {
      threads.emplace_back([&, i] {
        zk_cluster_store st(*sessions[i]);
        partition_state next = cur->state;
        next.isr = {1, 2 + i};
        // Half fenced as the controller, half unfenced as the leader shrinking the ISR.
        std::optional<controller_fence> fence;
        if (i % 2 == 0) fence = e->fence;
        auto r = st.update_partition_state("c", 0, next, cur->version, fence);
        if (r) {
          ++wins;
        } else if (r.code() == zk_errc::bad_version && !controller_fenced(r.err())) {
          ++conflicts;
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(wins.load(), 1) << "round " << round;
    EXPECT_EQ(conflicts.load(), writers - 1) << "round " << round;
    EXPECT_EQ(ctl.get_partition_state("c", 0)->version, cur->version + 1);
  }
}

}  // namespace
}  // namespace sluice::cluster::zk
