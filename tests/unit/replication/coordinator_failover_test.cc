// The group coordinator follows the leadership of its __consumer_offsets partition, with brokers
// in process (the test plays the controller): FindCoordinator names the partition's leader from
// any broker, the other brokers answer NOT_COORDINATOR, a commit is answered once the ISR has it,
// and after the leadership moves the new coordinator has the committed offsets and the group.
#include <gtest/gtest.h>

#include "../broker/broker_harness.h"
#include "broker/consumer_offsets_log.h"
#include "broker/topic_admin.h"
#include "cluster/topic_writer.h"
#include "cluster_harness.h"
#include "group/group_coordinator.h"
#include "group/offsets_topic_format.h"
#include "protocol/generated/delete_groups.h"
#include "protocol/generated/describe_groups.h"
#include "protocol/generated/find_coordinator.h"
#include "protocol/generated/heartbeat.h"
#include "protocol/generated/join_group.h"
#include "protocol/generated/leave_group.h"
#include "protocol/generated/list_groups.h"
#include "protocol/generated/offset_commit.h"
#include "protocol/generated/offset_delete.h"
#include "protocol/generated/offset_fetch.h"
#include "protocol/generated/sync_group.h"

namespace sluice::broker::test {
namespace {

using namespace protocol;
namespace ot = group::offsets_topic;

constexpr int16_t none = 0, coordinator_not_available = 15, not_coordinator = 16, member_id_required = 79;
constexpr int32_t offsets_partitions = 3;
const std::string group_id = "orders";

const std::vector<std::pair<std::string, std::string>> settings = {
    {"replica.fetch.wait.max.ms", "100"},
    {"replica.fetch.backoff.ms", "50"},
    {"replica.lag.time.max.ms", "10000"},
    {"replica.socket.timeout.ms", "5000"},
    {"offsets.topic.num.partitions", std::to_string(offsets_partitions)},
    {"group.initial.rebalance.delay.ms", "0"},
};

bytes subscription(const std::string& topic) {
  bytes b{0, 0, 0, 0, 0, 1, 0, static_cast<uint8_t>(topic.size())};
  b.insert(b.end(), topic.begin(), topic.end());
  b.insert(b.end(), {0xff, 0xff, 0xff, 0xff});
  return b;
}

find_coordinator_response find_coordinator(uint16_t port, const std::string& group) {
  kafka_client c(port);
  find_coordinator_request req;
  req.key = group;
  req.key_type = 0;
  return c.call<find_coordinator_response>(req, 3);
}

join_group_response join(uint16_t port, const std::string& member_id = "") {
  kafka_client c(port);
  join_group_request j;
  j.group_id = group_id;
  j.member_id = member_id;
  j.session_timeout_ms = 30000;
  j.rebalance_timeout_ms = 30000;
  j.protocol_type = "consumer";
  j.protocols.push_back({"range", subscription("t")});
  return c.call<join_group_response>(j, 5);
}

// MEMBER_ID_REQUIRED, join again, sync as leader; returns the join answer (or the failing one).
join_group_response join_and_sync(uint16_t port) {
  auto first = join(port);
  if (first.error_code != member_id_required) return first;
  auto joined = join(port, first.member_id);
  if (joined.error_code != none) return joined;
  kafka_client c(port);
  sync_group_request s;
  s.group_id = group_id;
  s.generation_id = joined.generation_id;
  s.member_id = joined.member_id;
  s.assignments.push_back({joined.member_id, bytes{0, 0, 0, 0, 0, 0}});
  auto synced = c.call<sync_group_response>(s, 3);
  if (synced.error_code != none) joined.error_code = synced.error_code;
  return joined;
}

int16_t heartbeat(uint16_t port, const join_group_response& member) {
  kafka_client c(port);
  heartbeat_request h;
  h.group_id = group_id;
  h.generation_id = member.generation_id;
  h.member_id = member.member_id;
  return c.call<heartbeat_response>(h, 3).error_code;
}

int16_t commit(uint16_t port, int64_t offset, int32_t generation = -1, const std::string& member = "") {
  kafka_client c(port);
  offset_commit_request req;
  req.group_id = group_id;
  req.generation_id = generation;
  req.member_id = member;
  offset_commit_request::topic t;
  t.name = "t";
  offset_commit_request::topic::partition p;
  p.partition_index = 0;
  p.committed_offset = offset;
  t.partitions.push_back(p);
  req.topics.push_back(t);
  auto resp = c.call<offset_commit_response>(req, 7);
  if (resp.topics.size() != 1 || resp.topics[0].partitions.size() != 1) return -1;
  return resp.topics[0].partitions[0].error_code;
}

// {group error, committed offset of t-0}.
std::pair<int16_t, int64_t> fetch_offset(uint16_t port) {
  kafka_client c(port);
  offset_fetch_request req;
  offset_fetch_request::group g;
  g.group_id = group_id;
  g.topics = std::vector<offset_fetch_request::group::group_topic>{{"t", {0}}};
  req.groups.push_back(g);
  auto resp = c.call<offset_fetch_response>(req, 8);
  if (resp.groups.size() != 1) return {-1, -1};
  const auto& out = resp.groups[0];
  if (out.topics.size() != 1 || out.topics[0].partitions.size() != 1) return {out.error_code, -1};
  return {out.error_code, out.topics[0].partitions[0].committed_offset};
}

class CoordinatorFailoverTest : public ::testing::Test {
 protected:
  CoordinatorFailoverTest() : cluster_(3, settings) {
    index_ = ot::partition_for(group_id, offsets_partitions);
    cluster_.create_topic("t", 1, 1);
    // Every broker created __consumer_offsets at start; the cluster now names its leaders: broker
    // 1 leads every partition but the group's, which broker 2 leads.
    cluster_.adopt_topic(ot::topic_name, offsets_partitions, 1);
    cluster_.set_leadership(ot::topic_name, index_, 2, 2, {1, 2, 3});
    EXPECT_TRUE(
        test_cluster::eventually([&] { return find_coordinator(cluster_.port(1), group_id).node_id == 2; }));
  }

