// Tests for the classic group state machine: join phase, sync, heartbeat, leave, timeouts,
// KIP-394 member ids and KIP-345 static members. No sockets: callbacks record results.
#include "group_test_util.h"

namespace sluice::group::testing {
namespace {

using gs = group_state;

struct coordinator : fixture {};

TEST_F(coordinator, empty_group_id_is_invalid) {
  auto r = join(jreq("", ""));
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->error, error_code::invalid_group_id);
  EXPECT_EQ(heartbeat("", 1, "m"), error_code::invalid_group_id);
}

TEST_F(coordinator, session_timeout_outside_bounds_is_invalid) {
  auto req = jreq("g", "");
  req.session_timeout_ms = 5;
  auto r = join(req);
  EXPECT_EQ((*r)->error, error_code::invalid_session_timeout);
  req.session_timeout_ms = 70000;
  EXPECT_EQ((*join(req))->error, error_code::invalid_session_timeout);
}

TEST_F(coordinator, v4_dynamic_member_gets_member_id_required_with_a_client_prefixed_id) {
  auto r = join(jreq("g", "", 4));
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->error, error_code::member_id_required);
  EXPECT_EQ((*r)->member_id.rfind("client-", 0), 0u);
  EXPECT_EQ((*r)->member_id.size(), std::string("client-").size() + 36);
}

TEST_F(coordinator, v0_to_v3_join_assigns_the_id_directly_and_completes) {
  auto r = join(jreq("g", "", 3));
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->error, error_code::none);
  EXPECT_EQ((*r)->generation_id, 1);
  EXPECT_EQ((*r)->leader, (*r)->member_id);
  EXPECT_EQ((*r)->protocol_name, "range");
  ASSERT_EQ((*r)->members.size(), 1u);
  EXPECT_EQ(coord->state_of("g"), gs::completing_rebalance);
}

TEST_F(coordinator, single_member_join_sync_heartbeat_reaches_stable) {
  auto j = join_new("g");
  ASSERT_TRUE(j->has_value());
  const auto id = (*j)->member_id;
  EXPECT_EQ(heartbeat("g", 1, id), error_code::none);  // CompletingRebalance answers NONE
  auto s = sync("g", 1, id, {{id, {1, 2, 3}}});
  ASSERT_TRUE(s->has_value());
  EXPECT_EQ((*s)->error, error_code::none);
  EXPECT_EQ((*s)->assignment, (bytes{1, 2, 3}));
  EXPECT_EQ(coord->state_of("g"), gs::stable);
  EXPECT_EQ(heartbeat("g", 1, id), error_code::none);
  EXPECT_EQ(heartbeat("g", 0, id), error_code::illegal_generation);
  EXPECT_EQ(heartbeat("g", 1, "nobody"), error_code::unknown_member_id);
}

TEST_F(coordinator, second_member_triggers_rebalance_and_both_get_the_new_generation) {
  auto a = join_new("g");
  const auto a_id = (*a)->member_id;
  sync("g", 1, a_id, {{a_id, {1}}});
  auto b = join_new("g");
  EXPECT_FALSE(b->has_value());  // parked until the leader rejoins
  EXPECT_EQ(coord->state_of("g"), gs::preparing_rebalance);
  EXPECT_EQ(heartbeat("g", 1, a_id), error_code::rebalance_in_progress);
  auto a2 = join(jreq("g", a_id));
  ASSERT_TRUE(a2->has_value() && b->has_value());
  EXPECT_EQ((*a2)->generation_id, 2);
  EXPECT_EQ((*b)->generation_id, 2);
  EXPECT_EQ((*a2)->leader, a_id);  // the leader is kept across rebalances
  EXPECT_EQ((*a2)->members.size(), 2u);
  EXPECT_TRUE((*b)->members.empty());
  const auto b_id = (*b)->member_id;
  auto bs = sync("g", 2, b_id);
  EXPECT_FALSE(bs->has_value());  // the follower waits for the leader
  auto as = sync("g", 2, a_id, {{a_id, {1}}, {b_id, {2}}});
  ASSERT_TRUE(as->has_value() && bs->has_value());
  EXPECT_EQ((*bs)->assignment, bytes{2});
  EXPECT_EQ((*as)->assignment, bytes{1});
  EXPECT_EQ(coord->state_of("g"), gs::stable);
}

