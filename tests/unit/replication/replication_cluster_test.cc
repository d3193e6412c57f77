// Brokers replicating to each other in process: acks=all waits for the ISR, followers' logs equal
// the leader's byte for byte, the ISR shrinks when a follower stops and grows back, min.insync.replicas
// is enforced, a follower with divergent data truncates under a new leader, and only the leader
// serves clients.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "../broker/broker_harness.h"
#include "broker/partition_manager.h"
#include "cluster_harness.h"
#include "protocol/generated/fetch.h"
#include "protocol/generated/list_offsets.h"
#include "protocol/generated/produce.h"

namespace sluice::broker::test {
namespace {

using namespace std::chrono_literals;

const std::vector<std::pair<std::string, std::string>> fast = {
    {"replica.fetch.wait.max.ms", "100"},
    {"replica.fetch.backoff.ms", "50"},
    {"replica.lag.time.max.ms", "1000"},
    {"replica.socket.timeout.ms", "5000"},
};

// Produce v7 of one batch; returns {error, base offset}.
std::pair<int16_t, int64_t> produce_to(uint16_t port, const std::string& topic, int32_t partition,
                                       const std::vector<std::string>& values, int16_t acks = -1,
                                       int32_t timeout_ms = 10000) {
  kafka_client c(port);
  protocol::produce_request req;
  req.acks = acks;
  req.timeout_ms = timeout_ms;
  protocol::produce_request::topic t;
  t.name = topic;
  protocol::produce_request::topic::partition p;
  p.index = partition;
  p.records = protocol::records::make_owned(make_batch(values));
  t.partition_data.push_back(std::move(p));
  req.topic_data.push_back(std::move(t));
  auto resp = c.call<protocol::produce_response>(req, 7);
  if (resp.responses.size() != 1 || resp.responses[0].partition_responses.size() != 1) return {-1, -1};
  const auto& pr = resp.responses[0].partition_responses[0];
  return {pr.error_code, pr.base_offset};
}

// A consumer's Fetch v11 (replica_id -1); returns {error, high watermark, bytes}.
struct fetched {
  int16_t error = -1;
  int64_t high_watermark = -1;
  size_t bytes = 0;
};
fetched consume(uint16_t port, const std::string& topic, int32_t partition, int64_t offset) {
  kafka_client c(port);
  protocol::fetch_request req;
  req.replica_id = -1;
  req.max_wait_ms = 0;
  req.min_bytes = 0;
  protocol::fetch_request::topic_data t;
  t.topic = topic;
  protocol::fetch_request::topic_data::partition_data p;
  p.partition = partition;
  p.fetch_offset = offset;
  p.partition_max_bytes = 1 << 20;
  t.partitions.push_back(p);
  req.topics.push_back(t);
  auto resp = c.call<protocol::fetch_response>(req, 11);
  fetched out;
  if (resp.responses.size() == 1 && resp.responses[0].partitions.size() == 1) {
    const auto& pd = resp.responses[0].partitions[0];
    out.error = pd.error_code;
    out.high_watermark = pd.high_watermark;
    out.bytes = pd.records.size();
  }
  return out;
}

int64_t list_latest(uint16_t port, const std::string& topic, int32_t partition, int16_t* error) {
  kafka_client c(port);
  protocol::list_offsets_request req;
  req.replica_id = -1;
  protocol::list_offsets_request::topic t;
  t.name = topic;
  protocol::list_offsets_request::topic::partition p;
  p.partition_index = partition;
  p.timestamp = -1;
  t.partitions.push_back(p);
  req.topics.push_back(t);
  auto resp = c.call<protocol::list_offsets_response>(req, 5);
  *error = resp.topics.at(0).partitions.at(0).error_code;
  return resp.topics.at(0).partitions.at(0).offset;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Every segment file of the partition, concatenated in name order.
std::string log_bytes(test_cluster& c, int32_t id, const std::string& topic, int32_t index) {
  std::vector<std::string> names;
  const auto dir = c.log_dir(id) + "/" + topic + "-" + std::to_string(index);
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".log") names.push_back(e.path().string());
  }
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& n : names) out += read_file(n);
  return out;
}

