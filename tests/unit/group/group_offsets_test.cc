// Tests for OffsetCommit validation and OffsetFetch on the classic group coordinator.
#include "group_test_util.h"

namespace sluice::group::testing {
namespace {

struct offsets : fixture {
  static commit_request creq(const std::string& group, int32_t gen, const std::string& member, int64_t offset,
                             std::optional<std::string> metadata = std::nullopt) {
    commit_request r;
    r.group_id = group;
    r.generation_id = gen;
    r.member_id = member;
    committed_offset v;
    v.offset = offset;
    v.leader_epoch = 3;
    v.metadata = std::move(metadata);
    r.offsets.push_back({{"t", 0}, v});
    return r;
  }
};

TEST_F(offsets, standalone_commit_creates_an_empty_group) {
  auto e = coord->commit(creq("simple", -1, "", 42, "meta"));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0], error_code::none);
  EXPECT_EQ(coord->state_of("simple"), group_state::empty);
  auto f = coord->fetch("simple", std::vector<fetch_topic>{{"t", {0, 1}}});
  ASSERT_EQ(f.offsets.size(), 2u);
  EXPECT_EQ(f.offsets[0].value.offset, 42);
  EXPECT_EQ(f.offsets[0].value.leader_epoch, 3);
  EXPECT_EQ(f.offsets[0].value.metadata, "meta");
  EXPECT_EQ(f.offsets[1].value.offset, -1);
}

TEST_F(offsets, unknown_group_with_a_generation_is_illegal_generation) {
  EXPECT_EQ(coord->commit(creq("g", 1, "m", 1))[0], error_code::illegal_generation);
}

TEST_F(offsets, member_commit_rules) {
  auto a = join_new("g");
  const auto id = (*a)->member_id;
  EXPECT_EQ(coord->commit(creq("g", 1, id, 5))[0], error_code::rebalance_in_progress);  // CompletingRebalance
  sync("g", 1, id, {});
  EXPECT_EQ(coord->commit(creq("g", 1, id, 5))[0], error_code::none);
  EXPECT_EQ(coord->commit(creq("g", 2, id, 5))[0], error_code::illegal_generation);
  EXPECT_EQ(coord->commit(creq("g", 1, "other", 5))[0], error_code::unknown_member_id);
  EXPECT_EQ(coord->commit(creq("g", -1, "", 5))[0], error_code::unknown_member_id);  // not Empty
}

TEST_F(offsets, oversized_metadata_is_refused) {
  EXPECT_EQ(coord->commit(creq("g", -1, "", 1, std::string(4097, 'x')))[0],
            error_code::offset_metadata_too_large);
  EXPECT_EQ(coord->commit(creq("g", -1, "", 1, std::string(4096, 'x')))[0], error_code::none);
}

TEST_F(offsets, null_topics_fetch_returns_everything_committed) {
  auto r = creq("g", -1, "", 1);
  r.offsets.push_back({{"u", 2}, committed_offset{9, -1, std::nullopt, 0}});
  coord->commit(r);
  auto f = coord->fetch("g", std::nullopt);
  ASSERT_EQ(f.offsets.size(), 2u);
  EXPECT_EQ(f.offsets[1].tp.topic, "u");
  EXPECT_EQ(f.offsets[1].value.offset, 9);
  EXPECT_TRUE(coord->fetch("nobody", std::nullopt).offsets.empty());
}

TEST_F(offsets, empty_group_id_is_invalid) {
  EXPECT_EQ(coord->commit(creq("", -1, "", 1))[0], error_code::invalid_group_id);
  EXPECT_EQ(coord->fetch("", std::nullopt).error, error_code::invalid_group_id);
}

struct recorder : group_persistence {
  int commits = 0, changes = 0;
  void offsets_committed(const std::string&,
                         const std::vector<std::pair<topic_partition, committed_offset>>&) override {
    ++commits;
  }
  void group_changed(const std::string&) override { ++changes; }
  void offsets_removed(const std::string&, const std::vector<topic_partition>&) override {}
  void group_removed(const std::string&) override {}
};

TEST_F(offsets, persistence_hook_sees_commits_and_generations) {
  recorder rec;
  coord->set_persistence(&rec);
  coord->commit(creq("g", -1, "", 1));
  EXPECT_EQ(rec.commits, 1);
  auto a = join_new("h");
  sync("h", 1, (*a)->member_id, {});
  EXPECT_EQ(rec.changes, 1);
  coord->set_persistence(nullptr);
}

}  // namespace
}  // namespace sluice::group::testing
