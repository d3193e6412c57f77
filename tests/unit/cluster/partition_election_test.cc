// The controller's per-partition decisions (cluster/zk/partition_election): initial state, clean
// and unclean election, ISR shrink on broker loss, controlled shutdown and preferred leaders.
#include "cluster/zk/partition_election.h"

#include <gtest/gtest.h>

namespace sluice::cluster::zk {
namespace {

partition_state state(int32_t leader, int32_t epoch, std::vector<int32_t> isr) {
  partition_state s;
  s.leader = leader;
  s.leader_epoch = epoch;
  s.isr = std::move(isr);
  return s;
}

struct ctx_holder {
  std::set<int32_t> live;
  std::set<int32_t> down;
  election_context ctx(bool unclean = false) const {
    election_context c;
    c.live = &live;
    c.shutting_down = &down;
    c.unclean_allowed = unclean;
    return c;
  }
};

TEST(PartitionElection, NewPartitionIsLedByTheFirstLiveReplicaWithEveryLiveReplicaInSync) {
  ctx_holder h{{1, 3}, {}};
  auto s = initial_state({2, 3, 1}, h.ctx());
  EXPECT_EQ(s.leader, 3);
  EXPECT_EQ(s.isr, (std::vector<int32_t>{3, 1}));
  EXPECT_EQ(s.leader_epoch, 0);
}

TEST(PartitionElection, NewPartitionWithNoLiveReplicaStartsOffline) {
  ctx_holder h{{7}, {}};
  auto s = initial_state({1, 2}, h.ctx());
  EXPECT_EQ(s.leader, -1);
  EXPECT_EQ(s.isr, (std::vector<int32_t>{1, 2}));
}

TEST(PartitionElection, NothingChangesWhileTheLeaderAndIsrAreAlive) {
  ctx_holder h{{1, 2, 3}, {}};
  EXPECT_FALSE(next_state({1, 2, 3}, state(2, 4, {2, 1, 3}), h.ctx()).has_value());
}

TEST(PartitionElection, DeadLeaderIsReplacedByTheFirstAssignedInSyncReplica) {
  ctx_holder h{{1, 3}, {}};
  auto n = next_state({2, 3, 1}, state(2, 4, {2, 1, 3}), h.ctx());
  ASSERT_TRUE(n);
  EXPECT_EQ(n->leader, 3);  // assignment order, not ISR order
  EXPECT_EQ(n->leader_epoch, 5);
  EXPECT_EQ(n->isr, (std::vector<int32_t>{1, 3}));
}

TEST(PartitionElection, DeadFollowerLeavesTheIsrWithoutANewEpoch) {
  ctx_holder h{{1, 2}, {}};
  auto n = next_state({1, 2, 3}, state(1, 4, {1, 2, 3}), h.ctx());
  ASSERT_TRUE(n);
  EXPECT_EQ(n->leader, 1);
  EXPECT_EQ(n->leader_epoch, 4);
  EXPECT_EQ(n->isr, (std::vector<int32_t>{1, 2}));
}

TEST(PartitionElection, OutOfSyncReplicaIsNotElectedCleanly) {
  // Leader 1 died; 2 is alive but not in the ISR: offline, ISR keeps the last leader.
  ctx_holder h{{2}, {}};
  auto n = next_state({1, 2}, state(1, 3, {1}), h.ctx());
  ASSERT_TRUE(n);
  EXPECT_EQ(n->leader, -1);
  EXPECT_EQ(n->leader_epoch, 4);
  EXPECT_EQ(n->isr, (std::vector<int32_t>{1}));
  // When the last leader returns it leads again.
  h.live = {1, 2};
  auto back = next_state({1, 2}, *n, h.ctx());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->leader, 1);
  EXPECT_EQ(back->leader_epoch, 5);
  EXPECT_EQ(back->isr, (std::vector<int32_t>{1}));
}

TEST(PartitionElection, UncleanElectionPicksALiveOutOfSyncReplicaWhenAllowed) {
  ctx_holder h{{2}, {}};
  auto n = next_state({1, 2}, state(1, 3, {1}), h.ctx(/*unclean=*/true));
  ASSERT_TRUE(n);
  EXPECT_EQ(n->leader, 2);
  EXPECT_EQ(n->isr, (std::vector<int32_t>{2}));
  EXPECT_EQ(n->leader_recovery_state, 1);
}

TEST(PartitionElection, ControlledShutdownMovesLeadershipAndLeavesTheIsr) {
  ctx_holder h{{1, 2, 3}, {1}};
  auto n = next_state({1, 2, 3}, state(1, 0, {1, 2, 3}), h.ctx());
  ASSERT_TRUE(n);
  EXPECT_EQ(n->leader, 2);
  EXPECT_EQ(n->isr, (std::vector<int32_t>{2, 3}));
}

TEST(PartitionElection, ControlledShutdownOfTheOnlyInSyncReplicaKeepsIt) {
  // No other in-sync replica: Kafka leaves the partition with the broker going down.
  ctx_holder h{{1, 2}, {1}};
  auto n = next_state({1, 2}, state(1, 0, {1}), h.ctx());
  ASSERT_TRUE(n);
  EXPECT_EQ(n->leader, -1);
  EXPECT_EQ(n->isr, (std::vector<int32_t>{1}));
}

TEST(PartitionElection, PreferredLeaderElectionMovesLeadershipBackWhenInSync) {
  ctx_holder h{{1, 2, 3}, {}};
  EXPECT_FALSE(next_state({1, 2, 3}, state(2, 1, {2, 3}), h.ctx(), true).has_value());  // 1 not in ISR
  auto n = next_state({1, 2, 3}, state(2, 1, {2, 3, 1}), h.ctx(), true);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->leader, 1);
  EXPECT_EQ(n->leader_epoch, 2);
  EXPECT_EQ(n->isr, (std::vector<int32_t>{2, 3, 1}));
}

TEST(PartitionElection, ReplicasRemovedFromTheAssignmentLeaveTheIsr) {
  ctx_holder h{{1, 2, 3, 4}, {}};
  auto n = next_state({1, 2, 4}, state(1, 0, {1, 2, 3}), h.ctx());
  ASSERT_TRUE(n);
  EXPECT_EQ(n->isr, (std::vector<int32_t>{1, 2}));
}

}  // namespace
}  // namespace sluice::cluster::zk