bool logs_converged(test_cluster& c, const std::string& topic, int32_t index, std::vector<int32_t> ids) {
  const int64_t end = c.log_end(ids.front(), topic, index);
  for (int32_t id : ids) {
    if (c.log_end(id, topic, index) != end) return false;
  }
  return true;
}

TEST(ReplicationCluster, AcksAllCompletesOnlyWhenEveryIsrMemberHasTheBatch) {
  test_cluster c(3, fast);
  c.create_topic("t", 1, /*leader=*/1, {{"min.insync.replicas", "2"}});
  for (int i = 0; i < 20; ++i) {
    auto [err, base] = produce_to(c.port(1), "t", 0, {"v" + std::to_string(i), "w"});
    ASSERT_EQ(err, 0) << "batch " << i;
    ASSERT_EQ(base, 2 * i);
    // Answered only after the whole ISR fetched past the batch.
    EXPECT_GE(c.log_end(2, "t", 0), base + 2);
    EXPECT_GE(c.log_end(3, "t", 0), base + 2);
    EXPECT_GE(c.high_watermark(1, "t", 0), base + 2);
  }
  ASSERT_TRUE(test_cluster::eventually([&] { return logs_converged(c, "t", 0, {1, 2, 3}); }));
  const std::string leader = log_bytes(c, 1, "t", 0);
  EXPECT_FALSE(leader.empty());
  EXPECT_EQ(log_bytes(c, 2, "t", 0), leader);
  EXPECT_EQ(log_bytes(c, 3, "t", 0), leader);
  // Followers learn the high watermark from the leader.
  EXPECT_TRUE(test_cluster::eventually([&] { return c.high_watermark(2, "t", 0) == 40; }));
  int16_t err = -1;
  EXPECT_EQ(list_latest(c.port(1), "t", 0, &err), 40);
  EXPECT_EQ(err, 0);
  // The leader stamped its epoch into every batch: the followers' epoch caches have it too.
  EXPECT_EQ(
      c.on(2, [](broker_state& st) { return st.partitions.find("t", 0)->log->epochs().latest_epoch(); }), 1);
}

TEST(ReplicationCluster, OnlyTheLeaderServesClients) {
  test_cluster c(3, fast);
  c.create_topic("t", 1, /*leader=*/1);
  ASSERT_EQ(produce_to(c.port(1), "t", 0, {"a"}).first, 0);
  EXPECT_EQ(produce_to(c.port(2), "t", 0, {"b"}).first, 6);  // NOT_LEADER_OR_FOLLOWER
  EXPECT_EQ(consume(c.port(2), "t", 0, 0).error, 6);
  int16_t err = -1;
  list_latest(c.port(3), "t", 0, &err);
  EXPECT_EQ(err, 6);
  auto f = consume(c.port(1), "t", 0, 0);
  EXPECT_EQ(f.error, 0);
  EXPECT_EQ(f.high_watermark, 1);
  EXPECT_GT(f.bytes, 0u);
}

TEST(ReplicationCluster, ConsumersSeeOnlyUpToTheHighWatermark) {
  test_cluster c(3, fast);
  c.create_topic("t", 1, /*leader=*/1);
  ASSERT_EQ(produce_to(c.port(1), "t", 0, {"a"}).first, 0);
  // Followers stop fetching (they see no leader): an acks=1 write is not committed.
  cluster::partition_leadership offline = c.leadership("t", 0);
  offline.leader = -1;
  c.apply_on(2, "t", 0, offline);
  c.apply_on(3, "t", 0, offline);
  auto [err, base] = produce_to(c.port(1), "t", 0, {"b"}, /*acks=*/1);
  ASSERT_EQ(err, 0);
  EXPECT_EQ(base, 1);
  EXPECT_EQ(c.log_end(1, "t", 0), 2);
  auto f = consume(c.port(1), "t", 0, 1);
  EXPECT_EQ(f.error, 0);
  EXPECT_EQ(f.high_watermark, 1);
  EXPECT_EQ(f.bytes, 0u);
  // acks=all times out (the ISR still has the silent followers until the lag passes).
  EXPECT_EQ(produce_to(c.port(1), "t", 0, {"c"}, -1, /*timeout_ms=*/200).first, 7);  // REQUEST_TIMED_OUT
}

