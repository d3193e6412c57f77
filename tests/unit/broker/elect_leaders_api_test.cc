// ElectLeaders on a single node: every partition is led by its only (preferred) replica, so each
// known partition answers ELECTION_NOT_NEEDED and unknown ones UNKNOWN_TOPIC_OR_PARTITION. (The
// cluster-mode election is exercised against real brokers in tests/e2e/test_cluster_*.py.)
#include "broker_harness.h"
#include "protocol/generated/elect_leaders.h"

namespace sluice::broker::test {
namespace {

using protocol::elect_leaders_request;
using protocol::elect_leaders_response;

class ElectLeadersApiTest : public BrokerTest {};

TEST_F(ElectLeadersApiTest, SingleNodePartitionsNeedNoElection) {
  ASSERT_EQ(create_topic("el", 2), 0);
  for (int16_t version : {0, 1, 2}) {
    elect_leaders_request req;
    elect_leaders_request::topic t;
    t.topic = "el";
    t.partitions = {0, 1, 7};
    req.topic_partitions = std::vector<elect_leaders_request::topic>{t};
    auto resp = client().call<elect_leaders_response>(req, version);
    EXPECT_EQ(resp.error_code, 0);
    ASSERT_EQ(resp.replica_election_results.size(), 1u);
    const auto& r = resp.replica_election_results[0];
    EXPECT_EQ(r.topic, "el");
    ASSERT_EQ(r.partition_result.size(), 3u);
    EXPECT_EQ(r.partition_result[0].error_code, 84);  // ELECTION_NOT_NEEDED
    EXPECT_EQ(r.partition_result[1].error_code, 84);
    EXPECT_EQ(r.partition_result[2].error_code, 3);  // UNKNOWN_TOPIC_OR_PARTITION
  }
}

TEST_F(ElectLeadersApiTest, NullListMeansEveryPartitionAndBadTypesAreRefused) {
  ASSERT_EQ(create_topic("all-a", 3), 0);
  elect_leaders_request req;
  req.topic_partitions = std::nullopt;
  auto resp = client().call<elect_leaders_response>(req, 1);
  size_t parts = 0;
  for (const auto& r : resp.replica_election_results) {
    if (r.topic == "all-a") parts = r.partition_result.size();
  }
  EXPECT_EQ(parts, 3u);
  req.election_type = 5;
  auto bad = client().call<elect_leaders_response>(req, 1);
  EXPECT_EQ(bad.error_code, 42);  // INVALID_REQUEST
}

}  // namespace
}  // namespace sluice::broker::test