TEST_F(coordinator, sync_outside_completing_rebalance) {
  auto a = join_new("g");
  const auto id = (*a)->member_id;
  EXPECT_EQ((*sync("g", 1, "x"))->error, error_code::unknown_member_id);
  EXPECT_EQ((*sync("g", 7, id))->error, error_code::illegal_generation);
  EXPECT_EQ((*sync("nog", 1, id))->error, error_code::unknown_member_id);
  sync("g", 1, id, {{id, {9}}});
  auto again = sync("g", 1, id);
  EXPECT_EQ((*again)->assignment, bytes{9});  // Stable: the current assignment
}

TEST_F(coordinator, protocol_is_one_every_member_supports) {
  auto a = join(jreq("g", "", 3, {"roundrobin", "range"}));
  const auto a_id = (*a)->member_id;
  auto b = join(jreq("g", "", 3, {"range", "sticky"}));
  auto a2 = join(jreq("g", a_id, 3, {"roundrobin", "range"}));
  ASSERT_TRUE(b->has_value() && a2->has_value());
  EXPECT_EQ((*a2)->protocol_name, "range");
  auto c = join(jreq("g", "", 3, {"sticky"}));
  EXPECT_EQ((*c)->error, error_code::inconsistent_group_protocol);
}

TEST_F(coordinator, leave_of_the_last_member_empties_the_group) {
  auto a = join_new("g");
  const auto id = (*a)->member_id;
  sync("g", 1, id, {{id, {}}});
  auto r = coord->leave("g", {{id, std::nullopt}});
  EXPECT_EQ(r.error, error_code::none);
  ASSERT_EQ(r.members.size(), 1u);
  EXPECT_EQ(r.members[0], error_code::none);
  EXPECT_EQ(coord->state_of("g"), gs::empty);
  EXPECT_EQ(coord->generation_of("g"), 2);
  EXPECT_EQ(coord->leave("g", {{id, std::nullopt}}).members[0], error_code::unknown_member_id);
  EXPECT_EQ(heartbeat("g", 2, id), error_code::unknown_member_id);
}

TEST_F(coordinator, leave_of_one_member_rebalances_the_rest) {
  auto a = join_new("g");
  const auto a_id = (*a)->member_id;
  auto b = join_new("g");
  join(jreq("g", a_id));
  const auto b_id = (*b)->member_id;
  sync("g", 2, a_id, {});
  coord->leave("g", {{a_id, std::nullopt}});
  EXPECT_EQ(coord->state_of("g"), gs::preparing_rebalance);
  auto b2 = join(jreq("g", b_id));
  ASSERT_TRUE(b2->has_value());
  EXPECT_EQ((*b2)->leader, b_id);
  EXPECT_EQ((*b2)->generation_id, 3);
}

TEST_F(coordinator, session_expiry_removes_the_member) {
  auto req = jreq("g", "", 3);
  req.session_timeout_ms = 30;
  auto a = join(req);
  const auto id = (*a)->member_id;
  sync("g", 1, id, {});
  EXPECT_EQ(coord->state_of("g"), gs::stable);
  run_for(150);
  EXPECT_TRUE(coord->members_of("g").empty());
  EXPECT_EQ(coord->state_of("g"), gs::empty);
}

TEST_F(coordinator, heartbeats_keep_the_session_alive) {
  auto req = jreq("g", "", 3);
  req.session_timeout_ms = 60;
  auto a = join(req);
  const auto id = (*a)->member_id;
  sync("g", 1, id, {});
  for (int i = 0; i < 6; ++i) {
    run_for(20);
    EXPECT_EQ(heartbeat("g", 1, id), error_code::none);
  }
  EXPECT_EQ(coord->members_of("g").size(), 1u);
}

TEST_F(coordinator, rebalance_timeout_drops_members_that_do_not_rejoin) {
  auto ra = jreq("g", "", 3);
  ra.rebalance_timeout_ms = 50;
  ra.session_timeout_ms = 10000;
  auto a = join(ra);
  const auto a_id = (*a)->member_id;
  sync("g", 1, a_id, {});
  auto rb = jreq("g", "", 3);
  rb.rebalance_timeout_ms = 50;  // the join phase waits for the largest member timeout
  auto b = join(rb);
  EXPECT_FALSE(b->has_value());
  run_for(200);
  ASSERT_TRUE(b->has_value());
  EXPECT_EQ((*b)->error, error_code::none);
  EXPECT_EQ((*b)->leader, (*b)->member_id);
  EXPECT_EQ(coord->members_of("g").size(), 1u);
}

TEST_F(coordinator, initial_rebalance_delay_collects_members_into_one_generation) {
  auto c = cfg;
  c.initial_rebalance_delay_ms = 50;
  reset(c);
  auto a = join(jreq("g", "", 3));
  auto b = join(jreq("g", "", 3));
  EXPECT_FALSE(a->has_value());
  EXPECT_FALSE(b->has_value());
  run_for(300);
  ASSERT_TRUE(a->has_value() && b->has_value());
  EXPECT_EQ((*a)->generation_id, 1);
  EXPECT_EQ((*b)->generation_id, 1);
  EXPECT_EQ((*a)->members.size(), 2u);
}

