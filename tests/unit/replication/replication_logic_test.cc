// The pure replication decisions: the leader's high watermark, follower catch-up tracking, ISR
// shrink and expand, and the follower's truncation point (KIP-101 / KIP-279).
#include <gtest/gtest.h>

#include "broker/replica_manager.h"

namespace sluice::broker::replication {
namespace {

constexpr int32_t self = 1;

replication_state leader_with(std::vector<int32_t> isr, std::vector<follower_state> followers,
                              int64_t hwm = 0) {
  replication_state r;
  r.role = replica_role::leader;
  r.leader_id = self;
  r.replicas = {1, 2, 3};
  r.isr = std::move(isr);
  r.followers = std::move(followers);
  r.high_watermark = hwm;
  return r;
}

follower_state at(int32_t id, int64_t leo, int64_t caught_up_ms = 0) {
  follower_state f;
  f.id = id;
  f.log_end_offset = leo;
  f.last_caught_up_ms = caught_up_ms;
  return f;
}

TEST(HighWatermark, IsTheSmallestLogEndOverTheIsr) {
  auto r = leader_with({1, 2, 3}, {at(2, 7), at(3, 5)});
  EXPECT_EQ(leader_high_watermark(r, self, 10), 5);
}

TEST(HighWatermark, LeaderAloneInTheIsrTakesItsLogEnd) {
  auto r = leader_with({1}, {at(2, 3), at(3, 1)});
  EXPECT_EQ(leader_high_watermark(r, self, 10), 10);
}

TEST(HighWatermark, FollowersOutsideTheIsrDoNotHoldItBack) {
  auto r = leader_with({1, 2}, {at(2, 9), at(3, 0)});
  EXPECT_EQ(leader_high_watermark(r, self, 10), 9);
}

TEST(HighWatermark, NeverMovesBackwards) {
  auto r = leader_with({1, 2}, {at(2, 4)}, /*hwm=*/6);
  EXPECT_EQ(leader_high_watermark(r, self, 10), 6);
}

TEST(HighWatermark, AnIsrMemberNotHeardFromYetHoldsIt) {
  auto r = leader_with({1, 2}, {at(2, -1)}, /*hwm=*/3);
  EXPECT_EQ(leader_high_watermark(r, self, 10), 3);
}

TEST(HighWatermark, APendingShrinkStillCountsTheLaggingMember) {
  auto r = leader_with({1, 2, 3}, {at(2, 10), at(3, 2)});
  r.pending_isr = std::vector<int32_t>{1, 2};
  EXPECT_EQ(leader_high_watermark(r, self, 10), 2);
  r.isr = {1, 2};  // committed
  r.pending_isr.reset();
  EXPECT_EQ(leader_high_watermark(r, self, 10), 10);
}

TEST(HighWatermark, APendingExpansionCountsTheJoiningMember) {
  auto r = leader_with({1}, {at(2, 8)});
  r.pending_isr = std::vector<int32_t>{1, 2};
  EXPECT_EQ(leader_high_watermark(r, self, 10), 8);
}

TEST(FollowerFetch, FetchingTheLeaderLogEndIsCaughtUpNow) {
  follower_state f = at(2, 0);
  record_follower_fetch(f, 10, 10, 1000);
  EXPECT_EQ(f.log_end_offset, 10);
  EXPECT_EQ(f.last_caught_up_ms, 1000);
}

TEST(FollowerFetch, ReachingThePreviousLeaderEndIsCaughtUpAsOfThePreviousFetch) {
  follower_state f = at(2, 0);
  record_follower_fetch(f, 5, 10, 1000);  // behind
  EXPECT_EQ(f.last_caught_up_ms, 0);
  record_follower_fetch(f, 10, 15, 1500);  // has what the leader had at 1000
  EXPECT_EQ(f.last_caught_up_ms, 1000);
  record_follower_fetch(f, 12, 20, 2000);  // fell behind the leader's 15
  EXPECT_EQ(f.last_caught_up_ms, 1000);
}

TEST(IsrShrink, FollowersNotCaughtUpWithinTheLagLeave) {
  auto r = leader_with({1, 2, 3}, {at(2, 10, 9000), at(3, 4, 1000)});
  EXPECT_EQ(out_of_sync_replicas(r, self, 10000, 5000), (std::vector<int32_t>{3}));
  EXPECT_TRUE(out_of_sync_replicas(r, self, 5500, 5000).empty());
}

TEST(IsrShrink, TheLeaderNeverLeaves) {
  auto r = leader_with({1}, {});
  EXPECT_TRUE(out_of_sync_replicas(r, self, 1'000'000, 10).empty());
}

TEST(IsrExpand, AFollowerJoinsAtTheHighWatermarkAndPastTheEpochStart) {
  EXPECT_TRUE(follower_in_sync(at(2, 10), 10, 8));
  EXPECT_FALSE(follower_in_sync(at(2, 9), 10, 8));    // below the high watermark
  EXPECT_FALSE(follower_in_sync(at(2, 10), 10, 12));  // before this epoch began
  EXPECT_FALSE(follower_in_sync(at(2, -1), 0, 0));    // never fetched
}

TEST(Truncation, SameEpochTruncatesToTheSmallerEnd) {
  // We have epoch 3 up to 12, the leader's epoch 3 ends at 10: our 10..11 diverge.
  auto t = decide_truncation(3, 10, 3, 12, 12, 5);
  EXPECT_EQ(t.offset, 10);
  EXPECT_TRUE(t.complete);
  // The leader has more of epoch 3 than we do: nothing to cut.
  t = decide_truncation(3, 20, 3, 12, 12, 5);
  EXPECT_EQ(t.offset, 12);
  EXPECT_TRUE(t.complete);
}

TEST(Truncation, UnknownLeaderEpochTruncatesToOurEndOfItAndAsksAgain) {
  // We asked for our epoch 5; the leader's largest epoch <= 5 is 3 (ending at 15); ours below 3 is
  // epoch 2, which ends at 8.
  auto t = decide_truncation(3, 15, 2, 8, 20, 5);
  EXPECT_EQ(t.offset, 8);
  EXPECT_FALSE(t.complete);
}

TEST(Truncation, UndefinedAnswersFallBack) {
  EXPECT_EQ(decide_truncation(-1, -1, -1, -1, 20, 7).offset, 7);  // leader knows nothing: HWM
  EXPECT_EQ(decide_truncation(-1, 9, -1, -1, 20, 7).offset, 9);   // old leader: its end offset
  EXPECT_EQ(decide_truncation(4, 9, -1, -1, 20, 7).offset, 9);    // we know no epoch <= 4
  EXPECT_EQ(decide_truncation(4, 30, -1, -1, 20, 7).offset, 20);  // never above our log end
}

}  // namespace
}  // namespace sluice::broker::replication
