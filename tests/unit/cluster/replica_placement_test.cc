// Tests of cluster::assign_replicas / assign_added_partitions against Kafka's documented examples
// (AdminUtils.assignReplicasToBrokers) and the properties placement promises.
#include "cluster/replica_placement.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace sluice::cluster {
namespace {

std::vector<placement_broker> plain(std::vector<int32_t> ids) {
  std::vector<placement_broker> out;
  for (int32_t id : ids) out.push_back({id, std::nullopt});
  return out;
}

placement_result place(std::vector<placement_broker> brokers, int32_t partitions, int32_t rf,
                       std::optional<int32_t> start = 0, int32_t start_partition = 0) {
  placement_request r;
  r.brokers = std::move(brokers);
  r.partitions = partitions;
  r.replication_factor = rf;
  r.fixed_start_index = start;
  r.start_partition = start_partition;
  return assign_replicas(r);
}

// Kafka's AdminUtils doc comment: 5 brokers, 10 partitions, RF 3, start index 0:
//   broker-0  broker-1  broker-2  broker-3  broker-4
//   p0        p1        p2        p3        p4       (1st replica)
//   p5        p6        p7        p8        p9       (1st replica)
//   p4        p0        p1        p2        p3       (2nd replica)
//   p8        p9        p5        p6        p7       (2nd replica)
//   p3        p4        p0        p1        p2       (3rd replica)
//   p7        p8        p9        p5        p6       (3rd replica)
TEST(ReplicaPlacementTest, RackUnawareMatchesKafkasDocumentedExample) {
  auto r = place(plain({0, 1, 2, 3, 4}), 10, 3);
  ASSERT_TRUE(r.ok()) << r.message;
  replica_assignment want{{0, {0, 1, 2}}, {1, {1, 2, 3}}, {2, {2, 3, 4}}, {3, {3, 4, 0}}, {4, {4, 0, 1}},
                          {5, {0, 2, 3}}, {6, {1, 3, 4}}, {7, {2, 4, 0}}, {8, {3, 0, 1}}, {9, {4, 1, 2}}};
  EXPECT_EQ(r.assignment, want);
}

TEST(ReplicaPlacementTest, LeadersAndReplicasSpreadEvenly) {
  auto r = place(plain({1, 2, 3, 4, 5, 6}), 60, 3, std::nullopt);
  ASSERT_TRUE(r.ok());
  std::map<int32_t, int> leaders, replicas;
  for (const auto& [p, rs] : r.assignment) {
    ASSERT_EQ(rs.size(), 3u);
    EXPECT_EQ(std::set<int32_t>(rs.begin(), rs.end()).size(), 3u) << "partition " << p;
    ++leaders[preferred_leader(rs)];
    for (int32_t b : rs) ++replicas[b];
  }
  for (int32_t b = 1; b <= 6; ++b) {
    EXPECT_EQ(leaders[b], 10) << b;
    EXPECT_EQ(replicas[b], 30) << b;
  }
}

TEST(ReplicaPlacementTest, ReplicaShiftGrowsEachRoundSoFollowersVary) {
  // 3 brokers, RF 2, start 0: round 0 shift 0 → follower next to the leader; round 1 shift 1 → two away.
  auto r = place(plain({10, 20, 30}), 6, 2);
  ASSERT_TRUE(r.ok());
  replica_assignment want{{0, {10, 20}}, {1, {20, 30}}, {2, {30, 10}},
                          {3, {10, 30}}, {4, {20, 10}}, {5, {30, 20}}};
  EXPECT_EQ(r.assignment, want);
}

TEST(ReplicaPlacementTest, BrokerOrderDoesNotMatterIdsAreSorted) {
  auto a = place(plain({3, 1, 2}), 4, 2, 1);
  auto b = place(plain({1, 2, 3}), 4, 2, 1);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a.assignment, b.assignment);
}

TEST(ReplicaPlacementTest, DeterministicWithAFixedOrInjectedRandomStart) {
  placement_request req;
  req.brokers = plain({0, 1, 2, 3});
  req.partitions = 8;
  req.replication_factor = 3;
  std::vector<int32_t> draws;
  req.random = [&draws](int32_t bound) {
    draws.push_back(bound);
    return static_cast<int32_t>(draws.size() == 1 ? 2 : 1);  // start index 2, replica shift 1
  };
  auto a = assign_replicas(req);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(draws, (std::vector<int32_t>{4, 4}));
  EXPECT_EQ(a.assignment.at(0), (std::vector<int32_t>{2, 0, 1}));  // leader idx 2; shift 1 → +2, +3
  draws.clear();
  EXPECT_EQ(assign_replicas(req).assignment, a.assignment);
  // With a fixed start the random source is not consulted.
  req.fixed_start_index = 1;
  draws.clear();
  auto c = assign_replicas(req);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(draws.empty());
  EXPECT_EQ(c.assignment.at(0), (std::vector<int32_t>{1, 3, 0}));
}

