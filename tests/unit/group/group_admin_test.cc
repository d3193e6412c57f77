// Tests for the coordinator's admin API: ListGroups (state filter), DescribeGroups (every state,
// unknown groups), DeleteGroups and OffsetDelete (subscribed topics), and the persistence hooks.
#include "group_test_util.h"

namespace sluice::group::testing {
namespace {

void put16(bytes& b, int16_t v) {
  b.push_back(static_cast<uint8_t>(static_cast<uint16_t>(v) >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void put32(bytes& b, int32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(static_cast<uint32_t>(v) >> s));
}

// ConsumerProtocolSubscription v1 for `topics` (no user data, no owned partitions).
bytes subscription(const std::vector<std::string>& topics) {
  bytes b;
  put16(b, 1);
  put32(b, static_cast<int32_t>(topics.size()));
  for (const auto& t : topics) {
    put16(b, static_cast<int16_t>(t.size()));
    b.insert(b.end(), t.begin(), t.end());
  }
  put32(b, -1);  // user data
  put32(b, 0);   // owned partitions
  return b;
}

struct call {
  std::string kind;  // "offsets_removed" or "group_removed"
  std::string group;
  std::vector<topic_partition> partitions;
  bool operator==(const call&) const = default;
};

struct recorder : group_persistence {
  std::vector<call> calls;
  void offsets_committed(const std::string&,
                         const std::vector<std::pair<topic_partition, committed_offset>>&) override {}
  void group_changed(const std::string&) override {}
  void offsets_removed(const std::string& g, const std::vector<topic_partition>& p) override {
    calls.push_back({"offsets_removed", g, p});
  }
  void group_removed(const std::string& g) override { calls.push_back({"group_removed", g, {}}); }
};

struct admin : fixture {
  // A v5 member of `group` through MEMBER_ID_REQUIRED, subscribed to `topics` with protocol "range"
  // (or with raw `metadata` when given). Returns its join (completed at once: no initial delay).
  std::shared_ptr<std::optional<join_result>> join_consumer(const std::string& group,
                                                            const std::vector<std::string>& topics,
                                                            std::optional<bytes> metadata = std::nullopt,
                                                            const std::string& protocol_type = "consumer") {
    auto req = jreq(group, "");
    req.protocol_type = protocol_type;
    req.protocols = {{"range", metadata ? *metadata : subscription(topics)}};
    auto first = join(req);
    EXPECT_TRUE(first->has_value());
    EXPECT_EQ((*first)->error, error_code::member_id_required);
    req.member_id = (*first)->member_id;
    return join(req);
  }
  // A one-member Stable group; returns the member id.
  std::string stable(const std::string& group, const std::vector<std::string>& topics,
                     std::optional<bytes> metadata = std::nullopt,
                     const std::string& protocol_type = "consumer") {
    auto j = join_consumer(group, topics, metadata, protocol_type);
    EXPECT_TRUE(j->has_value());
    const std::string id = (*j)->member_id;
    auto s = sync(group, (*j)->generation_id, id, {{id, bytes{9, 8, 7}}});
    EXPECT_TRUE(s->has_value());
    EXPECT_EQ(coord->state_of(group), group_state::stable);
    return id;
  }
  void commit(const std::string& group, std::vector<topic_partition> tps, int32_t gen = -1,
              const std::string& member = "") {
    commit_request r;
    r.group_id = group;
    r.generation_id = gen;
    r.member_id = member;
    for (auto& tp : tps) r.offsets.push_back({tp, committed_offset{5, -1, std::nullopt, 0}});
    for (auto e : coord->commit(r)) EXPECT_EQ(e, error_code::none);
  }
  int64_t committed(const std::string& group, const topic_partition& tp) {
    auto f = coord->fetch(group, std::vector<fetch_topic>{{tp.topic, {tp.partition}}});
    return f.offsets.at(0).value.offset;
  }
  std::vector<std::string> listed(const std::vector<std::string>& states = {}) {
    std::vector<std::string> out;
    for (const auto& l : coord->list(states)) out.push_back(l.group_id + "=" + l.state);
    return out;
  }
};

using strings = std::vector<std::string>;

// ---- ListGroups ----

TEST_F(admin, list_shows_every_state_but_dead) {
  EXPECT_TRUE(coord->list({}).empty());
  commit("empty", {{"t", 0}});
  join_consumer("completing", {"t"});
  stable("stable", {"t"});
  // A second member joining a Stable group starts a rebalance the first has not rejoined yet.
  stable("preparing", {"t"});
  join_consumer("preparing", {"t"});
  EXPECT_EQ(coord->state_of("preparing"), group_state::preparing_rebalance);

  EXPECT_EQ(listed(), (strings{"completing=CompletingRebalance", "empty=Empty",
                               "preparing=PreparingRebalance", "stable=Stable"}));
  auto all = coord->list({});
  EXPECT_EQ(all[0].protocol_type, "consumer");
  EXPECT_EQ(all[1].protocol_type, "");  // offsets only: no protocol
}

TEST_F(admin, list_state_filter_is_case_insensitive_and_exact) {
  commit("e", {{"t", 0}});
  stable("s", {"t"});
  EXPECT_EQ(listed({"stable"}), strings{"s=Stable"});
  EXPECT_EQ(listed({"EMPTY", "StAbLe"}), (strings{"e=Empty", "s=Stable"}));
  EXPECT_TRUE(listed({"Dead"}).empty());
  EXPECT_TRUE(listed({"Stab"}).empty());
  EXPECT_TRUE(listed({"nonsense"}).empty());
}

TEST_F(admin, protocol_type_is_known_during_the_first_rebalance) {
  auto c = cfg;
  c.initial_rebalance_delay_ms = 60000;  // keeps the group in PreparingRebalance
  reset(c);
  join_consumer("g", {"t"});
  ASSERT_EQ(coord->state_of("g"), group_state::preparing_rebalance);
  auto l = coord->list({});
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].protocol_type, "consumer");
  EXPECT_EQ(coord->describe("g").protocol_type, "consumer");
}

// ---- DescribeGroups ----

TEST_F(admin, describe_unknown_group_is_dead_with_no_error) {
  for (const std::string id : {"nobody", ""}) {
    auto d = coord->describe(id);
    EXPECT_EQ(d.error, error_code::none);
    EXPECT_EQ(d.group_id, id);
    EXPECT_EQ(d.state, "Dead");
    EXPECT_EQ(d.protocol_type, "");
    EXPECT_EQ(d.protocol_data, "");
    EXPECT_TRUE(d.members.empty());
  }
}

TEST_F(admin, describe_stable_group_has_protocol_metadata_and_assignment) {
  auto req = jreq("g", "");
  req.group_instance_id = "instance-1";
  req.protocols = {{"range", subscription({"t"})}, {"roundrobin", bytes{1}}};
  auto j = join(req);  // static members get their id at once
  ASSERT_TRUE(j->has_value());
  const std::string id = (*j)->member_id;
  sync("g", 1, id, {{id, bytes{9, 8, 7}}});

  auto d = coord->describe("g");
  EXPECT_EQ(d.error, error_code::none);
  EXPECT_EQ(d.state, "Stable");
  EXPECT_EQ(d.protocol_type, "consumer");
  EXPECT_EQ(d.protocol_data, "range");
  ASSERT_EQ(d.members.size(), 1u);
  EXPECT_EQ(d.members[0].member_id, id);
  EXPECT_EQ(d.members[0].group_instance_id, "instance-1");
  EXPECT_EQ(d.members[0].client_id, "client");
  EXPECT_EQ(d.members[0].client_host, "/127.0.0.1");
  EXPECT_EQ(d.members[0].metadata, subscription({"t"}));  // the selected protocol's metadata
  EXPECT_EQ(d.members[0].assignment, (bytes{9, 8, 7}));
}

TEST_F(admin, describe_outside_stable_lists_members_without_protocol_data) {
  auto j = join_consumer("g", {"t"});
  ASSERT_EQ(coord->state_of("g"), group_state::completing_rebalance);
  auto d = coord->describe("g");
  EXPECT_EQ(d.state, "CompletingRebalance");
  EXPECT_EQ(d.protocol_type, "consumer");
  EXPECT_EQ(d.protocol_data, "");
  ASSERT_EQ(d.members.size(), 1u);
  EXPECT_EQ(d.members[0].member_id, (*j)->member_id);
  EXPECT_TRUE(d.members[0].metadata.empty());
  EXPECT_TRUE(d.members[0].assignment.empty());

  stable("p", {"t"});
  join_consumer("p", {"t"});
  d = coord->describe("p");
  EXPECT_EQ(d.state, "PreparingRebalance");
  EXPECT_EQ(d.protocol_data, "");
  ASSERT_EQ(d.members.size(), 2u);
  for (const auto& m : d.members) EXPECT_TRUE(m.metadata.empty() && m.assignment.empty());
}

TEST_F(admin, describe_empty_group_keeps_its_protocol_type) {
  const std::string id = stable("g", {"t"});
  coord->leave("g", {{id, std::nullopt}});
  ASSERT_EQ(coord->state_of("g"), group_state::empty);
  auto d = coord->describe("g");
  EXPECT_EQ(d.state, "Empty");
  EXPECT_EQ(d.protocol_type, "consumer");
  EXPECT_EQ(d.protocol_data, "");
  EXPECT_TRUE(d.members.empty());
}

// ---- DeleteGroups ----

TEST_F(admin, delete_unknown_and_non_empty_groups_is_refused) {
  EXPECT_EQ(coord->delete_group("nobody"), error_code::group_id_not_found);
  EXPECT_EQ(coord->delete_group(""), error_code::group_id_not_found);  // Kafka allows the empty id here
  stable("s", {"t"});
  EXPECT_EQ(coord->delete_group("s"), error_code::non_empty_group);
  join_consumer("c", {"t"});
  EXPECT_EQ(coord->delete_group("c"), error_code::non_empty_group);
  EXPECT_EQ(coord->state_of("s"), group_state::stable);
  EXPECT_EQ(coord->state_of("c"), group_state::completing_rebalance);
}

TEST_F(admin, delete_empty_group_removes_it_and_its_offsets_through_the_hooks) {
  recorder rec;
  coord->set_persistence(&rec);
  const std::string id = stable("g", {"t"});
  commit("g", {{"t", 0}, {"t", 1}}, 1, id);
  coord->leave("g", {{id, std::nullopt}});
  ASSERT_EQ(coord->state_of("g"), group_state::empty);
  rec.calls.clear();

  EXPECT_EQ(coord->delete_group("g"), error_code::none);
  EXPECT_EQ(rec.calls,
            (std::vector<call>{{"offsets_removed", "g", {{"t", 0}, {"t", 1}}}, {"group_removed", "g", {}}}));
  EXPECT_FALSE(coord->state_of("g"));
  EXPECT_TRUE(coord->list({}).empty());
  EXPECT_EQ(coord->describe("g").state, "Dead");
  EXPECT_EQ(committed("g", {"t", 0}), -1);
  EXPECT_EQ(coord->delete_group("g"), error_code::group_id_not_found);

  // The id is free again: a new group starts over at generation 1.
  auto j = join_consumer("g", {"t"});
  EXPECT_EQ((*j)->generation_id, 1);
  coord->set_persistence(nullptr);
}

TEST_F(admin, delete_group_without_offsets_only_removes_the_group) {
  recorder rec;
  coord->set_persistence(&rec);
  const std::string id = stable("g", {"t"});
  coord->leave("g", {{id, std::nullopt}});
  rec.calls.clear();
  EXPECT_EQ(coord->delete_group("g"), error_code::none);
  EXPECT_EQ(rec.calls, (std::vector<call>{{"group_removed", "g", {}}}));
  coord->set_persistence(nullptr);
}

TEST_F(admin, delete_empty_group_with_a_pending_member_cancels_its_timer) {
  auto first = join(jreq("g", ""));  // KIP-394: id handed out, group Empty
  ASSERT_EQ((*first)->error, error_code::member_id_required);
  ASSERT_EQ(coord->state_of("g"), group_state::empty);
  EXPECT_EQ(coord->delete_group("g"), error_code::none);
  run_for(50);  // the pending member's timer must not touch the deleted group
  auto again = join(jreq("g", (*first)->member_id));
  ASSERT_TRUE(again->has_value());
  EXPECT_EQ((*again)->error, error_code::unknown_member_id);
}

// ---- OffsetDelete ----

TEST_F(admin, offset_delete_group_errors) {
  auto r = coord->delete_offsets("", {{"t", 0}});
  EXPECT_EQ(r.error, error_code::invalid_group_id);
  EXPECT_EQ(r.partitions, std::vector<error_code>{error_code::invalid_group_id});
  r = coord->delete_offsets("nobody", {{"t", 0}, {"t", 1}});
  EXPECT_EQ(r.error, error_code::group_id_not_found);
  EXPECT_EQ(r.partitions.size(), 2u);
  EXPECT_EQ(coord->delete_offsets("nobody", {}).error, error_code::group_id_not_found);
}

TEST_F(admin, offset_delete_on_an_empty_group_removes_any_offset) {
  recorder rec;
  coord->set_persistence(&rec);
  commit("g", {{"t", 0}, {"t", 1}, {"u", 0}});
  auto r = coord->delete_offsets("g", {{"t", 0}, {"t", 7}, {"u", 0}});
  EXPECT_EQ(r.error, error_code::none);
  EXPECT_EQ(r.partitions, std::vector<error_code>(3, error_code::none));  // t-7 had none: still NONE
  // Only offsets that existed are tombstoned.
  EXPECT_EQ(rec.calls, (std::vector<call>{{"offsets_removed", "g", {{"t", 0}, {"u", 0}}}}));
  EXPECT_EQ(committed("g", {"t", 0}), -1);
  EXPECT_EQ(committed("g", {"t", 1}), 5);
  // The group stays (Kafka 4 leaves an Empty group without offsets to the expiry pass).
  rec.calls.clear();
  r = coord->delete_offsets("g", {{"t", 1}});
  EXPECT_EQ(r.partitions[0], error_code::none);
  EXPECT_EQ(coord->state_of("g"), group_state::empty);
  EXPECT_EQ(coord->delete_offsets("g", {{"t", 1}}).partitions[0], error_code::none);
  EXPECT_EQ(rec.calls.size(), 1u);  // the second delete of t-1 removed nothing
  coord->set_persistence(nullptr);
}

TEST_F(admin, offset_delete_keeps_offsets_of_subscribed_topics) {
  recorder rec;
  coord->set_persistence(&rec);
  const std::string id = stable("g", {"t"});
  commit("g", {{"t", 0}, {"old", 0}}, 1, id);
  auto r = coord->delete_offsets("g", {{"t", 0}, {"old", 0}, {"t", 1}});
  EXPECT_EQ(r.error, error_code::none);
  EXPECT_EQ(r.partitions, (std::vector<error_code>{error_code::group_subscribed_to_topic, error_code::none,
                                                   error_code::group_subscribed_to_topic}));
  EXPECT_EQ(committed("g", {"t", 0}), 5);
  EXPECT_EQ(committed("g", {"old", 0}), -1);
  EXPECT_EQ(rec.calls, (std::vector<call>{{"offsets_removed", "g", {{"old", 0}}}}));
  coord->set_persistence(nullptr);
}

TEST_F(admin, offset_delete_unions_every_members_subscription) {
  stable("g", {"t"});
  join_consumer("g", {"u"});
  ASSERT_EQ(coord->state_of("g"), group_state::preparing_rebalance);
  auto r = coord->delete_offsets("g", {{"t", 0}, {"u", 0}, {"v", 0}});
  EXPECT_EQ(r.partitions, (std::vector<error_code>{error_code::group_subscribed_to_topic,
                                                   error_code::group_subscribed_to_topic, error_code::none}));
}

TEST_F(admin, offset_delete_with_unreadable_subscriptions_assumes_everything_subscribed) {
  stable("g", {}, bytes{0, 1, 0xff});  // not a ConsumerProtocolSubscription
  auto r = coord->delete_offsets("g", {{"t", 0}, {"u", 0}});
  EXPECT_EQ(r.error, error_code::none);
  EXPECT_EQ(r.partitions, std::vector<error_code>(2, error_code::group_subscribed_to_topic));
}

TEST_F(admin, offset_delete_before_a_protocol_is_chosen_assumes_everything_subscribed) {
  auto c = cfg;
  c.initial_rebalance_delay_ms = 60000;
  reset(c);
  join_consumer("g", {"t"});
  ASSERT_EQ(coord->state_of("g"), group_state::preparing_rebalance);
  EXPECT_EQ(coord->delete_offsets("g", {{"other", 0}}).partitions[0], error_code::group_subscribed_to_topic);
}

TEST_F(admin, offset_delete_on_a_non_empty_non_consumer_group_is_refused) {
  stable("connect-cluster", {}, bytes{1, 2, 3}, "connect");
  auto r = coord->delete_offsets("connect-cluster", {{"t", 0}});
  EXPECT_EQ(r.error, error_code::non_empty_group);
  EXPECT_EQ(r.partitions, std::vector<error_code>{error_code::non_empty_group});
}

// ---- after shutdown ----

TEST_F(admin, shut_down_coordinator_answers_not_coordinator) {
  commit("g", {{"t", 0}});
  coord->shutdown();
  EXPECT_TRUE(coord->list({}).empty());
  EXPECT_EQ(coord->describe("g").error, error_code::not_coordinator);
  EXPECT_EQ(coord->delete_group("g"), error_code::not_coordinator);
  EXPECT_EQ(coord->delete_offsets("g", {{"t", 0}}).error, error_code::not_coordinator);
}

}  // namespace
}  // namespace sluice::group::testing
