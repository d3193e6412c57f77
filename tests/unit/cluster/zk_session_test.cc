// Tests of cluster::zk::session against a real ZooKeeper started by scripts/zookeeper.sh (no mocks).
#include "cluster/zk/zk_session.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "zk_ensemble.h"

namespace sluice::cluster::zk {
namespace {

using namespace std::chrono_literals;
using sluice::testing::event_queue;
using sluice::testing::zk_ensemble;

class ZkSessionTest : public ::testing::Test {
 protected:
  // A 1-node ensemble with a 500 ms tick, so sessions may be as short as 1 s.
  void SetUp() override { start(1, 500); }

  void start(int nodes, int tick_ms) {
    if (auto why = sluice::testing::zookeeper_missing(); !why.empty())
      GTEST_SKIP() << "no ZooKeeper: " << why;
    std::string why;
    zk_ = zk_ensemble::start(nodes, tick_ms, &why);
    ASSERT_TRUE(zk_) << why;
  }

  std::unique_ptr<session> open(std::string suffix = "", std::chrono::milliseconds timeout = 6000ms,
                                std::function<void(session_event)> on_event = {}, post_fn post = {}) {
    session_options o;
    o.connect = zk_->connect() + suffix;
    o.session_timeout = timeout;
    o.connect_timeout = 10s;
    o.on_session_event = std::move(on_event);
    o.post = std::move(post);
    auto s = session::connect(std::move(o));
    EXPECT_TRUE(s) << (s ? "" : s.err().message);
    return s ? std::move(*s) : nullptr;
  }

  void TearDown() override { zk_.reset(); }

  std::unique_ptr<zk_ensemble> zk_;
};

TEST_F(ZkSessionTest, CreateGetSetRemoveFollowVersions) {
  auto s = open();
  ASSERT_TRUE(s);
  EXPECT_NE(s->session_id(), 0);
  ASSERT_TRUE(s->create("/a", "v0"));
  auto g = s->get("/a");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->data, "v0");
  EXPECT_EQ(g->stat.version, 0);
  EXPECT_EQ(g->stat.ephemeral_owner, 0);

  auto st = s->set("/a", "v1", 0);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->version, 1);
  auto again = s->set("/a", "v2", 0);  // version 0 is gone
  ASSERT_FALSE(again);
  EXPECT_EQ(again.code(), zk_errc::bad_version);
  EXPECT_EQ(s->get("/a")->data, "v1");
  ASSERT_TRUE(s->set("/a", "v2", any_version));
  EXPECT_EQ(s->get("/a")->stat.version, 2);

  EXPECT_EQ(s->create("/a", "").code(), zk_errc::node_exists);
  EXPECT_EQ(s->create("/missing/child", "").code(), zk_errc::no_node);
  EXPECT_EQ(s->get("/missing").code(), zk_errc::no_node);
  EXPECT_EQ(s->set("/missing", "", any_version).code(), zk_errc::no_node);
  EXPECT_EQ(s->create("relative", "").code(), zk_errc::invalid_argument);

  auto deep = s->create("/p/q/r", "leaf", create_options{.make_parents = true});
  ASSERT_TRUE(deep) << deep.err().message;
  EXPECT_EQ(*deep, "/p/q/r");
  EXPECT_EQ(s->get("/p/q/r")->data, "leaf");
  EXPECT_EQ(s->remove("/p/q", any_version).code(), zk_errc::not_empty);
  EXPECT_EQ(s->remove("/p/q/r", 7).code(), zk_errc::bad_version);
  ASSERT_TRUE(s->remove("/p/q/r", 0));
  EXPECT_EQ(s->get("/p/q/r").code(), zk_errc::no_node);
  EXPECT_EQ(s->remove("/p/q/r", any_version).code(), zk_errc::no_node);

  auto ex = s->exists("/p/q");
  ASSERT_TRUE(ex);
  ASSERT_TRUE(ex->has_value());
  EXPECT_EQ((*ex)->num_children, 0);
  auto none = s->exists("/nope");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(s->create("/binary", std::string("\0\x01\xff", 3)));
  EXPECT_EQ(s->get("/binary")->data, std::string("\0\x01\xff", 3));
}

TEST_F(ZkSessionTest, StaleWriterGetsBadVersion) {
  auto a = open();
  auto b = open();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->create("/state", R"({"leader":1,"leader_epoch":0})"));
  int32_t seen_by_a = a->get("/state")->stat.version;
  int32_t seen_by_b = b->get("/state")->stat.version;
  ASSERT_TRUE(b->set("/state", R"({"leader":2,"leader_epoch":1})", seen_by_b));
  auto stale = a->set("/state", R"({"leader":1,"leader_epoch":1})", seen_by_a);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.code(), zk_errc::bad_version);
  EXPECT_EQ(stale.err().zk_rc, -103);
  EXPECT_EQ(a->get("/state")->data, R"({"leader":2,"leader_epoch":1})");
  EXPECT_EQ(to_error(stale.err()).code, errc::io_error);
}