  test_cluster cluster_;
  int32_t index_ = 0;
};

TEST_F(CoordinatorFailoverTest, FindCoordinatorNamesTheOffsetsPartitionLeaderFromEveryBroker) {
  for (int32_t id = 1; id <= 3; ++id) {
    auto r = find_coordinator(cluster_.port(id), group_id);
    EXPECT_EQ(r.error_code, none) << "asked broker " << id;
    EXPECT_EQ(r.node_id, 2);
    EXPECT_EQ(r.host, "127.0.0.1");
    EXPECT_EQ(r.port, cluster_.port(2));
  }
  // A group on another partition is coordinated by that partition's leader.
  std::string other = "g0";
  for (int i = 0; ot::partition_for(other, offsets_partitions) == index_; ++i)
    other = "g" + std::to_string(i);
  EXPECT_EQ(find_coordinator(cluster_.port(2), other).node_id, 1);
}

TEST_F(CoordinatorFailoverTest, LeaderlessOffsetsPartitionHasNoCoordinator) {
  cluster_.set_leadership(ot::topic_name, index_, cluster::no_leader, 3, {});
  ASSERT_TRUE(test_cluster::eventually(
      [&] { return find_coordinator(cluster_.port(3), group_id).error_code == coordinator_not_available; }));
  auto r = find_coordinator(cluster_.port(1), group_id);
  EXPECT_EQ(r.node_id, -1);
  EXPECT_EQ(r.port, -1);
  // Nobody coordinates the group meanwhile.
  EXPECT_EQ(join(cluster_.port(2)).error_code, not_coordinator);
}

TEST_F(CoordinatorFailoverTest, OtherBrokersAnswerNotCoordinatorToEveryGroupApi) {
  for (int32_t id : {1, 3}) {
    const uint16_t port = cluster_.port(id);
    EXPECT_EQ(join(port).error_code, not_coordinator);
    EXPECT_EQ(commit(port, 5), not_coordinator);
    EXPECT_EQ(fetch_offset(port).first, not_coordinator);
    kafka_client c(port);
    heartbeat_request h;
    h.group_id = group_id;
    h.member_id = "m";
    EXPECT_EQ(c.call<heartbeat_response>(h, 3).error_code, not_coordinator);
    sync_group_request s;
    s.group_id = group_id;
    s.member_id = "m";
    EXPECT_EQ(c.call<sync_group_response>(s, 3).error_code, not_coordinator);
    leave_group_request l;
    l.group_id = group_id;
    l.member_id = "m";
    EXPECT_EQ(c.call<leave_group_response>(l, 1).error_code, not_coordinator);
    describe_groups_request d;
    d.groups = {group_id};
    auto described = c.call<describe_groups_response>(d, 3);
    ASSERT_EQ(described.groups.size(), 1u);
    EXPECT_EQ(described.groups[0].error_code, not_coordinator);
    delete_groups_request del;
    del.groups_names = {group_id};
    auto deleted = c.call<delete_groups_response>(del, 1);
    ASSERT_EQ(deleted.results.size(), 1u);
    EXPECT_EQ(deleted.results[0].error_code, not_coordinator);
    offset_delete_request od;
    od.group_id = group_id;
    EXPECT_EQ(c.call<offset_delete_response>(od, 0).error_code, not_coordinator);
  }
  // The coordinator itself serves the group, and only it lists it.
  ASSERT_EQ(join_and_sync(cluster_.port(2)).error_code, none);
  for (int32_t id = 1; id <= 3; ++id) {
    kafka_client c(cluster_.port(id));
    auto listed = c.call<list_groups_response>(list_groups_request{}, 3);
    EXPECT_EQ(listed.groups.size(), id == 2 ? 1u : 0u) << "broker " << id;
  }
}

TEST_F(CoordinatorFailoverTest, CommitIsAnsweredOnceTheIsrHasItAndSurvivesALeaderMove) {
  const auto member = join_and_sync(cluster_.port(2));
  ASSERT_EQ(member.error_code, none);
  ASSERT_EQ(commit(cluster_.port(2), 42, member.generation_id, member.member_id), none);
  // acks=all: every ISR member has the commit when it is answered.
  const int64_t end = cluster_.log_end(2, ot::topic_name, index_);
  EXPECT_GE(cluster_.high_watermark(2, ot::topic_name, index_), end);
  for (int32_t id : {1, 3}) EXPECT_EQ(cluster_.log_end(id, ot::topic_name, index_), end) << "broker " << id;
  EXPECT_EQ(fetch_offset(cluster_.port(2)), std::make_pair(none, int64_t{42}));

  // Broker 3 takes over the partition (broker 2 is, say, gone from the ISR).
  cluster_.set_leadership(ot::topic_name, index_, 3, 3, {1, 3});
  ASSERT_TRUE(
      test_cluster::eventually([&] { return find_coordinator(cluster_.port(1), group_id).node_id == 3; }));
  ASSERT_TRUE(test_cluster::eventually([&] { return fetch_offset(cluster_.port(3)).first == none; }));
  EXPECT_EQ(fetch_offset(cluster_.port(3)), std::make_pair(none, int64_t{42}));
  // The old coordinator dropped the group.
  EXPECT_EQ(heartbeat(cluster_.port(2), member), not_coordinator);
  EXPECT_EQ(fetch_offset(cluster_.port(2)).first, not_coordinator);
  // The group was loaded with its member: its heartbeat is accepted, and it rejoins.
  EXPECT_EQ(heartbeat(cluster_.port(3), member), none);
  auto rejoined = join(cluster_.port(3), member.member_id);
  ASSERT_EQ(rejoined.error_code, none);
  EXPECT_GT(rejoined.generation_id, member.generation_id);
  EXPECT_EQ(rejoined.member_id, member.member_id);
  {
    kafka_client c(cluster_.port(3));
    sync_group_request s;
    s.group_id = group_id;
    s.generation_id = rejoined.generation_id;
    s.member_id = rejoined.member_id;
    s.assignments.push_back({rejoined.member_id, bytes{0, 0, 0, 0, 0, 0}});
    EXPECT_EQ(c.call<sync_group_response>(s, 3).error_code, none);
  }
  // The new coordinator writes (under its epoch) and answers once broker 1 has the commit too.
  EXPECT_EQ(commit(cluster_.port(3), 43, rejoined.generation_id, rejoined.member_id), none);
  EXPECT_EQ(cluster_.log_end(1, ot::topic_name, index_), cluster_.log_end(3, ot::topic_name, index_));
  EXPECT_EQ(fetch_offset(cluster_.port(3)), std::make_pair(none, int64_t{43}));
}

TEST_F(CoordinatorFailoverTest, CoordinatorThatLeadsAgainReadsWhatItsSuccessorWrote) {
  ASSERT_EQ(commit(cluster_.port(2), 42), none);
  cluster_.set_leadership(ot::topic_name, index_, 3, 3, {1, 2, 3});
  ASSERT_TRUE(test_cluster::eventually([&] { return commit(cluster_.port(3), 43) == none; }));
  // Broker 2 follows broker 3 until it has the commit, then leads again.
  ASSERT_TRUE(test_cluster::eventually([&] {
    return cluster_.log_end(2, ot::topic_name, index_) == cluster_.log_end(3, ot::topic_name, index_);
  }));
  cluster_.set_leadership(ot::topic_name, index_, 2, 4, {1, 2, 3});
  ASSERT_TRUE(test_cluster::eventually([&] { return fetch_offset(cluster_.port(2)).first == none; }));
  EXPECT_EQ(fetch_offset(cluster_.port(2)), std::make_pair(none, int64_t{43}));
  EXPECT_EQ(fetch_offset(cluster_.port(3)).first, not_coordinator);
}

TEST_F(CoordinatorFailoverTest, CommitNotReplicatedInTimeIsRequestTimedOut) {
  // Broker 3 stops but stays in the ISR (replica.lag.time.max.ms is 10 s): the commit cannot reach
  // the high watermark within offsets.commit.timeout.ms (5 s) and Kafka passes REQUEST_TIMED_OUT on.
  cluster_.stop(3);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(commit(cluster_.port(2), 7), 7 /* REQUEST_TIMED_OUT */);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(4500));
}

TEST_F(CoordinatorFailoverTest, SyncGroupWhoseAssignmentMissesTheIsrRestartsTheRebalance) {
  cluster_.stop(3);  // still in the ISR: the stored assignment cannot be acknowledged
  const auto member = join_and_sync(cluster_.port(2));
  EXPECT_EQ(member.error_code, 27 /* REBALANCE_IN_PROGRESS, Kafka's mapping of REQUEST_TIMED_OUT */);
  kafka_client c(cluster_.port(2));
  describe_groups_request d;
  d.groups = {group_id};
  auto described = c.call<describe_groups_response>(d, 3);
  ASSERT_EQ(described.groups.size(), 1u);
  EXPECT_EQ(described.groups[0].group_state, "PreparingRebalance");
}

TEST_F(CoordinatorFailoverTest, ParkedJoinIsAnsweredNotCoordinatorWhenTheCoordinatorResigns) {
  const auto member = join_and_sync(cluster_.port(2));
  ASSERT_EQ(member.error_code, none);
  // A second member's join starts a rebalance that parks until the first rejoins.
  auto first = join(cluster_.port(2));
  ASSERT_EQ(first.error_code, member_id_required);
  std::thread parked_join([&] {
    auto r = join(cluster_.port(2), first.member_id);
    EXPECT_EQ(r.error_code, not_coordinator);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  cluster_.set_leadership(ot::topic_name, index_, 1, 3, {1, 2, 3});
  parked_join.join();
  ASSERT_TRUE(
      test_cluster::eventually([&] { return heartbeat(cluster_.port(1), member) != not_coordinator; }));
}

// The cluster's store as the test sees it: records topic creations.
struct recording_writer : cluster::topic_writer {
  struct created {
    std::string name;
    int32_t partitions = 0;
    int16_t replication_factor = 0;
    std::map<std::string, std::string> configs;
  };
  std::vector<created> creates;
  cluster::topic_result create_topic(const std::string& name, int32_t partitions, int16_t rf,
                                     const std::map<std::string, std::string>& configs, bool) override {
    creates.push_back({name, partitions, rf, configs});
    return {};
  }
  cluster::topic_result delete_topic(const std::string&) override { return {}; }
  cluster::topic_result add_partitions(const std::string&, int32_t, bool) override { return {}; }
  cluster::topic_result set_topic_configs(const std::string&,
                                          const std::map<std::string, std::string>&) override {
    return {};
  }
  void request_election(std::vector<std::pair<std::string, int32_t>>, bool) override {}
  cluster::topic_result reassign(const std::string&, int32_t,
                                 const std::optional<std::vector<int32_t>>&) override {
    return {};
  }
};

TEST(CoordinatorTopicCreation, FindCoordinatorCreatesTheOffsetsTopicInTheClusterOnceEnoughBrokersLive) {
  test_cluster c(3, settings);
  c.create_topic("t", 1, 1);  // a snapshot without __consumer_offsets
  recording_writer w;
  c.on(1, [&](broker_state& st) {
    st.admin.set_writer(&w);
    return 0;
  });
  auto r = find_coordinator(c.port(1), group_id);
  EXPECT_EQ(r.error_code, coordinator_not_available);
  EXPECT_EQ(r.node_id, -1);
  auto creates = c.on(1, [&](broker_state&) { return w.creates; });
  ASSERT_EQ(creates.size(), 1u);
  EXPECT_EQ(creates[0].name, "__consumer_offsets");
  EXPECT_EQ(creates[0].partitions, offsets_partitions);
  EXPECT_EQ(creates[0].replication_factor, 3);  // offsets.topic.replication.factor's default
  EXPECT_EQ(creates[0].configs.at("cleanup.policy"), "compact");
  EXPECT_EQ(creates[0].configs.at("compression.type"), "producer");
  EXPECT_EQ(creates[0].configs.at("segment.bytes"), "104857600");

  // With only two brokers alive, Kafka refuses to create it (replication factor 3).
  c.on(1, [&](broker_state&) {
    w.creates.clear();
    return 0;
  });
  c.stop(3);
  c.set_leadership("t", 0, 1, 2, {1, 2});  // publishes the smaller cluster
  ASSERT_TRUE(test_cluster::eventually(
      [&] { return c.on(1, [](broker_state& st) { return st.cluster->brokers.size(); }) == 2u; }));
  EXPECT_EQ(find_coordinator(c.port(1), group_id).error_code, coordinator_not_available);
  EXPECT_TRUE(c.on(1, [&](broker_state&) { return w.creates.empty(); }));
  c.on(1, [&](broker_state& st) {
    st.admin.set_writer(nullptr);
    return 0;
  });
}

}  // namespace
}  // namespace sluice::broker::test
