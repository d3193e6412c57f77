// Tests of crash recovery: torn tails, corruption, lost unsynced data, index rebuilds, leftovers.
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "log_fixture.h"
#include "records/batch_header.h"

namespace sluice::storage {
namespace {

using test::LogFixture;
using test::must_append;
using Recovery = LogFixture;

void cut_tail(const std::string& path, int64_t bytes) {
  auto sz = make_posix_file_system()->size(path);
  ASSERT_TRUE(sz.ok());
  ASSERT_EQ(::truncate(path.c_str(), *sz - bytes), 0);
}

void flip_byte(const std::string& path, int64_t pos) {
  int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  uint8_t b = 0;
  ASSERT_EQ(::pread(fd, &b, 1, pos), 1);
  b ^= 0x5A;
  ASSERT_EQ(::pwrite(fd, &b, 1, pos), 1);
  ::close(fd);
}

void overwrite(const std::string& path, const std::vector<uint8_t>& bytes) {
  int fd = ::open(path.c_str(), O_RDWR | O_TRUNC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
  ::close(fd);
}

TEST_F(Recovery, TruncatedTrailingBatchIsDropped) {
  auto log = open_log();
  must_append(*log, spec(2));
  must_append(*log, spec(3));
  const int64_t good = log->size_bytes();
  must_append(*log, spec(4, 50));
  log.reset();
  cut_tail(seg_path(0), 7);
  log = open_log(open_options{false, 0, -1});
  EXPECT_EQ(log->log_end_offset(), 5);
  EXPECT_EQ(log->size_bytes(), good);
  EXPECT_EQ(*fs.size(seg_path(0)), good);
  EXPECT_EQ(read_all(*log).size(), 2u);
  EXPECT_EQ(must_append(*log, spec()).base_offset, 5);
}

TEST_F(Recovery, TornHeaderIsDropped) {
  auto log = open_log();
  must_append(*log, spec(2));
  const int64_t good = log->size_bytes();
  must_append(*log, spec(2));
  const int64_t full = log->size_bytes();
  log.reset();
  cut_tail(seg_path(0), full - good - 30);  // leave 30 bytes of the second header
  log = open_log(open_options{false, 0, -1});
  EXPECT_EQ(log->log_end_offset(), 2);
  EXPECT_EQ(log->size_bytes(), good);
}

TEST_F(Recovery, CorruptCrcInTheMiddleTruncatesFromThereAndDropsLaterSegments) {
  const size_t one = test::make_batch(spec(1, 100)).size();
  cfg.segment_bytes = static_cast<int64_t>(one * 3);
  auto log = open_log();
  for (int i = 0; i < 9; ++i) must_append(*log, spec(1, 100));
  ASSERT_EQ(log->segment_base_offsets(), (std::vector<int64_t>{0, 3, 6}));
  log.reset();
  // A record byte of offset 4 (second batch of segment 3).
  flip_byte(seg_path(3), static_cast<int64_t>(one + 80));
  log = open_log(open_options{false, 0, -1});
  EXPECT_EQ(log->log_end_offset(), 4);
  EXPECT_EQ(log->segment_base_offsets(), (std::vector<int64_t>{0, 3}));
  EXPECT_FALSE(*fs.exists(seg_path(6)));
  EXPECT_FALSE(*fs.exists(seg_path(6, ".index")));
  EXPECT_EQ(read_all(*log).size(), 4u);
  EXPECT_EQ(must_append(*log, spec()).base_offset, 4);
}

TEST_F(Recovery, SegmentsBelowTheRecoveryPointAreNotRescanned) {
  const size_t one = test::make_batch(spec(1, 100)).size();
  cfg.segment_bytes = static_cast<int64_t>(one * 3);
  auto log = open_log();
  for (int i = 0; i < 7; ++i) must_append(*log, spec(1, 100));
  ASSERT_TRUE(log->flush().ok());
  log.reset();
  flip_byte(seg_path(0), 80);  // a record byte: only a full CRC scan would notice
  log = open_log(open_options{false, 6, -1});
  EXPECT_EQ(log->log_end_offset(), 7);
}

TEST_F(Recovery, CrashLosesOnlyUnsyncedData) {
  cfg.segment_bytes = 500;
  auto log = open_log();
  auto s = spec(2, 40);
  s.producer_id = 9;
  s.producer_epoch = 0;
  for (int i = 0; i < 6; ++i) {
    s.base_sequence = i * 2;
    must_append(*log, s);
  }
  ASSERT_TRUE(log->flush().ok());
  const int64_t synced = log->recovery_point();
  ASSERT_EQ(synced, 12);
  for (int i = 6; i < 15; ++i) {  // enough to roll at least twice more
    s.base_sequence = i * 2;
    must_append(*log, s);
  }
  log.reset();
  ASSERT_TRUE(fs.crash().ok());
  log = open_log(open_options{false, synced, -1});
  EXPECT_EQ(log->log_end_offset(), synced);
  auto all = read_all(*log);
  ASSERT_EQ(all.size(), 6u);
  EXPECT_EQ(all.back().last_offset(), synced - 1);
  // Producer state matches the surviving log: sequence 12 is next.
  EXPECT_EQ(log->describe_producers()[0].last_sequence, 11);
  s.base_sequence = 12;
  EXPECT_EQ(must_append(*log, s).base_offset, synced);
  // And the log is consistent after a clean cycle too.
  log = reopen_clean(log);
  EXPECT_EQ(read_all(*log).size(), 7u);
}

TEST_F(Recovery, CrashBeforeAnySyncLeavesAnEmptyUsableLog) {
  auto log = open_log();
  must_append(*log, spec(3));
  log.reset();
  ASSERT_TRUE(fs.crash().ok());
  log = open_log(open_options{false, 0, -1});
  EXPECT_EQ(log->log_end_offset(), 0);
  EXPECT_EQ(must_append(*log, spec()).base_offset, 0);
}

TEST_F(Recovery, TornWriteIsCutAfterAProcessCrash) {
  auto log = open_log();
  must_append(*log, spec(2, 100));
  fs.tear_next_write(90);
  auto b = test::make_batch(spec(2, 100));
  EXPECT_FALSE(log->append(b).ok());
  log = reopen_unclean(log);  // process crash: the torn 90 bytes are still in the file
  EXPECT_EQ(log->log_end_offset(), 2);
  EXPECT_EQ(*fs.size(seg_path(0)), log->size_bytes());
  EXPECT_EQ(must_append(*log, spec()).base_offset, 2);
}

TEST_F(Recovery, MissingIndexIsRebuilt) {
  cfg.index_interval_bytes = 100;
  cfg.segment_bytes = 3000;
  auto log = open_log();
  for (int i = 0; i < 60; ++i) must_append(*log, spec(2, 30));
  ASSERT_GT(log->segment_count(), 1u);
  log = reopen_clean(log);
  const auto index_size = *fs.size(seg_path(0, ".index"));
  const auto tindex_size = *fs.size(seg_path(0, ".timeindex"));
  ASSERT_GT(index_size, 0);
  const int64_t active = log->segment_base_offsets().back();
  ASSERT_TRUE(log->close().ok());
  log.reset();
  ASSERT_TRUE(fs.unlink(seg_path(0, ".index")).ok());
  ASSERT_TRUE(fs.unlink(seg_path(active, ".timeindex")).ok());
  log = open_log(open_options{true, 0, -1});
  EXPECT_EQ(log->log_end_offset(), 120);
  for (int64_t off = 0; off < 120; off += 7) {
    auto r = log->read(off, 1, INT64_MAX, true);
    auto hs = test::headers_of(test::slurp(*r));
    ASSERT_EQ(hs.size(), 1u);
    EXPECT_LE(hs[0].base_offset, off);
    EXPECT_GE(hs[0].last_offset(), off);
  }
  EXPECT_EQ(*fs.size(seg_path(0, ".index")), index_size);
  EXPECT_EQ(*fs.size(seg_path(0, ".timeindex")), tindex_size);
}

TEST_F(Recovery, CorruptIndexIsRebuilt) {
  cfg.index_interval_bytes = 100;
  auto log = open_log();
  for (int i = 0; i < 40; ++i) must_append(*log, spec(2, 30));
  ASSERT_TRUE(log->close().ok());
  log.reset();
  overwrite(seg_path(0, ".index"), {0, 0, 0, 9, 0, 0, 0, 200, 0, 0, 0, 5});  // 12 bytes, decreasing
  log = open_log(open_options{true, 0, -1});
  for (int64_t off = 0; off < 80; off += 3) {
    auto r = log->read(off, 1, INT64_MAX, true);
    auto hs = test::headers_of(test::slurp(*r));
    ASSERT_EQ(hs.size(), 1u);
    EXPECT_LE(hs[0].base_offset, off);
    EXPECT_GE(hs[0].last_offset(), off);
  }
  EXPECT_EQ(*fs.size(seg_path(0, ".index")) % 8, 0);
}

TEST_F(Recovery, IndexesAreNotTrustedAfterAnUncleanShutdown) {
  cfg.index_interval_bytes = 100;
  auto log = open_log();
  for (int i = 0; i < 40; ++i) must_append(*log, spec(2, 30));
  ASSERT_TRUE(log->close().ok());
  log.reset();
  // Well-formed but wrong: offset 30 claimed at position 1 (not a batch boundary).
  overwrite(seg_path(0, ".index"), {0, 0, 0, 30, 0, 0, 0, 1});
  log = open_log(open_options{false, 0, -1});
  auto r = log->read(31, 1, INT64_MAX, true);
  auto hs = test::headers_of(test::slurp(*r));
  ASSERT_EQ(hs.size(), 1u);
  EXPECT_EQ(hs[0].base_offset, 30);
}

TEST_F(Recovery, InvalidProducerSnapshotFallsBackToReplayingTheLog) {
  auto log = open_log();
  auto s = spec(1);
  s.producer_id = 3;
  s.producer_epoch = 0;
  for (int i = 0; i < 5; ++i) {
    s.base_sequence = i;
    must_append(*log, s);
  }
  ASSERT_TRUE(log->close().ok());
  log.reset();
  flip_byte(seg_path(5, ".snapshot"), 10);
  log = open_log(open_options{true, 0, -1});
  EXPECT_FALSE(*fs.exists(seg_path(5, ".snapshot")));
  ASSERT_EQ(log->describe_producers().size(), 1u);
  EXPECT_EQ(log->describe_producers()[0].last_sequence, 4);
}

TEST_F(Recovery, SnapshotBeyondTheRecoveredLogEndIsDiscarded) {
  auto log = open_log();
  auto s = spec(1);
  s.producer_id = 3;
  s.producer_epoch = 0;
  for (int i = 0; i < 4; ++i) {
    s.base_sequence = i;
    must_append(*log, s);
  }
  ASSERT_TRUE(log->close().ok());  // snapshot at 4
  log.reset();
  cut_tail(seg_path(0), 5);  // loses offset 3
  log = open_log(open_options{false, 0, -1});
  EXPECT_EQ(log->log_end_offset(), 3);
  EXPECT_FALSE(*fs.exists(seg_path(4, ".snapshot")));
  EXPECT_EQ(log->describe_producers()[0].last_sequence, 2);
}

TEST_F(Recovery, LeftoverFilesAreRemovedAtOpen) {
  auto log = open_log();
  must_append(*log, spec());
  ASSERT_TRUE(log->close().ok());
  log.reset();
  for (const char* name : {"/00000000000000000099.log.deleted", "/00000000000000000099.log.cleaned",
                           "/00000000000000000099.log.swap", "/00000000000000000099.index"})
    ASSERT_TRUE((*fs.open(pdir + name, open_mode::create)).get());
  log = open_log(open_options{true, 0, -1});
  EXPECT_FALSE(*fs.exists(pdir + "/00000000000000000099.log.deleted"));
  EXPECT_FALSE(*fs.exists(pdir + "/00000000000000000099.log.cleaned"));
  EXPECT_FALSE(*fs.exists(pdir + "/00000000000000000099.log.swap"));
  EXPECT_FALSE(*fs.exists(pdir + "/00000000000000000099.index"));
  EXPECT_EQ(log->log_end_offset(), 1);
}

TEST_F(Recovery, NewLogStartsAtTheCheckpointedLogStartOffset) {
  auto log = open_log(open_options{false, 0, 100});
  EXPECT_EQ(log->log_start_offset(), 100);
  EXPECT_EQ(log->log_end_offset(), 100);
  EXPECT_EQ(must_append(*log, spec()).base_offset, 100);
  EXPECT_TRUE(*fs.exists(seg_path(100)));
}

}  // namespace
}  // namespace sluice::storage
