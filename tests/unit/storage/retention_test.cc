// Tests of retention by time and size, DeleteRecords, delayed deletion and partition removal.
#include <gtest/gtest.h>

#include "log_fixture.h"

namespace sluice::storage {
namespace {

using test::LogFixture;
using test::must_append;
using Retention = LogFixture;

constexpr int64_t day = 24LL * 60 * 60 * 1000;

struct RetentionSizes : LogFixture {
  size_t one = test::make_batch(spec(1, 100)).size();
  void SetUp() override {
    cfg.segment_bytes = static_cast<int64_t>(one * 2);  // two batches per segment
    cfg.file_delete_delay_ms = 0;
  }
};

TEST_F(RetentionSizes, RetentionByTimeDeletesWholeOldSegmentsAndMovesLogStart) {
  cfg.retention_ms = day;
  auto log = open_log();
  auto s = spec(1, 100);
  s.base_timestamp = clk.now_ms() - 3 * day;
  for (int i = 0; i < 4; ++i) must_append(*log, s);  // segments 0 and 2: old
  s.base_timestamp = clk.now_ms();
  for (int i = 0; i < 4; ++i) must_append(*log, s);  // segments 4 and 6: new
  ASSERT_EQ(log->segment_base_offsets(), (std::vector<int64_t>{0, 2, 4, 6}));
  auto r = log->apply_retention(clk.now_ms());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->segments_deleted, 2);
  EXPECT_EQ(r->bytes_deleted, static_cast<int64_t>(4 * one));
  EXPECT_EQ(r->log_start_offset, 4);
  EXPECT_EQ(log->log_start_offset(), 4);
  EXPECT_EQ(log->segment_base_offsets(), (std::vector<int64_t>{4, 6}));
  EXPECT_FALSE(*fs.exists(seg_path(0)));
  EXPECT_FALSE(*fs.exists(seg_path(0) + ".deleted"));
  EXPECT_EQ(log->read(3, 100, INT64_MAX, true).err().code, errc::out_of_range);
  EXPECT_EQ(read_all(*log).size(), 4u);
}

TEST_F(RetentionSizes, RetentionNeverDeletesTheActiveSegment) {
  cfg.retention_ms = day;
  auto log = open_log();
  auto s = spec(1, 100);
  s.base_timestamp = clk.now_ms() - 3 * day;
  for (int i = 0; i < 5; ++i) must_append(*log, s);
  auto r = log->apply_retention(clk.now_ms());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(log->segment_base_offsets(), (std::vector<int64_t>{4}));
  EXPECT_EQ(log->log_start_offset(), 4);
  EXPECT_EQ(log->log_end_offset(), 5);
}

TEST_F(RetentionSizes, RetentionBySizeDeletesOldestSegmentsOverTheLimit) {
  cfg.retention_ms = -1;
  cfg.retention_bytes = static_cast<int64_t>(one * 5);
  auto log = open_log();
  for (int i = 0; i < 9; ++i) must_append(*log, spec(1, 100));  // 4.5 segments
  ASSERT_EQ(log->size_bytes(), static_cast<int64_t>(9 * one));
  auto r = log->apply_retention(clk.now_ms());
  ASSERT_TRUE(r.ok());
  // 9 - 5 = 4 batches over: two whole segments go.
  EXPECT_EQ(r->segments_deleted, 2);
  EXPECT_EQ(log->log_start_offset(), 4);
  EXPECT_LE(log->size_bytes(), static_cast<int64_t>(5 * one));
}

TEST_F(RetentionSizes, InfiniteRetentionKeepsEverything) {
  cfg.retention_ms = -1;
  cfg.retention_bytes = -1;
  auto log = open_log();
  auto s = spec(1, 100);
  s.base_timestamp = 1;
  for (int i = 0; i < 6; ++i) must_append(*log, s);
  ASSERT_TRUE(log->apply_retention(clk.now_ms()).ok());
  EXPECT_EQ(log->segment_count(), 3u);
  EXPECT_EQ(log->log_start_offset(), 0);
}

TEST_F(RetentionSizes, DeleteRecordsMovesLogStartInsideASegment) {
  auto log = open_log();
  for (int i = 0; i < 3; ++i) must_append(*log, spec(2, 100));  // 0-1 | 2-3 | 4-5 (one per segment)
  auto r = log->delete_records_before(3);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 3);
  EXPECT_EQ(log->log_start_offset(), 3);
  EXPECT_EQ(log->read(2, 1000, INT64_MAX, true).err().code, errc::out_of_range);
  auto from3 = log->read(3, 1 << 20, INT64_MAX, true);
  ASSERT_TRUE(from3.ok());
  EXPECT_EQ(from3->first_offset, 2);  // the batch containing offset 3
  EXPECT_EQ(log->segment_base_offsets().front(), 2);
}

