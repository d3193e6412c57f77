// ListGroups, DescribeGroups, DeleteGroups and OffsetDelete through a real broker: the handlers'
// version-dependent fields and the guards they apply before the coordinator (unknown topics).
#include <algorithm>
#include <limits>

#include "broker_harness.h"
#include "protocol/generated/api_versions.h"
#include "protocol/generated/delete_groups.h"
#include "protocol/generated/describe_groups.h"
#include "protocol/generated/join_group.h"
#include "protocol/generated/list_groups.h"
#include "protocol/generated/offset_commit.h"
#include "protocol/generated/offset_delete.h"
#include "protocol/generated/sync_group.h"

namespace sluice::broker::test {
namespace {

using namespace protocol;

constexpr int16_t none = 0, unknown_topic_or_partition = 3, invalid_group_id = 24, non_empty_group = 68,
                  group_id_not_found = 69, group_subscribed_to_topic = 86;

// ConsumerProtocolSubscription v0 for one topic, no user data.
bytes subscription(const std::string& topic) {
  bytes b{0, 0, 0, 0, 0, 1, 0, static_cast<uint8_t>(topic.size())};
  b.insert(b.end(), topic.begin(), topic.end());
  b.insert(b.end(), {0xff, 0xff, 0xff, 0xff});
  return b;
}

class GroupAdminApiTest : public BrokerTest {
 protected:
  GroupAdminApiTest() : BrokerTest(options()) {}
  static harness_options options() {
    harness_options o;
    o.broker_overrides = {{"group.initial.rebalance.delay.ms", "0"}};
    return o;
  }

  // OffsetCommit v2 with generation -1: offsets for a group nobody joined (it is Empty).
  void standalone_commit(const std::string& group, const std::string& topic,
                         std::vector<int32_t> partitions) {
    offset_commit_request req;
    req.group_id = group;
    req.generation_id = -1;
    auto& t = req.topics.emplace_back();
    t.name = topic;
    for (int32_t p : partitions) {
      auto& rp = t.partitions.emplace_back();
      rp.partition_index = p;
      rp.committed_offset = 10 + p;
    }
    auto resp = client().call<offset_commit_response>(req, 2);
    for (const auto& rt : resp.topics) {
      for (const auto& rp : rt.partitions) ASSERT_EQ(rp.error_code, none);
    }
  }

  // A one-member group subscribed to `topic`, Stable after JoinGroup v5 (twice: KIP-394) and the
  // leader's SyncGroup. Returns the member id.
  std::string stable_group(const std::string& group, const std::string& topic) {
    join_group_request j;
    j.group_id = group;
    j.session_timeout_ms = 30000;
    j.rebalance_timeout_ms = 30000;
    j.protocol_type = "consumer";
    j.protocols.push_back({"range", subscription(topic)});
    auto first = client().call<join_group_response>(j, 5);
    EXPECT_EQ(first.error_code, 79);  // MEMBER_ID_REQUIRED
    j.member_id = first.member_id;
    auto joined = client().call<join_group_response>(j, 5);
    EXPECT_EQ(joined.error_code, none);
    sync_group_request s;
    s.group_id = group;
    s.generation_id = joined.generation_id;
    s.member_id = joined.member_id;
    s.assignments.push_back({joined.member_id, bytes{0, 0, 0, 0, 0, 0}});
    EXPECT_EQ(client().call<sync_group_response>(s, 3).error_code, none);
    return joined.member_id;
  }