TEST_F(ZkSessionTest, EphemeralNodeGoesWithItsSessionAndAWatcherSeesIt) {
  auto broker = open();
  auto observer = open();
  ASSERT_TRUE(broker && observer);
  ASSERT_TRUE(broker->create("/brokers/ids/1", R"({"host":"127.0.0.1","port":9092})",
                             create_options{.ephemeral = true, .make_parents = true}));

  event_queue<std::string> events;
  auto ex = observer->exists("/brokers/ids/1", [&](const watch_event& e) {
    events.push(std::string("exists:") + (e.type == watch_event_type::deleted ? "deleted" : "other") + ":" +
                e.path);
  });
  ASSERT_TRUE(ex);
  ASSERT_TRUE(ex->has_value());
  EXPECT_EQ((*ex)->ephemeral_owner, broker->session_id());
  auto kids = observer->children("/brokers/ids", [&](const watch_event& e) {
    events.push(std::string("children:") + (e.type == watch_event_type::child ? "child" : "other") + ":" +
                e.path);
  });
  ASSERT_TRUE(kids);
  EXPECT_EQ(*kids, std::vector<std::string>{"1"});
  EXPECT_EQ(broker->create("/brokers/ids/1/x", "").code(), zk_errc::no_children_for_ephemerals);

  broker->close();
  EXPECT_EQ(broker->get("/brokers/ids/1").code(), zk_errc::not_connected);
  std::vector<std::string> got;
  for (int i = 0; i < 2; ++i) {
    auto e = events.pop(10s);
    ASSERT_TRUE(e) << "watch not delivered";
    got.push_back(*e);
  }
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"children:child:/brokers/ids", "exists:deleted:/brokers/ids/1"}));
  EXPECT_FALSE(observer->exists("/brokers/ids/1")->has_value());
  EXPECT_TRUE(observer->children("/brokers/ids")->empty());
  EXPECT_FALSE(events.pop(300ms)) << "one-shot watches fired twice";
}

TEST_F(ZkSessionTest, WatchFiresOnceForTheNextChangeAndExistsWatchesCreation) {
  auto s = open();
  ASSERT_TRUE(s);
  event_queue<watch_event_type> events;
  auto push = [&](const watch_event& e) { events.push(e.type); };
  auto none = s->exists("/later", push);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(s->create("/later", "1"));
  EXPECT_EQ(events.pop(5s), watch_event_type::created);

  ASSERT_TRUE(s->get("/later", push));
  ASSERT_TRUE(s->set("/later", "2", any_version));
  ASSERT_TRUE(s->set("/later", "3", any_version));
  EXPECT_EQ(events.pop(5s), watch_event_type::changed);
  EXPECT_FALSE(events.pop(300ms));
  EXPECT_EQ(s->get("/missing", push).code(), zk_errc::no_node);  // leaves no watch behind
}

TEST_F(ZkSessionTest, SequentialNodesAreNumberedInCreationOrder) {
  auto s = open();
  ASSERT_TRUE(s);
  std::vector<std::string> made;
  for (int i = 0; i < 5; ++i) {
    auto p = s->create("/queue/item-", std::to_string(i),
                       create_options{.sequential = true, .make_parents = true});
    ASSERT_TRUE(p) << p.err().message;
    made.push_back(*p);
  }
  for (size_t i = 0; i < made.size(); ++i) {
    ASSERT_EQ(made[i].size(), std::string("/queue/item-").size() + 10) << made[i];
    EXPECT_EQ(made[i], "/queue/item-" + std::string(9, '0') + std::to_string(i));
    if (i > 0) {
      EXPECT_LT(made[i - 1], made[i]);
    }
  }
  auto kids = s->children("/queue");
  ASSERT_TRUE(kids);
  std::sort(kids->begin(), kids->end());
  ASSERT_EQ(kids->size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ("/queue/" + (*kids)[i], made[i]);
  auto eph = s->create("/queue/e-", "", create_options{.ephemeral = true, .sequential = true});
  ASSERT_TRUE(eph);
  EXPECT_EQ(*eph, "/queue/e-0000000005");  // the counter is per parent, shared by all children
}

TEST_F(ZkSessionTest, MultiWithAFailingCheckAppliesNothing) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->create("/controller_epoch", "1"));
  ASSERT_TRUE(s->create("/t", "old"));

  auto stale =
      s->multi({op::check("/controller_epoch", 5), op::set("/t", "new", 0), op::create("/t/p", "x")});
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.code(), zk_errc::bad_version);
  EXPECT_EQ(stale.err().failed_op, 0);
  EXPECT_EQ(s->get("/t")->data, "old");
  EXPECT_EQ(s->get("/t")->stat.version, 0);
  EXPECT_FALSE(s->exists("/t/p")->has_value());

  // A failure in the last op rolls back the ones before it.
  ASSERT_TRUE(s->create("/t/dup", ""));
  auto late =
      s->multi({op::check("/controller_epoch", 0), op::set("/t", "new", 0), op::create("/t/dup", "")});
  ASSERT_FALSE(late);
  EXPECT_EQ(late.code(), zk_errc::node_exists);
  EXPECT_EQ(late.err().failed_op, 2);
  EXPECT_EQ(s->get("/t")->data, "old");

  auto ok = s->multi({op::check("/controller_epoch", 0), op::set("/t", "new", 0),
                      op::create("/t/s-", "x", create_options{.sequential = true}), op::remove("/t/dup", 0)});
  ASSERT_TRUE(ok) << ok.err().message;
  ASSERT_EQ(ok->size(), 4u);
  EXPECT_EQ((*ok)[1].stat.version, 1);
  EXPECT_EQ((*ok)[2].created_path.rfind("/t/s-", 0), 0u);
  EXPECT_EQ((*ok)[2].created_path.size(), std::string("/t/s-").size() + 10);
  EXPECT_EQ(s->get("/t")->data, "new");
  EXPECT_FALSE(s->exists("/t/dup")->has_value());
}