TEST_F(coordinator, unreturned_pending_member_id_expires) {
  auto a = join_new("g");
  const auto a_id = (*a)->member_id;
  sync("g", 1, a_id, {});
  auto req = jreq("g", "", 5);
  req.session_timeout_ms = 30;
  auto p = join(req);
  EXPECT_EQ((*p)->error, error_code::member_id_required);
  run_for(100);
  EXPECT_EQ((*join(jreq("g", (*p)->member_id)))->error, error_code::unknown_member_id);
}

TEST_F(coordinator, static_member_rejoin_replaces_the_id_without_rebalance) {
  auto req = jreq("g", "", 5);
  req.group_instance_id = "inst-1";
  auto a = join(req);  // static members get their id at once, no MEMBER_ID_REQUIRED
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ((*a)->error, error_code::none);
  const auto old_id = (*a)->member_id;
  EXPECT_EQ(old_id.rfind("inst-1-", 0), 0u);
  sync("g", 1, old_id, {{old_id, {7}}});
  auto again = join(req);
  ASSERT_TRUE(again->has_value());
  EXPECT_EQ((*again)->error, error_code::none);
  EXPECT_NE((*again)->member_id, old_id);
  EXPECT_EQ((*again)->generation_id, 1);
  EXPECT_EQ(coord->state_of("g"), gs::stable);
  const auto new_id = (*again)->member_id;
  EXPECT_EQ((*sync("g", 1, new_id))->assignment, bytes{7});
  // The old incarnation is fenced.
  EXPECT_EQ(coord->heartbeat({"g", 1, old_id, std::string("inst-1")}), error_code::fenced_instance_id);
  auto stale = req;
  stale.member_id = old_id;
  EXPECT_EQ((*join(stale))->error, error_code::fenced_instance_id);
}

TEST_F(coordinator, static_leader_v9_rejoin_gets_skip_assignment) {
  auto req = jreq("g", "", 9);
  req.group_instance_id = "i";
  auto a = join(req);
  sync("g", 1, (*a)->member_id, {});
  auto again = join(req);
  EXPECT_TRUE((*again)->skip_assignment);
  EXPECT_EQ((*again)->leader, (*again)->member_id);
  EXPECT_EQ((*again)->members.size(), 1u);
}

TEST_F(coordinator, batched_leave_by_instance_id) {
  auto req = jreq("g", "", 5);
  req.group_instance_id = "i";
  auto a = join(req);
  sync("g", 1, (*a)->member_id, {});
  auto r =
      coord->leave("g", {{"", std::string("i")}, {"", std::string("unknown")}, {"wrong", std::string("i")}});
  ASSERT_EQ(r.members.size(), 3u);
  EXPECT_EQ(r.members[0], error_code::none);
  EXPECT_EQ(r.members[1], error_code::unknown_member_id);
  EXPECT_EQ(r.members[2], error_code::unknown_member_id);  // already gone
  EXPECT_EQ(coord->state_of("g"), gs::empty);
}

TEST_F(coordinator, a_new_join_during_completing_rebalance_fails_parked_syncs) {
  auto a = join_new("g");
  const auto a_id = (*a)->member_id;
  auto b = join_new("g");
  join(jreq("g", a_id));
  auto bs = sync("g", 2, (*b)->member_id);
  EXPECT_FALSE(bs->has_value());
  auto c = join_new("g");
  ASSERT_TRUE(bs->has_value());
  EXPECT_EQ((*bs)->error, error_code::rebalance_in_progress);
  EXPECT_EQ(coord->state_of("g"), gs::preparing_rebalance);
}

TEST_F(coordinator, shutdown_answers_parked_requests_and_refuses_new_ones) {
  auto a = join_new("g");
  auto b = join_new("g");
  EXPECT_FALSE(b->has_value());
  coord->shutdown();
  ASSERT_TRUE(b->has_value());
  EXPECT_EQ((*b)->error, error_code::not_coordinator);
  EXPECT_EQ((*join(jreq("g", "")))->error, error_code::not_coordinator);
  run_for(10);  // cancelled timers complete harmlessly
}

TEST_F(coordinator, destroying_the_coordinator_with_armed_timers_is_safe) {
  auto a = join_new("g");
  coord.reset();
  run_for(10);
}

}  // namespace
}  // namespace sluice::group::testing