TEST(ReplicationCluster, IsrShrinksWhenAFollowerStopsAndMinInsyncIsEnforced) {
  test_cluster c(3, fast);
  c.create_topic("t", 1, /*leader=*/1, {{"min.insync.replicas", "2"}});
  ASSERT_EQ(produce_to(c.port(1), "t", 0, {"a"}).first, 0);
  c.stop(3);
  // The first acks=all write waits until broker 3 leaves the ISR (replica.lag.time.max.ms = 1 s).
  auto [err, base] = produce_to(c.port(1), "t", 0, {"b"});
  EXPECT_EQ(err, 0);
  EXPECT_EQ(base, 1);
  EXPECT_EQ(c.leadership("t", 0).isr, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(produce_to(c.port(1), "t", 0, {"c"}).first, 0);
  c.stop(2);
  // Broker 2 leaves too: the ISR may shrink to the leader alone, below min.insync.replicas.
  auto [err2, base2] = produce_to(c.port(1), "t", 0, {"d"});
  EXPECT_EQ(err2, 20) << "NOT_ENOUGH_REPLICAS_AFTER_APPEND";
  EXPECT_EQ(c.leadership("t", 0).isr, (std::vector<int32_t>{1}));
  EXPECT_EQ(produce_to(c.port(1), "t", 0, {"e"}).first, 19);  // NOT_ENOUGH_REPLICAS
  EXPECT_EQ(produce_to(c.port(1), "t", 0, {"f"}, /*acks=*/1).first, 0);
}

TEST(ReplicationCluster, DivergentFollowerTruncatesUnderANewLeaderAndRejoinsTheIsr) {
  test_cluster c(3, fast);
  c.create_topic("t", 1, /*leader=*/1, {{"min.insync.replicas", "2"}});
  for (int i = 0; i < 5; ++i) ASSERT_EQ(produce_to(c.port(1), "t", 0, {"committed"}).first, 0);
  // Broker 1 is cut off: the others stop fetching, and it takes writes nobody else gets.
  cluster::partition_leadership offline = c.leadership("t", 0);
  offline.leader = -1;
  c.apply_on(2, "t", 0, offline);
  c.apply_on(3, "t", 0, offline);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(produce_to(c.port(1), "t", 0, {"lost", "lost"}, /*acks=*/1).first, 0);
  ASSERT_EQ(c.log_end(1, "t", 0), 11);
  ASSERT_EQ(c.log_end(2, "t", 0), 5);
  // Broker 2 becomes leader at epoch 2 with the ISR {2, 3}; broker 1 follows it.
  c.set_leadership("t", 0, /*leader=*/2, /*epoch=*/2, {2, 3});
  ASSERT_TRUE(test_cluster::eventually(
      [&] { return c.on(2, [](broker_state& st) { return st.partitions.find("t", 0)->is_leader(); }); }));
  auto [err, base] = produce_to(c.port(2), "t", 0, {"new leader"});
  ASSERT_EQ(err, 0);
  EXPECT_EQ(base, 5);
  // Broker 1 cut its uncommitted 5..10 and copied the new leader's log.
  ASSERT_TRUE(test_cluster::eventually([&] { return logs_converged(c, "t", 0, {1, 2, 3}); }));
  EXPECT_EQ(c.log_end(1, "t", 0), 6);
  EXPECT_EQ(log_bytes(c, 1, "t", 0), log_bytes(c, 2, "t", 0));
  EXPECT_EQ(log_bytes(c, 3, "t", 0), log_bytes(c, 2, "t", 0));
  // Caught up, it is added back to the ISR by the new leader.
  EXPECT_TRUE(test_cluster::eventually([&] { return c.leadership("t", 0).isr.size() == 3; }));
  // Its old leadership is fenced: a produce to it is refused.
  EXPECT_EQ(produce_to(c.port(1), "t", 0, {"x"}).first, 6);
}

}  // namespace
}  // namespace sluice::broker::test