TEST(ReplicaPlacementTest, RandomStartStillGivesValidAssignments) {
  for (int i = 0; i < 50; ++i) {
    auto r = place(plain({1, 2, 3, 4}), 7, 3, std::nullopt);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r.assignment.size(), 7u);
    for (const auto& [p, rs] : r.assignment) EXPECT_EQ(std::set<int32_t>(rs.begin(), rs.end()).size(), 3u);
  }
}

TEST(ReplicaPlacementTest, ReplicationFactorAndPartitionErrors) {
  auto too_many = place(plain({1, 2}), 3, 3);
  EXPECT_EQ(too_many.code, placement_errc::invalid_replication_factor);
  EXPECT_EQ(to_topic_error(too_many.code), topic_error::invalid_replication_factor);
  EXPECT_EQ(too_many.message, "replication factor: 3 larger than available brokers: 2");
  EXPECT_TRUE(too_many.assignment.empty());
  EXPECT_EQ(place(plain({1, 2}), 3, 0).code, placement_errc::invalid_replication_factor);
  EXPECT_EQ(place(plain({}), 3, 1).code, placement_errc::invalid_replication_factor);
  auto no_partitions = place(plain({1, 2}), 0, 1);
  EXPECT_EQ(no_partitions.code, placement_errc::invalid_partitions);
  EXPECT_EQ(to_topic_error(no_partitions.code), topic_error::invalid_partitions);
  EXPECT_EQ(place(plain({1, 2}), -4, 1).code, placement_errc::invalid_partitions);
  EXPECT_EQ(place(plain({1, 1}), 1, 1).code, placement_errc::invalid_argument);
  EXPECT_EQ(place(plain({1, 2}), 1, 1, 0, -1).code, placement_errc::invalid_argument);
  // RF equal to the broker count is fine: every broker holds every partition.
  auto all = place(plain({1, 2, 3}), 3, 3);
  ASSERT_TRUE(all.ok());
  for (const auto& [p, rs] : all.assignment) EXPECT_EQ(std::set<int32_t>(rs.begin(), rs.end()).size(), 3u);
}

// Kafka's getRackAlternatedBrokerList doc examples.
TEST(ReplicaPlacementTest, RackAlternatedListMatchesKafka) {
  std::vector<placement_broker> b{{0, "rack1"}, {1, "rack3"}, {2, "rack3"},
                                  {3, "rack2"}, {4, "rack2"}, {5, "rack1"}};
  EXPECT_EQ(rack_alternated_brokers(b), (std::vector<int32_t>{0, 3, 1, 5, 4, 2}));
  std::vector<placement_broker> nine;
  for (int32_t i = 0; i < 9; ++i) nine.push_back({i, "rack" + std::to_string(i / 3 + 1)});
  EXPECT_EQ(rack_alternated_brokers(nine), (std::vector<int32_t>{0, 3, 6, 1, 4, 7, 2, 5, 8}));
}

// Kafka's rack-aware doc example: 6 partitions, RF 3 over the alternated list 0,3,1,5,4,2 give
// 0→0,3,1 1→3,1,5 2→1,5,4 3→5,4,2 4→4,2,0 5→2,0,3, and a 7th partition shifts: 6→0,4,2.
TEST(ReplicaPlacementTest, RackAwareMatchesKafkasDocumentedExample) {
  std::vector<placement_broker> b{{0, "rack1"}, {1, "rack3"}, {2, "rack3"},
                                  {3, "rack2"}, {4, "rack2"}, {5, "rack1"}};
  auto r = place(b, 7, 3);
  ASSERT_TRUE(r.ok()) << r.message;
  replica_assignment want{{0, {0, 3, 1}}, {1, {3, 1, 5}}, {2, {1, 5, 4}}, {3, {5, 4, 2}},
                          {4, {4, 2, 0}}, {5, {2, 0, 3}}, {6, {0, 4, 2}}};
  EXPECT_EQ(r.assignment, want);
}

std::set<std::string> racks_of(const std::vector<int32_t>& replicas, const std::vector<placement_broker>& b) {
  std::set<std::string> out;
  for (int32_t id : replicas)
    for (const auto& x : b)
      if (x.id == id) out.insert(*x.rack);
  return out;
}

TEST(ReplicaPlacementTest, ThreeRacksGiveThreeRacksPerPartition) {
  std::vector<placement_broker> b;
  for (int32_t i = 1; i <= 9; ++i) b.push_back({i, "r" + std::to_string(i % 3)});
  for (int start = 0; start < 9; ++start) {
    auto r = place(b, 27, 3, start);
    ASSERT_TRUE(r.ok());
    std::map<int32_t, int> load;
    for (const auto& [p, rs] : r.assignment) {
      EXPECT_EQ(racks_of(rs, b).size(), 3u) << "partition " << p << " start " << start;
      for (int32_t id : rs) ++load[id];
    }
    for (const auto& [id, n] : load) EXPECT_EQ(n, 9) << "broker " << id;  // 27*3/9
  }
  auto random = place(b, 30, 3, std::nullopt);
  ASSERT_TRUE(random.ok());
  for (const auto& [p, rs] : random.assignment) EXPECT_EQ(racks_of(rs, b).size(), 3u);
}

