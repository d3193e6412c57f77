// Tests of leader_epoch_cache: Kafka's assign / endOffsetFor / truncation semantics and the
// leader-epoch-checkpoint file.
#include <gtest/gtest.h>

#include "batch_maker.h"
#include "storage/fault_injection_fs.h"
#include "storage/file_names.h"
#include "storage/leader_epoch_cache.h"

namespace sluice::storage {
namespace {

using entries = std::vector<epoch_entry>;

struct LeaderEpochCache : ::testing::Test {
  test::temp_dir dir;
  std::unique_ptr<file_system> real = make_posix_file_system();
  fault_injection_fs fs{*real};
  leader_epoch_cache cache{fs, dir.path()};

  std::string read_text() {
    auto f = real->open(cache.path(), open_mode::read_only);
    EXPECT_TRUE(f.ok());
    if (!f.ok()) return {};
    std::string s(static_cast<size_t>(*(*f)->size()), '\0');
    EXPECT_TRUE((*f)->pread(std::span<uint8_t>(reinterpret_cast<uint8_t*>(s.data()), s.size()), 0).ok());
    return s;
  }
  void write_text(const std::string& s) {
    auto f = real->open(cache.path(), open_mode::create_truncate);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE(
        (*f)->pwrite(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()), 0).ok());
  }
  void fill() {
    cache.assign(1, 0);
    cache.assign(3, 10);
    cache.assign(5, 20);
  }
};

TEST_F(LeaderEpochCache, EmptyCacheHasNoEpoch) {
  EXPECT_EQ(cache.latest_epoch(), -1);
  EXPECT_EQ(cache.start_offset_of_latest(), -1);
  EXPECT_EQ(cache.end_offset_for(0, 100), (epoch_end_offset{-1, -1}));
  EXPECT_EQ(cache.end_offset_for(-1, 100), (epoch_end_offset{-1, -1}));
}

TEST_F(LeaderEpochCache, EndOffsetForFollowsKafka) {
  fill();
  // UNDEFINED_EPOCH is answered with UNDEFINED.
  EXPECT_EQ(cache.end_offset_for(-1, 30), (epoch_end_offset{-1, -1}));
  // The latest epoch ends at the log end offset.
  EXPECT_EQ(cache.end_offset_for(5, 30), (epoch_end_offset{5, 30}));
  // Above every known epoch: UNDEFINED.
  EXPECT_EQ(cache.end_offset_for(6, 30), (epoch_end_offset{-1, -1}));
  // A known epoch ends where the next one starts.
  EXPECT_EQ(cache.end_offset_for(3, 30), (epoch_end_offset{3, 20}));
  EXPECT_EQ(cache.end_offset_for(1, 30), (epoch_end_offset{1, 10}));
  // An unknown epoch between known ones: the largest epoch below it, ending where the next starts.
  EXPECT_EQ(cache.end_offset_for(4, 30), (epoch_end_offset{3, 20}));
  EXPECT_EQ(cache.end_offset_for(2, 30), (epoch_end_offset{1, 10}));
  // Below the first epoch: the requested epoch, ending at the first epoch's start (Kafka's code).
  EXPECT_EQ(cache.end_offset_for(0, 30), (epoch_end_offset{0, 0}));
}

TEST_F(LeaderEpochCache, AssignIgnoresTheLatestEpochAtALaterOffset) {
  EXPECT_TRUE(cache.assign(2, 5));
  EXPECT_FALSE(cache.assign(2, 5));
  EXPECT_FALSE(cache.assign(2, 9));
  EXPECT_EQ(cache.entries(), (entries{{2, 5}}));
  // The same epoch at an earlier offset moves its start down.
  EXPECT_TRUE(cache.assign(2, 3));
  EXPECT_EQ(cache.entries(), (entries{{2, 3}}));
  EXPECT_FALSE(cache.assign(-1, 7));
  EXPECT_FALSE(cache.assign(4, -1));
}

TEST_F(LeaderEpochCache, AssignDropsConflictingEntriesLikeKafka) {
  fill();
  // A higher epoch starting below the latest start replaces the entries starting at or after it.
  EXPECT_TRUE(cache.assign(6, 15));
  EXPECT_EQ(cache.entries(), (entries{{1, 0}, {3, 10}, {6, 15}}));
  // A lower epoch replaces every entry with an epoch >= it.
  EXPECT_TRUE(cache.assign(2, 5));
  EXPECT_EQ(cache.entries(), (entries{{1, 0}, {2, 5}}));
  EXPECT_EQ(cache.latest_epoch(), 2);
  EXPECT_EQ(cache.start_offset_of_latest(), 5);
}

TEST_F(LeaderEpochCache, TruncateFromEndDropsEntriesAtOrAfterTheEnd) {
  fill();
  EXPECT_FALSE(cache.truncate_from_end(21));
  EXPECT_EQ(cache.entries().size(), 3u);
  EXPECT_TRUE(cache.truncate_from_end(20));
  EXPECT_EQ(cache.entries(), (entries{{1, 0}, {3, 10}}));
  EXPECT_FALSE(cache.truncate_from_end(11));
  EXPECT_TRUE(cache.truncate_from_end(10));
  EXPECT_EQ(cache.entries(), (entries{{1, 0}}));
  EXPECT_TRUE(cache.truncate_from_end(0));
  EXPECT_TRUE(cache.empty());
}

TEST_F(LeaderEpochCache, TruncateFromStartKeepsTheEpochInForceAtTheNewStart) {
  fill();
  EXPECT_FALSE(cache.truncate_from_start(0));
  EXPECT_TRUE(cache.truncate_from_start(5));
  EXPECT_EQ(cache.entries(), (entries{{1, 5}, {3, 10}, {5, 20}}));
  EXPECT_TRUE(cache.truncate_from_start(15));
  EXPECT_EQ(cache.entries(), (entries{{3, 15}, {5, 20}}));
  EXPECT_TRUE(cache.truncate_from_start(20));
  EXPECT_EQ(cache.entries(), (entries{{5, 20}}));
  EXPECT_FALSE(cache.truncate_from_start(20));
  EXPECT_TRUE(cache.truncate_from_start(100));
  EXPECT_EQ(cache.entries(), (entries{{5, 100}}));
}

TEST_F(LeaderEpochCache, CheckpointRoundTripIsByteExactKafkaFormat) {
  fill();
  ASSERT_TRUE(cache.persist().ok());
  EXPECT_EQ(file_names::base_name(cache.path()), "leader-epoch-checkpoint");
  EXPECT_EQ(read_text(), "0\n3\n1 0\n3 10\n5 20\n");
  leader_epoch_cache again(fs, dir.path());
  auto loaded = again.load();
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(*loaded);
  EXPECT_EQ(again.entries(), cache.entries());
  EXPECT_FALSE(*fs.exists(file_names::tmp(cache.path())));
  // An empty cache is "0\n0\n".
  ASSERT_TRUE(again.clear());
  ASSERT_TRUE(again.persist().ok());
  EXPECT_EQ(read_text(), "0\n0\n");
}

TEST_F(LeaderEpochCache, MissingFileLoadsAsAbsent) {
  auto loaded = cache.load();
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(*loaded);
  EXPECT_TRUE(cache.empty());
}

TEST_F(LeaderEpochCache, MalformedFilesLoadAsAbsent) {
  for (const std::string& text :
       {std::string("1\n1\n0 0\n"), std::string("0\n2\n0 0\n"), std::string("0\n1\n0 0\n1 5\n"),
        std::string("0\n2\n3 0\n2 5\n"), std::string("0\n2\n1 5\n2 5\n"), std::string("0\n1\n-1 0\n"),
        std::string("0\n1\n1  0\n"), std::string("0\n1\nx 0\n"), std::string("0\n"), std::string(""),
        std::string("0\n-1\n"), std::string("0\n99999999999\n"), std::string("0\n1\n1 0 7\n")}) {
    write_text(text);
    cache.assign(9, 9);
    auto loaded = cache.load();
    ASSERT_TRUE(loaded.ok()) << text;
    EXPECT_FALSE(*loaded) << text;
    EXPECT_TRUE(cache.empty()) << text;
  }
}

TEST_F(LeaderEpochCache, ALastLineWithoutNewlineIsAccepted) {
  write_text("0\n2\n1 0\n4 7");
  auto loaded = cache.load();
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(*loaded);
  EXPECT_EQ(cache.entries(), (entries{{1, 0}, {4, 7}}));
}

TEST_F(LeaderEpochCache, OversizedFileLoadsAsAbsent) {
  write_text("0\n0\n" + std::string(static_cast<size_t>(leader_epoch_checkpoint_max_bytes), '\n'));
  auto loaded = cache.load();
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(*loaded);
}

TEST_F(LeaderEpochCache, FailedPersistLeavesThePreviousFile) {
  fill();
  ASSERT_TRUE(cache.persist().ok());
  cache.assign(7, 30);
  fs.fail_nth_write(1);
  EXPECT_FALSE(cache.persist().ok());
  EXPECT_EQ(read_text(), "0\n3\n1 0\n3 10\n5 20\n");
  ASSERT_TRUE(cache.persist().ok());
  ASSERT_TRUE(fs.crash().ok());
  leader_epoch_cache again(fs, dir.path());
  ASSERT_TRUE(again.load().ok());
  EXPECT_EQ(again.entries(), (entries{{1, 0}, {3, 10}, {5, 20}, {7, 30}}));
}

}  // namespace
}  // namespace sluice::storage