TEST_F(RetentionSizes, DeleteRecordsRemovesWholeSegmentsBelowTheNewStart) {
  auto log = open_log();
  for (int i = 0; i < 8; ++i) must_append(*log, spec(1, 100));
  ASSERT_EQ(log->segment_count(), 4u);
  ASSERT_TRUE(log->delete_records_before(6).ok());
  EXPECT_EQ(log->segment_base_offsets(), (std::vector<int64_t>{6}));
  // Moving the start to the log end empties the log but keeps the active segment.
  ASSERT_TRUE(log->delete_records_before(8).ok());
  EXPECT_EQ(log->log_start_offset(), 8);
  EXPECT_EQ(log->segment_count(), 1u);
  EXPECT_EQ(must_append(*log, spec(1, 100)).base_offset, 8);
}

TEST_F(RetentionSizes, DeleteRecordsBeyondTheLogEndIsOutOfRange) {
  auto log = open_log();
  must_append(*log, spec());
  EXPECT_EQ(log->delete_records_before(5).err().code, errc::out_of_range);
  EXPECT_EQ(*log->delete_records_before(0), 0);
}

TEST_F(RetentionSizes, LogStartOffsetIsRestoredFromTheCheckpointValue) {
  auto log = open_log();
  for (int i = 0; i < 3; ++i) must_append(*log, spec(2, 100));
  ASSERT_TRUE(log->delete_records_before(5).ok());
  log = reopen_clean(log);  // passes the log start like the checkpoint would
  EXPECT_EQ(log->log_start_offset(), 5);
}

TEST_F(Retention, DeletedSegmentFilesLingerUntilTheDeleteDelay) {
  cfg.segment_bytes = static_cast<int64_t>(test::make_batch(spec(1, 100)).size());
  cfg.file_delete_delay_ms = 60000;
  auto log = open_log();
  for (int i = 0; i < 3; ++i) must_append(*log, spec(1, 100));
  ASSERT_TRUE(log->delete_records_before(2).ok());
  EXPECT_FALSE(*fs.exists(seg_path(0)));
  EXPECT_TRUE(*fs.exists(seg_path(0) + ".deleted"));
  EXPECT_TRUE(*fs.exists(seg_path(0, ".index.deleted")));
  clk.advance_ms(59999);
  ASSERT_TRUE(log->apply_retention(clk.now_ms()).ok());
  EXPECT_TRUE(*fs.exists(seg_path(0) + ".deleted"));
  clk.advance_ms(1);
  ASSERT_TRUE(log->apply_retention(clk.now_ms()).ok());
  EXPECT_FALSE(*fs.exists(seg_path(0) + ".deleted"));
  EXPECT_FALSE(*fs.exists(seg_path(1) + ".deleted"));
}

TEST_F(Retention, SlicesOfADeletedSegmentStayReadable) {
  cfg.segment_bytes = static_cast<int64_t>(test::make_batch(spec(1, 100)).size());
  cfg.file_delete_delay_ms = 0;
  auto log = open_log();
  for (int i = 0; i < 3; ++i) must_append(*log, spec(1, 100));
  auto r = log->read(0, 1 << 20, INT64_MAX, true);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(log->delete_records_before(2).ok());
  EXPECT_FALSE(*fs.exists(seg_path(0) + ".deleted"));
  auto hs = test::headers_of(test::slurp(*r));
  EXPECT_EQ(hs.size(), 3u);
}

TEST_F(Retention, OldProducerSnapshotsGoWithTheirSegments) {
  cfg.segment_bytes = static_cast<int64_t>(test::make_batch(spec(1, 100)).size());
  cfg.file_delete_delay_ms = 0;
  auto log = open_log();
  for (int i = 0; i < 4; ++i) must_append(*log, spec(1, 100));
  EXPECT_TRUE(*fs.exists(seg_path(1, ".snapshot")));
  ASSERT_TRUE(log->delete_records_before(3).ok());
  ASSERT_TRUE(log->apply_retention(clk.now_ms()).ok());
  EXPECT_FALSE(*fs.exists(seg_path(1, ".snapshot")));
  EXPECT_TRUE(*fs.exists(seg_path(3, ".snapshot")));
}

TEST_F(Retention, RemoveDeletesTheDirectoryAndTheNameIsFreeAtOnce) {
  auto log = open_log();
  must_append(*log, spec(3));
  auto r = log->read(0, 1 << 20, INT64_MAX, true);
  ASSERT_TRUE(log->remove().ok());
  EXPECT_FALSE(*fs.exists(pdir));
  EXPECT_TRUE((*fs.list(dir.path())).empty());
  EXPECT_EQ(test::headers_of(test::slurp(*r)).size(), 1u);  // in-flight reads still work
  auto again = open_log();
  EXPECT_EQ(again->log_end_offset(), 0);
}

}  // namespace
}  // namespace sluice::storage