TEST_F(ZkSessionTest, ChrootIsCreatedOnRequestAndPathsAreRelativeToIt) {
  auto plain = open();
  ASSERT_TRUE(plain);
  {
    session_options o;
    o.connect = zk_->connect() + "/absent";
    o.create_chroot = false;
    o.connect_timeout = 10s;
    auto s = session::connect(std::move(o));
    ASSERT_TRUE(s);  // ZooKeeper accepts a missing chroot; operations under it fail
    EXPECT_EQ((*s)->create("/brokers", "").code(), zk_errc::no_node);
  }
  auto rooted = open("/sluice/cluster-a");
  ASSERT_TRUE(rooted);
  EXPECT_EQ(rooted->chroot(), "/sluice/cluster-a");
  auto made = rooted->create("/cluster/id", "abc", create_options{.make_parents = true});
  ASSERT_TRUE(made) << made.err().message;
  EXPECT_EQ(*made, "/cluster/id");
  EXPECT_EQ(plain->get("/sluice/cluster-a/cluster/id")->data, "abc");
  auto kids = rooted->children("/");
  ASSERT_TRUE(kids);
  EXPECT_EQ(*kids, std::vector<std::string>{"cluster"});
  auto again = open("/sluice/cluster-a");  // an existing chroot is fine
  ASSERT_TRUE(again);
  EXPECT_EQ(again->get("/cluster/id")->data, "abc");
}

// The broker's pattern: callbacks are posted to its own loop (here: a thread draining a queue).
TEST_F(ZkSessionTest, CallbacksRunWherePostSendsThem) {
  event_queue<std::function<void()>> loop;
  std::atomic<bool> stop{false};
  std::thread::id loop_id;
  std::thread loop_thread([&] {
    loop_id = std::this_thread::get_id();
    while (!stop) {
      if (auto fn = loop.pop(50ms)) (*fn)();
    }
  });
  event_queue<std::string> seen;
  std::unique_ptr<session> s;
  s = open(
      "", 6000ms, [&](session_event e) { seen.push(std::string("session:") + to_string(e)); },
      [&](std::function<void()> fn) { loop.push(std::move(fn)); });
  ASSERT_TRUE(s);
  EXPECT_TRUE(seen.wait_for("session:connected", 5s));
  ASSERT_TRUE(s->create("/x", "0"));
  ASSERT_TRUE(s->get("/x", [&](const watch_event&) {
    // On the loop thread, calls into the session are allowed.
    auto r = s->get("/x");
    seen.push(std::this_thread::get_id() == loop_id && r && r->data == "1" ? "watch:on-loop" : "watch:wrong");
  }));
  ASSERT_TRUE(s->set("/x", "1", 0));
  EXPECT_TRUE(seen.wait_for("watch:on-loop", 5s));
  s.reset();
  stop = true;
  loop_thread.join();
}

TEST_F(ZkSessionTest, InlineCallbacksMayNotCallTheSession) {
  event_queue<zk_errc> seen;
  session* raw = nullptr;
  auto s = open();
  ASSERT_TRUE(s);
  raw = s.get();
  ASSERT_TRUE(s->create("/y", ""));
  ASSERT_TRUE(s->exists("/y", [&](const watch_event&) {
    auto r = raw->get("/y");  // would deadlock the C client's completion thread
    seen.push(r ? zk_errc::other : r.code());
  }));
  ASSERT_TRUE(s->set("/y", "1", any_version));
  EXPECT_EQ(seen.pop(5s), zk_errc::invalid_argument);
}

