// FindCoordinator and DescribeCluster through a real broker.
#include <limits>

#include "broker_harness.h"
#include "protocol/generated/describe_cluster.h"
#include "protocol/generated/find_coordinator.h"
#include "protocol/generated/metadata.h"

namespace sluice::broker::test {
namespace {

using protocol::describe_cluster_request;
using protocol::describe_cluster_response;
using protocol::find_coordinator_request;
using protocol::find_coordinator_response;

class ClusterApiTest : public BrokerTest {};

TEST_F(ClusterApiTest, FindCoordinatorV0AnswersThisBrokerForAGroup) {
  find_coordinator_request req;
  req.key = "my-group";
  auto resp = client().call<find_coordinator_response>(req, 0);
  EXPECT_EQ(resp.error_code, 0);
  EXPECT_EQ(resp.node_id, test_node_id);
  EXPECT_EQ(resp.host, test_host);
  EXPECT_EQ(resp.port, test_advertised_port);
}

TEST_F(ClusterApiTest, FindCoordinatorAnswersTransactionCoordinatorsAndEmptyGroupIds) {
  find_coordinator_request req;
  req.key = "txn-1";
  req.key_type = 1;
  auto txn = client().call<find_coordinator_response>(req, 3);
  EXPECT_EQ(txn.error_code, 0);
  EXPECT_FALSE(txn.error_message.has_value());
  EXPECT_EQ(txn.node_id, test_node_id);
  // Kafka does not validate group ids here; the group APIs answer INVALID_GROUP_ID.
  req.key = "";
  req.key_type = 0;
  auto empty = client().call<find_coordinator_response>(req, 1);
  EXPECT_EQ(empty.error_code, 0);
  EXPECT_EQ(empty.node_id, test_node_id);
}

TEST_F(ClusterApiTest, FindCoordinatorV4AnswersEveryKey) {
  find_coordinator_request req;
  req.key_type = 0;
  req.coordinator_keys = {"g1", "g2", "g3"};
  auto resp = client().call<find_coordinator_response>(req, 4);
  ASSERT_EQ(resp.coordinators.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(resp.coordinators[i].key, req.coordinator_keys[i]);
    EXPECT_EQ(resp.coordinators[i].error_code, 0);
    EXPECT_EQ(resp.coordinators[i].node_id, test_node_id);
    EXPECT_EQ(resp.coordinators[i].host, test_host);
    EXPECT_EQ(resp.coordinators[i].port, test_advertised_port);
  }
}

TEST_F(ClusterApiTest, FindCoordinatorRefusesUnknownKeyTypes) {
  find_coordinator_request req;
  req.key = "x";
  req.key_type = 5;
  auto resp = client().call<find_coordinator_response>(req, 2);
  EXPECT_EQ(resp.error_code, 42);
  EXPECT_EQ(resp.node_id, -1);
  req.coordinator_keys = {"x"};
  auto batched = client().call<find_coordinator_response>(req, 4);
  ASSERT_EQ(batched.coordinators.size(), 1u);
  EXPECT_EQ(batched.coordinators[0].error_code, 42);
}

TEST_F(ClusterApiTest, DescribeClusterNamesThisBrokerAsTheController) {
  protocol::metadata_request md;
  md.topics = std::nullopt;
  auto metadata = client().call<protocol::metadata_response>(md, 12);

  describe_cluster_request req;
  auto resp = client().call<describe_cluster_response>(req, 0);
  EXPECT_EQ(resp.error_code, 0);
  EXPECT_EQ(resp.cluster_id, metadata.cluster_id.value_or(""));
  EXPECT_EQ(resp.controller_id, test_node_id);
  ASSERT_EQ(resp.brokers.size(), 1u);
  EXPECT_EQ(resp.brokers[0].broker_id, test_node_id);
  EXPECT_EQ(resp.brokers[0].host, test_host);
  EXPECT_EQ(resp.brokers[0].port, test_advertised_port);
  EXPECT_FALSE(resp.brokers[0].rack.has_value());
  EXPECT_EQ(resp.cluster_authorized_operations, std::numeric_limits<int32_t>::min());
}

TEST_F(ClusterApiTest, DescribeClusterReportsClusterOperationsWhenAsked) {
  describe_cluster_request req;
  req.include_cluster_authorized_operations = true;
  auto resp = client().call<describe_cluster_response>(req, 1);
  EXPECT_EQ(resp.error_code, 0);
  EXPECT_EQ(resp.endpoint_type, 1);
  // CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE.
  EXPECT_EQ(resp.cluster_authorized_operations, 0x1FA0);
}

TEST_F(ClusterApiTest, DescribeClusterForTheControllerEndpointIsAMismatch) {
  describe_cluster_request req;
  req.endpoint_type = 2;
  auto resp = client().call<describe_cluster_response>(req, 1);
  EXPECT_EQ(resp.error_code, 114);  // MISMATCHED_ENDPOINT_TYPE
  req.endpoint_type = 9;
  EXPECT_EQ(client().call<describe_cluster_response>(req, 1).error_code, 115);  // UNSUPPORTED_ENDPOINT_TYPE
}

}  // namespace
}  // namespace sluice::broker::test