TEST(ReplicaPlacementTest, UnevenRacksStillUseEveryRackWhenPossible) {
  // rack a: 1,2,3,4   rack b: 5   rack c: 6
  std::vector<placement_broker> b{{1, "a"}, {2, "a"}, {3, "a"}, {4, "a"}, {5, "b"}, {6, "c"}};
  auto r = place(b, 12, 3, std::nullopt);
  ASSERT_TRUE(r.ok());
  for (const auto& [p, rs] : r.assignment) {
    EXPECT_EQ(racks_of(rs, b).size(), 3u) << p;
    EXPECT_EQ(std::set<int32_t>(rs.begin(), rs.end()).size(), 3u);
  }
  // RF 2 over two racks of unequal size: each partition on both racks.
  std::vector<placement_broker> two{{1, "a"}, {2, "a"}, {3, "a"}, {4, "b"}};
  auto r2 = place(two, 8, 2, 0);
  ASSERT_TRUE(r2.ok());
  for (const auto& [p, rs] : r2.assignment) EXPECT_EQ(racks_of(rs, two).size(), 2u) << p;
  // More replicas than racks: every rack gets one, the rest go to distinct brokers.
  auto r4 = place(two, 4, 4, 0);
  ASSERT_TRUE(r4.ok());
  for (const auto& [p, rs] : r4.assignment) {
    EXPECT_EQ(racks_of(rs, two).size(), 2u);
    EXPECT_EQ(std::set<int32_t>(rs.begin(), rs.end()).size(), 4u);
  }
}

TEST(ReplicaPlacementTest, SomeRacksMissingIsAnErrorUnlessRacksAreIgnored) {
  std::vector<placement_broker> b{{1, "a"}, {2, std::nullopt}, {3, "b"}};
  auto r = place(b, 3, 2);
  EXPECT_EQ(r.code, placement_errc::incomplete_rack_information);
  EXPECT_EQ(to_topic_error(r.code), topic_error::invalid_replication_factor);
  placement_request req;
  req.brokers = b;
  req.partitions = 3;
  req.replication_factor = 2;
  req.fixed_start_index = 0;
  req.ignore_racks = true;
  auto ignored = assign_replicas(req);
  ASSERT_TRUE(ignored.ok());
  EXPECT_EQ(ignored.assignment, place(plain({1, 2, 3}), 3, 2).assignment);
}

TEST(ReplicaPlacementTest, AddedPartitionsContinueTheExistingPattern) {
  // Created with 3 partitions from start index 0; adding 7 more must equal creating 10 at once.
  auto brokers = plain({0, 1, 2, 3, 4});
  auto whole = place(brokers, 10, 3);
  auto first = place(brokers, 3, 3);
  ASSERT_TRUE(whole.ok() && first.ok());
  auto added = assign_added_partitions(brokers, first.assignment, 10);
  ASSERT_TRUE(added.ok()) << added.message;
  ASSERT_EQ(added.assignment.size(), 7u);
  EXPECT_EQ(added.assignment.begin()->first, 3);
  for (const auto& [p, rs] : added.assignment) EXPECT_EQ(rs, whole.assignment.at(p)) << p;

  // Same with a start index of 2 (partition 0 led by broker 2) and rack-aware brokers.
  std::vector<placement_broker> racked{{0, "x"}, {1, "y"}, {2, "z"}, {3, "x"}, {4, "y"}, {5, "z"}};
  auto w2 = place(racked, 9, 3, 2);
  ASSERT_TRUE(w2.ok());
  replica_assignment first2;
  for (int32_t p = 0; p < 4; ++p) first2[p] = w2.assignment.at(p);
  auto a2 = assign_added_partitions(racked, first2, 9);
  ASSERT_TRUE(a2.ok());
  for (const auto& [p, rs] : a2.assignment) EXPECT_EQ(racks_of(rs, racked).size(), 3u);

  EXPECT_EQ(assign_added_partitions(brokers, first.assignment, 3).code, placement_errc::invalid_partitions);
  EXPECT_EQ(assign_added_partitions(brokers, {}, 3).code, placement_errc::invalid_argument);
  // RF is partition 0's; more than the live brokers → INVALID_REPLICATION_FACTOR.
  EXPECT_EQ(assign_added_partitions(plain({0, 1}), first.assignment, 5).code,
            placement_errc::invalid_replication_factor);
}

TEST(ReplicaPlacementTest, PreferredLeaderIsTheFirstReplica) {
  EXPECT_EQ(preferred_leader({3, 1, 2}), 3);
  EXPECT_EQ(preferred_leader({}), -1);
}

}  // namespace
}  // namespace sluice::cluster