  list_groups_response list(int16_t version, std::vector<std::string> states = {}) {
    list_groups_request req;
    req.states_filter = std::move(states);
    return client().call<list_groups_response>(req, version);
  }
};

TEST_F(GroupAdminApiTest, ApiVersionsAdvertisesTheGroupAdminApis) {
  api_versions_request req;
  req.client_software_name = "broker-test";  // v3 refuses empty names
  req.client_software_version = "1.0";
  auto resp = client().call<api_versions_response>(req, 3);
  ASSERT_EQ(resp.error_code, none);
  auto range = [&](int16_t key) {
    for (const auto& k : resp.api_keys) {
      if (k.api_key == key) return std::pair<int, int>(k.min_version, k.max_version);
    }
    return std::pair<int, int>(-1, -1);
  };
  EXPECT_EQ(range(15), (std::pair<int, int>(0, 5)));
  EXPECT_EQ(range(16), (std::pair<int, int>(0, 4)));
  EXPECT_EQ(range(42), (std::pair<int, int>(0, 2)));
  EXPECT_EQ(range(47), (std::pair<int, int>(0, 0)));
}

TEST_F(GroupAdminApiTest, ListGroupsReportsStateFromV4AndFiltersCaseInsensitively) {
  ASSERT_EQ(create_topic("t", 2), none);
  standalone_commit("idle", "t", {0});
  stable_group("busy", "t");

  auto v0 = list(0);
  EXPECT_EQ(v0.error_code, none);
  ASSERT_EQ(v0.groups.size(), 2u);
  EXPECT_EQ(v0.groups[0].group_id, "busy");
  EXPECT_EQ(v0.groups[0].protocol_type, "consumer");
  EXPECT_EQ(v0.groups[1].group_id, "idle");
  EXPECT_EQ(v0.groups[1].protocol_type, "");

  auto v4 = list(4);
  ASSERT_EQ(v4.groups.size(), 2u);
  EXPECT_EQ(v4.groups[0].group_state, "Stable");
  EXPECT_EQ(v4.groups[1].group_state, "Empty");

  auto only_empty = list(4, {"empty"});
  ASSERT_EQ(only_empty.groups.size(), 1u);
  EXPECT_EQ(only_empty.groups[0].group_id, "idle");
  EXPECT_TRUE(list(4, {"Dead"}).groups.empty());
}

TEST_F(GroupAdminApiTest, DescribeGroupsShowsStableMembersAndDeadUnknownGroups) {
  ASSERT_EQ(create_topic("t"), none);
  const std::string member = stable_group("g", "t");

  describe_groups_request req;
  req.groups = {"g", "nobody"};
  req.include_authorized_operations = true;
  auto resp = client().call<describe_groups_response>(req, 5);
  ASSERT_EQ(resp.groups.size(), 2u);
  const auto& g = resp.groups[0];
  EXPECT_EQ(g.error_code, none);
  EXPECT_EQ(g.group_state, "Stable");
  EXPECT_EQ(g.protocol_type, "consumer");
  EXPECT_EQ(g.protocol_data, "range");
  EXPECT_EQ(g.authorized_operations, (1 << 3) | (1 << 6) | (1 << 8));  // READ, DELETE, DESCRIBE
  ASSERT_EQ(g.members.size(), 1u);
  EXPECT_EQ(g.members[0].member_id, member);
  EXPECT_EQ(g.members[0].client_id, "broker-test");
  EXPECT_FALSE(g.members[0].group_instance_id);
  EXPECT_EQ(g.members[0].member_metadata, subscription("t"));
  EXPECT_EQ(g.members[0].member_assignment, (bytes{0, 0, 0, 0, 0, 0}));
  const auto& dead = resp.groups[1];
  EXPECT_EQ(dead.error_code, none);
  EXPECT_EQ(dead.group_id, "nobody");
  EXPECT_EQ(dead.group_state, "Dead");
  EXPECT_EQ(dead.protocol_type, "");
  EXPECT_TRUE(dead.members.empty());

  req.include_authorized_operations = false;
  auto plain = client().call<describe_groups_response>(req, 3);
  EXPECT_EQ(plain.groups[0].authorized_operations, std::numeric_limits<int32_t>::min());
  auto v0 = client().call<describe_groups_response>(req, 0);
  EXPECT_EQ(v0.groups[0].group_state, "Stable");
}

TEST_F(GroupAdminApiTest, DeleteGroupsAnswersEachNameOnce) {
  ASSERT_EQ(create_topic("t"), none);
  standalone_commit("idle", "t", {0});
  stable_group("busy", "t");
  delete_groups_request req;
  req.groups_names = {"idle", "busy", "nobody", "idle"};
  auto resp = client().call<delete_groups_response>(req, 2);
  ASSERT_EQ(resp.results.size(), 4u);
  EXPECT_EQ(resp.results[0].error_code, none);
  EXPECT_EQ(resp.results[1].error_code, non_empty_group);
  EXPECT_EQ(resp.results[2].error_code, group_id_not_found);
  EXPECT_EQ(resp.results[3].group_id, "idle");
  EXPECT_EQ(resp.results[3].error_code, none);  // a repeated name gets the same answer
  ASSERT_EQ(list(0).groups.size(), 1u);
}

TEST_F(GroupAdminApiTest, OffsetDeleteChecksTopicsHereAndSubscriptionsInTheCoordinator) {
  ASSERT_EQ(create_topic("sub", 2), none);
  ASSERT_EQ(create_topic("other"), none);
  stable_group("g", "sub");

  offset_delete_request req;
  req.group_id = "g";
  req.topics.push_back({"sub", {{0}}});
  req.topics.push_back({"other", {{0}, {5}}});
  req.topics.push_back({"missing", {{0}}});
  auto resp = client().call<offset_delete_response>(req, 0);
  EXPECT_EQ(resp.error_code, none);
  ASSERT_EQ(resp.topics.size(), 3u);
  EXPECT_EQ(resp.topics[0].partitions[0].error_code, group_subscribed_to_topic);
  EXPECT_EQ(resp.topics[1].partitions[0].error_code, none);
  EXPECT_EQ(resp.topics[1].partitions[1].partition_index, 5);
  EXPECT_EQ(resp.topics[1].partitions[1].error_code, unknown_topic_or_partition);
  EXPECT_EQ(resp.topics[2].name, "missing");
  EXPECT_EQ(resp.topics[2].partitions[0].error_code, unknown_topic_or_partition);

  // Group-level errors replace the whole answer, even when every topic is unknown.
  req.group_id = "nobody";
  resp = client().call<offset_delete_response>(req, 0);
  EXPECT_EQ(resp.error_code, group_id_not_found);
  EXPECT_TRUE(resp.topics.empty());
  req.group_id = "";
  req.topics = {{"missing", {{0}}}};
  resp = client().call<offset_delete_response>(req, 0);
  EXPECT_EQ(resp.error_code, invalid_group_id);
  EXPECT_TRUE(resp.topics.empty());
}

}  // namespace
}  // namespace sluice::broker::test
