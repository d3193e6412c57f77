// CreateTopics, DeleteTopics and CreatePartitions through a real broker.
#include <algorithm>

#include "broker_harness.h"
#include "protocol/generated/create_partitions.h"
#include "protocol/generated/create_topics.h"
#include "protocol/generated/delete_topics.h"
#include "protocol/generated/metadata.h"

namespace sluice::broker::test {
namespace {

using protocol::create_partitions_request;
using protocol::create_partitions_response;
using protocol::create_topics_request;
using protocol::create_topics_response;
using protocol::delete_topics_request;
using protocol::delete_topics_response;

create_topics_request::topic topic_spec(const std::string& name, int32_t partitions = 1, int16_t rf = -1) {
  create_topics_request::topic t;
  t.name = name;
  t.num_partitions = partitions;
  t.replication_factor = rf;
  return t;
}

create_topics_request::topic::assignment assign(int32_t partition, std::vector<int32_t> brokers) {
  return {partition, std::move(brokers)};
}

std::vector<create_partitions_request::topic::assignment> to_assignments(
    const std::vector<std::vector<int32_t>>& in) {
  std::vector<create_partitions_request::topic::assignment> out;
  for (const auto& a : in) out.push_back({a});
  return out;
}

class TopicAdminTest : public BrokerTest {
 protected:
  create_topics_response create(std::vector<create_topics_request::topic> topics, int16_t version = 7,
                                bool validate_only = false) {
    create_topics_request req;
    req.topics = std::move(topics);
    req.validate_only = validate_only;
    return client().call<create_topics_response>(req, version);
  }
  // -1 if the topic is unknown.
  int partition_count(const std::string& name) {
    protocol::metadata_request req;
    req.topics = std::vector<protocol::metadata_request::topic>{{{}, name}};
    req.allow_auto_topic_creation = false;
    auto resp = client().call<protocol::metadata_response>(req, 12);
    if (resp.topics.size() != 1 || resp.topics[0].error_code != 0) return -1;
    return static_cast<int>(resp.topics[0].partitions.size());
  }
  create_partitions_response grow(const std::string& name, int32_t count,
                                  std::optional<std::vector<std::vector<int32_t>>> assignments = std::nullopt,
                                  bool validate_only = false, int16_t version = 3) {
    create_partitions_request req;
    create_partitions_request::topic t;
    t.name = name;
    t.count = count;
    // Null unless given: the schema's default is an empty list, which Kafka refuses.
    t.assignments = assignments ? std::optional(to_assignments(*assignments)) : std::nullopt;
    req.topics.push_back(t);
    req.timeout_ms = 10000;
    req.validate_only = validate_only;
    return client().call<create_partitions_response>(req, version);
  }
};

TEST_F(TopicAdminTest, CreateTopicsV7AnswersIdPartitionsReplicationAndConfigs) {
  auto t = topic_spec("payments", 3);
  t.configs.push_back({"retention.ms", "3600000"});
  auto resp = create({t});
  ASSERT_EQ(resp.topics.size(), 1u);
  const auto& r = resp.topics[0];
  EXPECT_EQ(r.error_code, 0);
  EXPECT_FALSE(r.error_message.has_value());
  EXPECT_NE(r.topic_id, protocol::uuid{});
  EXPECT_EQ(r.num_partitions, 3);
  EXPECT_EQ(r.replication_factor, 1);
  ASSERT_TRUE(r.configs.has_value());
  auto find = [&](const std::string& name) {
    auto it =
        std::find_if(r.configs->begin(), r.configs->end(), [&](const auto& c) { return c.name == name; });
    return it == r.configs->end() ? nullptr : &*it;
  };
  const auto* retention = find("retention.ms");
  ASSERT_NE(retention, nullptr);
  EXPECT_EQ(retention->value, "3600000");
  EXPECT_EQ(retention->config_source, 1);  // DYNAMIC_TOPIC_CONFIG
  const auto* segment = find("segment.bytes");
  ASSERT_NE(segment, nullptr);
  EXPECT_EQ(segment->value, "1073741824");
  EXPECT_EQ(segment->config_source, 5);  // DEFAULT_CONFIG
  EXPECT_FALSE(segment->read_only);
  EXPECT_EQ(partition_count("payments"), 3);
}

TEST_F(TopicAdminTest, CreateTopicsWithDefaultsUsesTheBrokerDefaults) {
  auto resp = create({topic_spec("defaults", -1, -1)}, 5);
  EXPECT_EQ(resp.topics[0].error_code, 0);
  EXPECT_EQ(resp.topics[0].num_partitions, 1);
  EXPECT_EQ(resp.topics[0].replication_factor, 1);
}

TEST_F(TopicAdminTest, CreateTopicsV0AnswersOnlyErrorCodes) {
  auto resp = create({topic_spec("old-client", 2, 1)}, 0);
  ASSERT_EQ(resp.topics.size(), 1u);
  EXPECT_EQ(resp.topics[0].error_code, 0);
  EXPECT_EQ(partition_count("old-client"), 2);
}

TEST_F(TopicAdminTest, CreatingAnExistingTopicFails) {
  ASSERT_EQ(create_topic("twice"), 0);
  auto resp = create({topic_spec("twice")});
  EXPECT_EQ(resp.topics[0].error_code, 36);  // TOPIC_ALREADY_EXISTS
  EXPECT_TRUE(resp.topics[0].error_message.has_value());
  EXPECT_EQ(resp.topics[0].num_partitions, -1);
}

TEST_F(TopicAdminTest, DuplicateNamesInOneRequestAreInvalidRequests) {
  auto resp = create({topic_spec("dup"), topic_spec("dup"), topic_spec("single")});
  ASSERT_EQ(resp.topics.size(), 3u);
  EXPECT_EQ(resp.topics[0].error_code, 42);
  EXPECT_EQ(resp.topics[1].error_code, 42);
  EXPECT_EQ(resp.topics[2].error_code, 0);
  EXPECT_EQ(partition_count("dup"), -1);
}

TEST_F(TopicAdminTest, ManualAssignmentOnThisNodeCreatesThePartitions) {
  auto t = topic_spec("manual", -1, -1);
  t.assignments = {assign(1, {test_node_id}), assign(0, {test_node_id})};
  auto resp = create({t});
  EXPECT_EQ(resp.topics[0].error_code, 0);
  EXPECT_EQ(resp.topics[0].num_partitions, 2);
  EXPECT_EQ(partition_count("manual"), 2);
}

TEST_F(TopicAdminTest, ManualAssignmentsMustNameOnlyThisNodeAndBeContiguous) {
  auto other_broker = topic_spec("a1", -1, -1);
  other_broker.assignments = {assign(0, {test_node_id + 1})};
  auto two_replicas = topic_spec("a2", -1, -1);
  two_replicas.assignments = {assign(0, {test_node_id, test_node_id})};
  auto gap = topic_spec("a3", -1, -1);
  gap.assignments = {assign(0, {test_node_id}), assign(2, {test_node_id})};
  auto empty = topic_spec("a4", -1, -1);
  empty.assignments = {assign(0, {})};
  auto with_count = topic_spec("a5", 2, -1);
  with_count.assignments = {assign(0, {test_node_id})};
  auto repeated = topic_spec("a6", -1, -1);
  repeated.assignments = {assign(0, {test_node_id}), assign(0, {test_node_id})};
  auto resp = create({other_broker, two_replicas, gap, empty, with_count, repeated});
  ASSERT_EQ(resp.topics.size(), 6u);
  EXPECT_EQ(resp.topics[0].error_code, 39);  // INVALID_REPLICA_ASSIGNMENT
  EXPECT_EQ(resp.topics[1].error_code, 39);
  EXPECT_EQ(resp.topics[2].error_code, 39);
  EXPECT_EQ(resp.topics[3].error_code, 39);
  EXPECT_EQ(resp.topics[4].error_code, 42);  // INVALID_REQUEST: count and assignments both set
  EXPECT_EQ(resp.topics[5].error_code, 39);
  for (const auto& r : resp.topics) EXPECT_TRUE(r.error_message.has_value()) << r.name;
}

TEST_F(TopicAdminTest, InvalidCountsAndReplicationFactorsAreRefused) {
  auto resp = create({topic_spec("rf3", 1, 3), topic_spec("zero", 0, 1), topic_spec("rf0", 1, 0)});
  EXPECT_EQ(resp.topics[0].error_code, 38);  // INVALID_REPLICATION_FACTOR
  EXPECT_EQ(resp.topics[1].error_code, 37);  // INVALID_PARTITIONS
  EXPECT_EQ(resp.topics[2].error_code, 38);
}

TEST_F(TopicAdminTest, InvalidConfigsAreRefusedWithAMessage) {
  auto bad_value = topic_spec("c1");
  bad_value.configs.push_back({"retention.ms", "soon"});
  auto unknown = topic_spec("c2");
  unknown.configs.push_back({"no.such.config", "1"});
  auto null_value = topic_spec("c3");
  null_value.configs.push_back({"retention.ms", std::nullopt});
  auto resp = create({bad_value, unknown, null_value});
  for (const auto& r : resp.topics) {
    EXPECT_EQ(r.error_code, 40) << r.name;  // INVALID_CONFIG
    ASSERT_TRUE(r.error_message.has_value()) << r.name;
    EXPECT_FALSE(r.error_message->empty());
  }
  EXPECT_NE(resp.topics[0].error_message->find("retention.ms"), std::string::npos);
  EXPECT_EQ(partition_count("c1"), -1);
}

TEST_F(TopicAdminTest, InvalidAndInternalNamesAreRefused) {
  auto resp =
      create({topic_spec("bad name!"), topic_spec("__transaction_state"), topic_spec("__consumer_offsets")});
  EXPECT_EQ(resp.topics[0].error_code, 17);  // INVALID_TOPIC_EXCEPTION
  EXPECT_EQ(resp.topics[1].error_code, 17);  // reserved internal name
  EXPECT_EQ(resp.topics[2].error_code, 36);  // TOPIC_ALREADY_EXISTS: the broker created it at start
}

TEST_F(TopicAdminTest, ValidateOnlyCreatesNothing) {
  auto resp = create({topic_spec("dry-run", 4)}, 7, true);
  EXPECT_EQ(resp.topics[0].error_code, 0);
  EXPECT_EQ(resp.topics[0].num_partitions, 4);
  EXPECT_EQ(resp.topics[0].topic_id, protocol::uuid{});
  EXPECT_EQ(partition_count("dry-run"), -1);
  EXPECT_EQ(create_topic("dry-run", 4), 0);
}

TEST_F(TopicAdminTest, DeleteTopicsByNameBeforeV6) {
  ASSERT_EQ(create_topic("gone"), 0);
  delete_topics_request req;
  req.topic_names = {"gone", "never-was"};
  req.timeout_ms = 10000;
  auto resp = client().call<delete_topics_response>(req, 5);
  ASSERT_EQ(resp.responses.size(), 2u);
  EXPECT_EQ(resp.responses[0].name, "gone");
  EXPECT_EQ(resp.responses[0].error_code, 0);
  EXPECT_EQ(resp.responses[1].error_code, 3);  // UNKNOWN_TOPIC_OR_PARTITION
  EXPECT_EQ(partition_count("gone"), -1);
  // The name can be reused at once.
  EXPECT_EQ(create_topic("gone", 2), 0);
  EXPECT_EQ(partition_count("gone"), 2);
}

TEST_F(TopicAdminTest, DeleteTopicsV6ByIdReturnsTheName) {
  auto created = create({topic_spec("by-id")});
  const auto id = created.topics[0].topic_id;
  ASSERT_NE(id, protocol::uuid{});
  protocol::uuid unknown{};
  unknown[0] = 42;
  delete_topics_request req;
  req.topics = {{std::nullopt, id}, {std::nullopt, unknown}, {std::string("x"), id}, {std::nullopt, {}}};
  auto resp = client().call<delete_topics_response>(req, 6);
  ASSERT_EQ(resp.responses.size(), 4u);
  EXPECT_EQ(resp.responses[0].error_code, 0);
  EXPECT_EQ(resp.responses[0].name, "by-id");
  EXPECT_EQ(resp.responses[0].topic_id, id);
  EXPECT_EQ(resp.responses[1].error_code, 100);  // UNKNOWN_TOPIC_ID
  EXPECT_FALSE(resp.responses[1].name.has_value());
  EXPECT_EQ(resp.responses[2].error_code, 42);  // both name and id
  EXPECT_EQ(resp.responses[3].error_code, 42);  // neither
  EXPECT_EQ(partition_count("by-id"), -1);
}

TEST_F(TopicAdminTest, DeleteTopicsRefusesDuplicates) {
  ASSERT_EQ(create_topic("dupdel"), 0);
  delete_topics_request req;
  req.topic_names = {"dupdel", "dupdel"};
  auto resp = client().call<delete_topics_response>(req, 4);
  ASSERT_EQ(resp.responses.size(), 2u);
  EXPECT_EQ(resp.responses[0].error_code, 42);
  EXPECT_EQ(resp.responses[1].error_code, 42);
  EXPECT_EQ(partition_count("dupdel"), 1);
}

class DeletionDisabledTest : public BrokerTest {
 protected:
  DeletionDisabledTest() : BrokerTest(options()) {}
  static harness_options options() {
    harness_options o;
    o.delete_enabled = false;
    return o;
  }
};

TEST_F(DeletionDisabledTest, DeleteTopicsIsRefusedWithTheVersionsError) {
  ASSERT_EQ(create_topic("kept"), 0);
  delete_topics_request req;
  req.topic_names = {"kept"};
  auto old_client = client().call<delete_topics_response>(req, 2);
  EXPECT_EQ(old_client.responses[0].error_code, 42);  // INVALID_REQUEST before v3
  auto new_client = client().call<delete_topics_response>(req, 3);
  EXPECT_EQ(new_client.responses[0].error_code, 73);  // TOPIC_DELETION_DISABLED
}

TEST_F(TopicAdminTest, CreatePartitionsGrowsATopic) {
  ASSERT_EQ(create_topic("grow", 1), 0);
  auto resp = grow("grow", 3);
  ASSERT_EQ(resp.results.size(), 1u);
  EXPECT_EQ(resp.results[0].error_code, 0);
  EXPECT_FALSE(resp.results[0].error_message.has_value());
  EXPECT_EQ(partition_count("grow"), 3);
  auto [err, offset] = produce("grow", 2, {"new partition"});
  EXPECT_EQ(err, 0);
  EXPECT_EQ(offset, 0);
}

TEST_F(TopicAdminTest, CreatePartitionsRefusesNonIncreasesAndUnknownTopics) {
  ASSERT_EQ(create_topic("fixed", 2), 0);
  EXPECT_EQ(grow("fixed", 2, std::nullopt, false, 0).results[0].error_code, 37);
  EXPECT_EQ(grow("fixed", 1).results[0].error_code, 37);
  EXPECT_EQ(grow("nothing-here", 4).results[0].error_code, 3);
  EXPECT_EQ(partition_count("fixed"), 2);
}

TEST_F(TopicAdminTest, CreatePartitionsChecksAssignments) {
  ASSERT_EQ(create_topic("assigned", 1), 0);
  EXPECT_EQ(grow("assigned", 3, std::vector<std::vector<int32_t>>{{test_node_id}}).results[0].error_code, 39);
  // An empty (not null) list is a list of zero assignments, as in Kafka.
  EXPECT_EQ(grow("assigned", 2, std::vector<std::vector<int32_t>>{}).results[0].error_code, 39);
  EXPECT_EQ(grow("assigned", 2, std::vector<std::vector<int32_t>>{{test_node_id + 1}}).results[0].error_code,
            39);
  EXPECT_EQ(partition_count("assigned"), 1);
  EXPECT_EQ(grow("assigned", 3, std::vector<std::vector<int32_t>>{{test_node_id}, {test_node_id}})
                .results[0]
                .error_code,
            0);
  EXPECT_EQ(partition_count("assigned"), 3);
}

TEST_F(TopicAdminTest, CreatePartitionsValidateOnlyChangesNothing) {
  ASSERT_EQ(create_topic("dry", 1), 0);
  EXPECT_EQ(grow("dry", 5, std::nullopt, true).results[0].error_code, 0);
  EXPECT_EQ(partition_count("dry"), 1);
}

TEST_F(TopicAdminTest, CreatePartitionsRefusesDuplicateTopics) {
  ASSERT_EQ(create_topic("twice-grown", 1), 0);
  create_partitions_request req;
  req.topics = {{"twice-grown", 2, std::nullopt}, {"twice-grown", 3, std::nullopt}};
  auto resp = client().call<create_partitions_response>(req, 1);
  ASSERT_EQ(resp.results.size(), 2u);
  EXPECT_EQ(resp.results[0].error_code, 42);
  EXPECT_EQ(resp.results[1].error_code, 42);
}

}  // namespace
}  // namespace sluice::broker::test