// The session is expired by the server while the client cannot reach it: the server process is
// stopped (SIGSTOP) for longer than the session timeout, then continued. On resume the server's
// session tracker expires the session; a reconnect that wins that race keeps the session alive, so
// the cycle is repeated (at most 3 times, each bounded).
TEST_F(ZkSessionTest, SessionExpiryIsReportedAndANewSessionWorks) {
  event_queue<session_event> events;
  auto s = open("", 2000ms, [&](session_event e) { events.push(e); });
  ASSERT_TRUE(s);
  ASSERT_TRUE(events.wait_for(session_event::connected, 5s));
  EXPECT_EQ(s->negotiated_timeout(), 2000ms);
  const int64_t first_id = s->session_id();
  ASSERT_TRUE(s->create("/brokers/ids/7", "me", create_options{.ephemeral = true, .make_parents = true}));

  bool expired = false;
  int attempts = 0;
  for (; attempts < 3 && !expired; ++attempts) {
    const int attempt = attempts;
    zk_->signal(1, SIGSTOP);
    EXPECT_TRUE(events.wait_for(session_event::disconnected, 5s)) << "attempt " << attempt;
    std::this_thread::sleep_for(3s);  // > session timeout since the last ping was answered
    zk_->signal(1, SIGCONT);
    auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto e = events.pop(500ms);
      if (e == session_event::expired) {
        expired = true;
        break;
      }
      if (e == session_event::connected) break;  // the reconnect won: try again
    }
  }
  RecordProperty("stop_cycles", attempts);
  ASSERT_TRUE(expired) << "session never reported expired";
  EXPECT_TRUE(s->expired());
  EXPECT_FALSE(s->connected());
  EXPECT_EQ(s->get("/brokers/ids/7").code(), zk_errc::session_expired);

  auto r = s->restart();
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_TRUE(events.wait_for(session_event::connected, 5s));
  EXPECT_TRUE(s->connected());
  EXPECT_FALSE(s->expired());
  EXPECT_NE(s->session_id(), first_id);
  auto gone = s->exists("/brokers/ids/7");
  ASSERT_TRUE(gone);
  EXPECT_FALSE(gone->has_value()) << "the expired session's ephemeral node survived";
  ASSERT_TRUE(s->create("/brokers/ids/7", "me again", create_options{.ephemeral = true}));
  EXPECT_EQ((*s->exists("/brokers/ids/7"))->ephemeral_owner, s->session_id());
}

TEST(ZkSessionNoServerTest, ConnectFailsWithinItsBound) {
  session_options o;
  o.connect = "127.0.0.1:1";
  o.connect_timeout = 1500ms;
  auto start = std::chrono::steady_clock::now();
  auto s = session::connect(std::move(o));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.code(), zk_errc::not_connected);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

class ZkEnsembleTest : public ZkSessionTest {
 protected:
  void SetUp() override { start(3, 2000); }
};

TEST_F(ZkEnsembleTest, SessionSurvivesTheLossOfItsServer) {
  event_queue<session_event> events;
  auto s = open("/sluice", 10000ms, [&](session_event e) { events.push(e); });
  ASSERT_TRUE(s);
  EXPECT_NE(zk_->connect().find(','), std::string::npos);
  const int64_t id = s->session_id();
  ASSERT_TRUE(s->create("/brokers/ids/1", "b1", create_options{.ephemeral = true, .make_parents = true}));

  std::string server = s->current_server();
  int node = zk_->node_of_port(std::stoi(server.substr(server.rfind(':') + 1)));
  ASSERT_NE(node, 0) << server;
  ASSERT_TRUE(zk_->kill_node(node));
  EXPECT_TRUE(events.wait_for(session_event::disconnected, 10s));
  ASSERT_TRUE(events.wait_for(session_event::connected, 30s)) << "no failover to another node";
  EXPECT_NE(s->current_server(), server);
  EXPECT_EQ(s->session_id(), id);

  // The two remaining nodes are a quorum: writes go on (retried while a new leader is elected).
  zk_result<znode_stat> w = zk_error{};
  auto deadline = std::chrono::steady_clock::now() + 30s;
  do {
    w = s->set("/brokers/ids/1", "b1-after", any_version);
    if (w) break;
    ASSERT_TRUE(w.code() == zk_errc::connection_loss || w.code() == zk_errc::operation_timeout)
        << w.err().message;
    std::this_thread::sleep_for(200ms);
  } while (std::chrono::steady_clock::now() < deadline);
  ASSERT_TRUE(w) << w.err().message;
  auto g = s->get("/brokers/ids/1");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->data, "b1-after");
  EXPECT_EQ(g->stat.ephemeral_owner, id);
}

}  // namespace
}  // namespace sluice::cluster::zk
