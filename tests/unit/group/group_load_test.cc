// Tests of the coordinator's persistence side: snapshots, rebuilding from loaded records, and
// KIP-211 offset expiry.
#include "group_test_util.h"

namespace sluice::group::testing {
namespace {

using load = fixture;

struct tombstones : group_persistence {
  std::vector<std::pair<std::string, topic_partition>> offsets;
  std::vector<std::string> groups;
  int changes = 0;
  void offsets_committed(const std::string&,
                         const std::vector<std::pair<topic_partition, committed_offset>>&) override {}
  void group_changed(const std::string&) override { ++changes; }
  void offsets_removed(const std::string& g, const std::vector<topic_partition>& tps) override {
    for (const auto& tp : tps) offsets.emplace_back(g, tp);
  }
  void group_removed(const std::string& g) override { groups.push_back(g); }
};

committed_offset at(int64_t offset, int64_t ts = 1000) {
  committed_offset v;
  v.offset = offset;
  v.commit_timestamp_ms = ts;
  return v;
}

TEST_F(load, snapshot_of_a_stable_group_has_members_subscription_and_assignment) {
  auto a = join_new("g");
  run_for(5);
  ASSERT_TRUE(a->has_value());
  const std::string id = (*a)->member_id;
  sync("g", (*a)->generation_id, id, {{id, {9, 9}}});
  auto s = coord->snapshot("g");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->protocol_type, "consumer");
  EXPECT_EQ(s->generation, (*a)->generation_id);
  EXPECT_EQ(s->protocol_name, "range");
  EXPECT_EQ(s->leader, id);
  EXPECT_GT(s->current_state_timestamp_ms, 0);
  ASSERT_EQ(s->members.size(), 1u);
  EXPECT_EQ(s->members[0].member_id, id);
  EXPECT_EQ(s->members[0].subscription, (std::vector<uint8_t>{5}));  // jreq's metadata for "range"
  EXPECT_EQ(s->members[0].assignment, (std::vector<uint8_t>{9, 9}));
  EXPECT_FALSE(coord->snapshot("nobody"));
}

TEST_F(load, loaded_offsets_last_record_wins_and_tombstones_remove) {
  coord->load_offset("g", {"t", 0}, at(5));
  coord->load_offset("g", {"t", 0}, at(7));
  coord->load_offset("g", {"t", 1}, at(1));
  coord->load_offset("g", {"t", 1}, std::nullopt);
  coord->finish_load();
  auto f = coord->fetch("g", std::nullopt);
  ASSERT_EQ(f.offsets.size(), 1u);
  EXPECT_EQ(f.offsets[0].value.offset, 7);
}

TEST_F(load, a_loaded_stable_group_keeps_its_generation_and_members_can_heartbeat) {
  group_snapshot s;
  s.protocol_type = "consumer";
  s.generation = 4;
  s.protocol_name = "range";
  s.leader = "m1";
  member_snapshot m;
  m.member_id = "m1";
  m.group_instance_id = "static-1";
  m.session_timeout_ms = 10000;
  m.rebalance_timeout_ms = 10000;
  m.subscription = {5};
  m.assignment = {1};
  s.members.push_back(m);
  coord->load_group("g", s);
  coord->finish_load();
  EXPECT_EQ(coord->state_of("g"), group_state::stable);
  EXPECT_EQ(coord->generation_of("g"), 4);
  EXPECT_EQ(heartbeat("g", 4, "m1"), error_code::none);
  EXPECT_EQ(heartbeat("g", 3, "m1"), error_code::illegal_generation);
  // The member's session runs: without heartbeats it is removed and the group rebalances to Empty.
  coord->load_group("h", s);
  run_for(10200);
  EXPECT_EQ(coord->state_of("h"), group_state::empty);
}

TEST_F(load, a_group_tombstone_clears_membership_and_an_empty_group_without_offsets_is_dropped) {
  group_snapshot s;
  s.protocol_type = "consumer";
  s.generation = 2;
  coord->load_group("gone", s);
  coord->load_group("gone", std::nullopt);
  coord->load_group("kept", s);
  coord->load_offset("kept", {"t", 0}, at(3));
  coord->finish_load();
  EXPECT_FALSE(coord->state_of("gone"));
  EXPECT_EQ(coord->state_of("kept"), group_state::empty);
  EXPECT_EQ(coord->generation_of("kept"), 2);
}

TEST_F(load, offsets_of_an_empty_group_expire_together_after_retention) {
  tombstones rec;
  coord->set_persistence(&rec);
  group_snapshot s;
  s.protocol_type = "consumer";
  s.generation = 1;
  s.current_state_timestamp_ms = 10'000;
  coord->load_group("g", s);
  coord->load_offset("g", {"t", 0}, at(1, 1'000));
  coord->load_offset("g", {"t", 1}, at(2, 50'000));  // committed later, expires with the group
  EXPECT_EQ(coord->expire_offsets(10'000 + 59'999, 60'000), 0u);
  EXPECT_EQ(coord->expire_offsets(10'000 + 60'000, 60'000), 2u);
  EXPECT_EQ(rec.offsets.size(), 2u);
  ASSERT_EQ(rec.groups.size(), 1u);  // nothing left: the group is removed and tombstoned
  EXPECT_FALSE(coord->state_of("g"));
  coord->set_persistence(nullptr);
}

TEST_F(load, standalone_offsets_expire_one_by_one_from_their_commit_time) {
  tombstones rec;
  coord->set_persistence(&rec);
  coord->load_offset("simple", {"t", 0}, at(1, 1'000));
  coord->load_offset("simple", {"t", 1}, at(2, 5'000));
  EXPECT_EQ(coord->expire_offsets(62'000, 60'000), 1u);
  EXPECT_TRUE(coord->state_of("simple"));
  EXPECT_EQ(coord->fetch("simple", std::nullopt).offsets.size(), 1u);
  EXPECT_EQ(coord->expire_offsets(65'000, 60'000), 1u);
  EXPECT_FALSE(coord->state_of("simple"));
  coord->set_persistence(nullptr);
}

TEST_F(load, a_group_with_members_keeps_its_offsets) {
  auto a = join_new("g");
  run_for(5);
  ASSERT_TRUE(a->has_value());
  commit_request r;
  r.group_id = "g";
  r.generation_id = (*a)->generation_id;
  r.member_id = (*a)->member_id;
  sync("g", (*a)->generation_id, (*a)->member_id, {});
  r.offsets.push_back({{"t", 0}, at(1, 0)});
  EXPECT_EQ(coord->commit(r)[0], error_code::none);
  EXPECT_EQ(coord->expire_offsets(INT64_MAX / 2, 1), 0u);
  EXPECT_EQ(coord->fetch("g", std::nullopt).offsets.size(), 1u);
}

TEST_F(load, a_stable_consumer_group_loses_only_offsets_of_topics_it_no_longer_subscribes_to) {
  // ConsumerProtocolSubscription v0: version, topics ["t"], null user data.
  const bytes subscription{0, 0, 0, 0, 0, 1, 0, 1, 't', 0xff, 0xff, 0xff, 0xff};
  auto first = join(jreq("g", "", 5));
  ASSERT_TRUE(first->has_value());
  auto req = jreq("g", (*first)->member_id, 5);
  req.protocols = {{"range", subscription}};
  auto a = join(req);
  run_for(5);
  ASSERT_TRUE(a->has_value());
  sync("g", (*a)->generation_id, (*a)->member_id, {});
  ASSERT_EQ(coord->state_of("g"), group_state::stable);
  commit_request r;
  r.group_id = "g";
  r.generation_id = (*a)->generation_id;
  r.member_id = (*a)->member_id;
  r.offsets.push_back({{"t", 0}, at(1, 1'000)});
  r.offsets.push_back({{"u", 0}, at(2, 1'000)});
  ASSERT_EQ(coord->commit(r), (std::vector<error_code>{error_code::none, error_code::none}));
  EXPECT_EQ(coord->expire_offsets(1'000 + 59'999, 60'000), 0u);
  EXPECT_EQ(coord->expire_offsets(1'000 + 60'000, 60'000), 1u);
  auto left = coord->fetch("g", std::nullopt).offsets;
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].tp.topic, "t");
}

TEST_F(load, unload_groups_forgets_only_the_selected_groups_and_answers_parked_members) {
  auto a = join_new("moving");
  run_for(5);
  ASSERT_TRUE(a->has_value());
  const std::string id = (*a)->member_id;
  sync("moving", (*a)->generation_id, id, {{id, {1}}});
  coord->load_offset("moving", {"t", 0}, at(5));
  coord->load_offset("staying", {"t", 0}, at(9));
  // A second member parks the first's rebalance: its join waits for the first to rejoin.
  auto b = join_new("moving");
  ASSERT_FALSE(b->has_value());
  tombstones written;
  coord->set_persistence(&written);

  EXPECT_EQ(coord->unload_groups([](const std::string& g) { return g == "moving"; }), 1u);
  ASSERT_TRUE(b->has_value());
  EXPECT_EQ((*b)->error, error_code::not_coordinator);
  EXPECT_FALSE(coord->state_of("moving"));
  EXPECT_EQ(coord->fetch("staying", std::nullopt).offsets.size(), 1u);
  // Nothing is written: the group lives on at its new coordinator.
  EXPECT_EQ(written.changes, 0);
  EXPECT_TRUE(written.groups.empty());
  EXPECT_TRUE(written.offsets.empty());
  // Its timers were cancelled: nothing fires for the forgotten group.
  run_for(50);
  EXPECT_FALSE(coord->state_of("moving"));
}

TEST_F(load, finish_load_keeps_a_group_with_a_pending_member) {
  auto first = join(jreq("pending", "", 5));
  ASSERT_TRUE(first->has_value());
  ASSERT_EQ((*first)->error, error_code::member_id_required);
  coord->finish_load();  // another partition's load finishing
  auto second = join(jreq("pending", (*first)->member_id, 5));
  run_for(5);
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ((*second)->error, error_code::none);
}

TEST_F(load, assignment_not_stored_clears_the_generation_and_starts_a_rebalance) {
  auto a = join_new("g");
  run_for(5);
  ASSERT_TRUE(a->has_value());
  const std::string id = (*a)->member_id;
  const int32_t gen = (*a)->generation_id;
  sync("g", gen, id, {{id, {7}}});
  ASSERT_EQ(coord->state_of("g"), group_state::stable);
  coord->assignment_not_stored("g", gen + 1);  // another generation: ignored
  EXPECT_EQ(coord->state_of("g"), group_state::stable);
  coord->assignment_not_stored("g", gen);
  EXPECT_EQ(coord->state_of("g"), group_state::preparing_rebalance);
  EXPECT_EQ(heartbeat("g", gen, id), error_code::rebalance_in_progress);
  EXPECT_TRUE(coord->snapshot("g")->members.at(0).assignment.empty());
  coord->assignment_not_stored("g", gen);  // a second member's answer: no-op
  EXPECT_EQ(coord->state_of("g"), group_state::preparing_rebalance);
}

}  // namespace
}  // namespace sluice::group::testing
