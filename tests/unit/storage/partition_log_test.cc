// Tests of partition_log: append/read, rolls, index lookups, timestamps, producer checks, syncs.
#include <filesystem>

#include <gtest/gtest.h>

#include "log_fixture.h"
#include "records/batch_header.h"

namespace sluice::storage {
namespace {

using test::LogFixture;
using test::must_append;
using PartitionLog = LogFixture;

TEST_F(PartitionLog, AppendAssignsConsecutiveOffsetsAndReadReturnsTheBatches) {
  auto log = open_log();
  EXPECT_EQ(must_append(*log, spec(3)).base_offset, 0);
  auto b = must_append(*log, spec(1));
  EXPECT_EQ(b.base_offset, 3);
  EXPECT_EQ(b.last_offset, 3);
  EXPECT_EQ(b.log_append_time, -1);
  auto c = must_append(*log, spec(5));
  EXPECT_EQ(c.base_offset, 4);
  EXPECT_EQ(c.last_offset, 8);
  EXPECT_EQ(log->log_end_offset(), 9);

  auto r = log->read(0, 1 << 20, INT64_MAX, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first_offset, 0);
  auto bytes = test::slurp(*r);
  EXPECT_EQ(r->size_bytes, bytes.size());
  EXPECT_EQ(static_cast<int64_t>(bytes.size()), log->size_bytes());
  auto hs = test::headers_of(bytes);
  ASSERT_EQ(hs.size(), 3u);
  EXPECT_EQ(hs[0].base_offset, 0);
  EXPECT_EQ(hs[1].base_offset, 3);
  EXPECT_EQ(hs[2].base_offset, 4);
  // Offsets are patched outside the CRC-covered bytes: stored CRCs still hold.
  size_t pos = 0;
  for (const auto& h : hs) {
    auto one = std::span<const uint8_t>(bytes).subspan(pos, h.total_size());
    EXPECT_EQ(records::compute_crc(one), h.crc);
    pos += h.total_size();
  }
  // Slices keep the segment file alive and expose its descriptor.
  ASSERT_FALSE(r->slices.empty());
  EXPECT_TRUE(r->slices[0].keepalive);
  outbuf ob;
  std::move(*r).append_to(ob);
  EXPECT_EQ(ob.size(), bytes.size());
}

TEST_F(PartitionLog, ReadFromTheMiddleOfABatchStartsAtThatBatch) {
  auto log = open_log();
  must_append(*log, spec(3));
  must_append(*log, spec(5));
  auto r = log->read(5, 1 << 20, INT64_MAX, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first_offset, 3);
  EXPECT_EQ(test::headers_of(test::slurp(*r)).size(), 1u);
}

TEST_F(PartitionLog, ReadAtLogEndIsEmptyAndBeyondIsOutOfRange) {
  auto log = open_log();
  must_append(*log, spec(2));
  auto at_end = log->read(2, 1000, INT64_MAX, true);
  ASSERT_TRUE(at_end.ok());
  EXPECT_EQ(at_end->size_bytes, 0u);
  EXPECT_EQ(at_end->first_offset, -1);
  auto beyond = log->read(3, 1000, INT64_MAX, true);
  ASSERT_FALSE(beyond.ok());
  EXPECT_EQ(beyond.err().code, errc::out_of_range);
}

TEST_F(PartitionLog, ReadReturnsOnlyWholeBatchesWithinMaxBytes) {
  auto log = open_log();
  const size_t one = test::make_batch(spec(1, 100)).size();
  for (int i = 0; i < 5; ++i) must_append(*log, spec(1, 100));
  auto r = log->read(0, one * 2 + one / 2, INT64_MAX, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size_bytes, 2 * one);
  EXPECT_EQ(test::headers_of(test::slurp(*r)).size(), 2u);
}

TEST_F(PartitionLog, MinOneBatchReturnsAnOversizedFirstBatchWhole) {
  auto log = open_log();
  must_append(*log, spec(1, 1000));
  must_append(*log, spec(1, 1000));
  auto r = log->read(0, 10, INT64_MAX, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(test::headers_of(test::slurp(*r)).size(), 1u);
  auto none = log->read(0, 10, INT64_MAX, false);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->size_bytes, 0u);
}

TEST_F(PartitionLog, ReadExcludesBatchesAtOrAboveMaxOffset) {
  auto log = open_log();
  must_append(*log, spec(3));  // 0-2
  must_append(*log, spec(1));  // 3
  must_append(*log, spec(5));  // 4-8
  auto hs = [&](int64_t limit) {
    auto r = log->read(0, 1 << 20, limit, true);
    EXPECT_TRUE(r.ok());
    return test::headers_of(test::slurp(*r)).size();
  };
  EXPECT_EQ(hs(4), 2u);
  EXPECT_EQ(hs(6), 2u);  // the batch 4-8 contains the limit: excluded
  EXPECT_EQ(hs(9), 3u);
  EXPECT_EQ(hs(3), 1u);
  EXPECT_EQ(hs(0), 0u);
}

TEST_F(PartitionLog, OffsetsContinueAfterCleanReopen) {
  auto log = open_log();
  must_append(*log, spec(4));
  must_append(*log, spec(2));
  log = reopen_clean(log);
  EXPECT_EQ(log->log_end_offset(), 6);
  EXPECT_EQ(log->recovery_point(), 6);
  EXPECT_EQ(must_append(*log, spec(1)).base_offset, 6);
  EXPECT_EQ(read_all(*log).size(), 3u);
}

TEST_F(PartitionLog, OffsetsContinueAfterUncleanReopen) {
  auto log = open_log();
  must_append(*log, spec(4));
  must_append(*log, spec(2));
  log = reopen_unclean(log);
  EXPECT_EQ(log->log_end_offset(), 6);
  EXPECT_EQ(must_append(*log, spec(1)).base_offset, 6);
  EXPECT_EQ(read_all(*log).size(), 3u);
}

TEST_F(PartitionLog, RollsWhenSegmentBytesWouldBeExceeded) {
  const size_t one = test::make_batch(spec(1, 100)).size();
  cfg.segment_bytes = static_cast<int64_t>(one * 3);
  auto log = open_log();
  for (int i = 0; i < 7; ++i) must_append(*log, spec(1, 100));
  EXPECT_EQ(log->segment_base_offsets(), (std::vector<int64_t>{0, 3, 6}));
  // Reads cross segment boundaries.
  auto all = read_all(*log);
  ASSERT_EQ(all.size(), 7u);
  for (int i = 0; i < 7; ++i) EXPECT_EQ(all[i].base_offset, i);
  // A roll writes a producer snapshot named by the new base offset.
  EXPECT_TRUE(*fs.exists(seg_path(3, ".snapshot")));
}

TEST_F(PartitionLog, RollsWhenSegmentMsHasPassed) {
  cfg.segment_ms = 1000;
  auto log = open_log();
  must_append(*log, spec());
  clk.advance_ms(999);
  must_append(*log, spec());
  EXPECT_EQ(log->segment_count(), 1u);
  clk.advance_ms(2);
  must_append(*log, spec());
  EXPECT_EQ(log->segment_base_offsets(), (std::vector<int64_t>{0, 2}));
}

TEST_F(PartitionLog, RollsWhenTheIndexIsFull) {
  cfg.index_interval_bytes = 1;
  cfg.segment_index_bytes = 16;  // two offset-index entries
  auto log = open_log();
  for (int i = 0; i < 6; ++i) must_append(*log, spec());
  EXPECT_GE(log->segment_count(), 2u);
  EXPECT_EQ(read_all(*log).size(), 6u);
}

TEST_F(PartitionLog, IndexLookupsLandOnTheBatchContainingTheOffset) {
  cfg.index_interval_bytes = 200;
  cfg.segment_bytes = 20000;
  auto log = open_log();
  for (int i = 0; i < 300; ++i) must_append(*log, spec(1 + i % 4, 20 + (i * 7) % 50));
  ASSERT_GT(log->segment_count(), 2u);
  auto check = [&](partition_log& l, const char* when) {
    for (int64_t off = 0; off < l.log_end_offset(); ++off) {
      auto r = l.read(off, 1, INT64_MAX, true);
      ASSERT_TRUE(r.ok()) << when;
      auto hs = test::headers_of(test::slurp(*r));
      ASSERT_EQ(hs.size(), 1u) << when << " offset " << off;
      EXPECT_LE(hs[0].base_offset, off) << when;
      EXPECT_GE(hs[0].last_offset(), off) << when;
    }
  };
  check(*log, "live");
  EXPECT_GT(*fs.size(seg_path(0, ".index")), 0);
  log = reopen_clean(log);
  check(*log, "after clean reopen");
  log = reopen_unclean(log);
  check(*log, "after unclean reopen");
}

TEST_F(PartitionLog, OffsetForTimestampFindsTheFirstRecordAtOrAfter) {
  cfg.segment_bytes = 400;
  cfg.index_interval_bytes = 50;
  auto log = open_log();
  const int64_t t0 = clk.now_ms();
  for (int i = 0; i < 20; ++i) {
    auto s = spec(3);
    s.base_timestamp = t0 + i * 10;
    s.timestamp_step = 2;  // records at +0, +2, +4
    must_append(*log, s);
  }
  ASSERT_GT(log->segment_count(), 2u);
  auto at = [&](int64_t ts) { return *log->offset_for_timestamp(ts); };
  EXPECT_EQ(at(t0 - 100)->offset, 0);
  EXPECT_EQ(at(t0)->offset, 0);
  EXPECT_EQ(at(t0 + 1)->offset, 1);
  EXPECT_EQ(at(t0 + 1)->timestamp, t0 + 2);
  EXPECT_EQ(at(t0 + 74)->offset, 7 * 3 + 2);
  EXPECT_EQ(at(t0 + 75)->offset, 8 * 3);
  EXPECT_EQ(at(t0 + 194)->offset, 59);
  EXPECT_FALSE(at(t0 + 195).has_value());
  log = reopen_clean(log);
  EXPECT_EQ(at(t0 + 75)->offset, 8 * 3);
  auto mx = log->max_timestamp_and_offset();
  ASSERT_TRUE(mx.ok());
  EXPECT_EQ(mx->timestamp, t0 + 194);
  EXPECT_EQ(mx->offset, 59);
}

TEST_F(PartitionLog, MaxTimestampIsTheFirstBatchCarryingIt) {
  auto log = open_log();
  EXPECT_EQ(log->max_timestamp_and_offset()->offset, -1);
  auto s = spec(2);
  s.base_timestamp = 5000;
  must_append(*log, s);  // 0-1, max 5000
  s.base_timestamp = 9000;
  must_append(*log, s);  // 2-3, max 9000
  s.base_timestamp = 7000;
  must_append(*log, s);
  auto mx = log->max_timestamp_and_offset();
  EXPECT_EQ(mx->timestamp, 9000);
  EXPECT_EQ(mx->offset, 2);
}

TEST_F(PartitionLog, LogAppendTimeOverwritesTheTimestampAndKeepsTheCrcValid) {
  cfg.message_timestamp_type = timestamp_type::log_append_time;
  auto log = open_log();
  auto s = spec(3);
  s.base_timestamp = 1;
  auto info = must_append(*log, s);
  EXPECT_EQ(info.log_append_time, clk.now_ms());
  auto r = log->read(0, 1 << 20, INT64_MAX, true);
  auto bytes = test::slurp(*r);
  auto hs = test::headers_of(bytes);
  ASSERT_EQ(hs.size(), 1u);
  EXPECT_TRUE(hs[0].has_log_append_time());
  EXPECT_EQ(hs[0].max_timestamp, clk.now_ms());
  EXPECT_EQ(records::compute_crc(bytes), hs[0].crc);
  EXPECT_EQ((*log->offset_for_timestamp(clk.now_ms()))->offset, 0);
}

TEST_F(PartitionLog, BatchLargerThanMaxMessageBytesIsRejected) {
  cfg.max_message_bytes = 500;
  auto log = open_log();
  auto b = test::make_batch(spec(1, 600));
  auto r = log->append(b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, append_errc::record_too_large);
  EXPECT_EQ(log->log_end_offset(), 0);
}

TEST_F(PartitionLog, MalformedInputIsRejectedNotWritten) {
  auto log = open_log();
  auto b = test::make_batch(spec(2));
  b.push_back(0);  // two batches' worth of framing do not match
  auto r = log->append(b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, append_errc::invalid_record);
}

TEST_F(PartitionLog, EnospcOnAppendReturnsAnErrorAndTheLogStaysUsable) {
  auto log = open_log();
  must_append(*log, spec(2));
  fs.fail_nth_write(1);
  auto b = test::make_batch(spec(3));
  auto r = log->append(b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, append_errc::no_space);
  EXPECT_EQ(log->log_end_offset(), 2);
  EXPECT_EQ(must_append(*log, spec(3)).base_offset, 2);
  auto all = read_all(*log);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].base_offset, 2);
  log = reopen_clean(log);
  EXPECT_EQ(log->log_end_offset(), 5);
}

TEST_F(PartitionLog, AppendIsOneWriteSyscall) {
  auto log = open_log();
  must_append(*log, spec());
  const auto before = fs.write_count();
  for (int i = 0; i < 50; ++i) must_append(*log, spec(2, 300));
  EXPECT_EQ(fs.write_count() - before, 50);
}

TEST_F(PartitionLog, ReadTouchesOnlyBatchHeaders) {
  cfg.index_interval_bytes = 4096;
  auto log = open_log();
  for (int i = 0; i < 200; ++i) must_append(*log, spec(4, 2500));  // ~10 KB per batch
  const auto before = fs.read_bytes();
  for (int64_t off = 0; off < log->log_end_offset(); off += 37) {
    auto r = log->read(off, 1 << 20, INT64_MAX, true);
    ASSERT_TRUE(r.ok());
    ASSERT_GT(r->size_bytes, 0u);
  }
  // 22 reads of ~1 MiB each returned ~22 MiB of slices; only 61-byte headers were read.
  const auto read = fs.read_bytes() - before;
  EXPECT_GT(read, 0);
  EXPECT_LT(read, 22 * 200 * 61);
  EXPECT_EQ(read % 61, 0);
}

TEST_F(PartitionLog, EnospcDuringARollLeavesTheLogUsable) {
  const size_t one = test::make_batch(spec(1, 100)).size();
  cfg.segment_bytes = static_cast<int64_t>(one * 2);
  auto log = open_log();
  must_append(*log, spec(1, 100));
  must_append(*log, spec(1, 100));
  fs.fail_all_writes(true);  // the roll's snapshot/index writes fail
  auto b = test::make_batch(spec(1, 100));
  auto r = log->append(b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, append_errc::no_space);
  fs.fail_all_writes(false);
  EXPECT_EQ(must_append(*log, spec(1, 100)).base_offset, 2);
  EXPECT_EQ(log->segment_base_offsets(), (std::vector<int64_t>{0, 2}));
  log = reopen_unclean(log);
  EXPECT_EQ(read_all(*log).size(), 3u);
}

TEST_F(PartitionLog, IdempotentRetryReturnsTheOriginalOffsets) {
  auto log = open_log();
  auto s = spec(3);
  s.producer_id = 1000;
  s.producer_epoch = 0;
  s.base_sequence = 0;
  auto first = must_append(*log, s);
  s.base_sequence = 3;
  must_append(*log, s);
  s.base_sequence = 0;
  auto b = test::make_batch(s);
  auto again = log->append(b);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->base_offset, first.base_offset);
  EXPECT_EQ(again->last_offset, first.last_offset);
  EXPECT_EQ(log->log_end_offset(), 6);
}

TEST_F(PartitionLog, OutOfOrderSequenceIsRejected) {
  auto log = open_log();
  auto s = spec(1);
  s.producer_id = 7;
  s.producer_epoch = 0;
  s.base_sequence = 0;
  must_append(*log, s);
  s.base_sequence = 2;
  auto b = test::make_batch(s);
  auto r = log->append(b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, append_errc::out_of_order_sequence);
  EXPECT_EQ(log->log_end_offset(), 1);
}

TEST_F(PartitionLog, StaleProducerEpochIsFenced) {
  auto log = open_log();
  auto s = spec(1);
  s.producer_id = 7;
  s.producer_epoch = 2;
  s.base_sequence = 0;
  must_append(*log, s);
  s.producer_epoch = 1;
  s.base_sequence = 1;
  auto b = test::make_batch(s);
  auto r = log->append(b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, append_errc::invalid_producer_epoch);
}

TEST_F(PartitionLog, UnknownProducerPolicyFollowsTheConfig) {
  auto log = open_log();
  auto s = spec(1);
  s.producer_id = 77;
  s.producer_epoch = 0;
  s.base_sequence = 5;
  EXPECT_EQ(must_append(*log, s).base_offset, 0);  // Kafka >= 2.5 accepts
  auto strict = cfg;
  strict.reject_unknown_producer_sequence = true;
  log->set_config(strict);
  s.producer_id = 78;
  auto b = test::make_batch(s);
  EXPECT_EQ(log->append(b).err().code, append_errc::unknown_producer_id);
}

TEST_F(PartitionLog, ProducerStateSurvivesCleanReopen) {
  auto log = open_log();
  auto s = spec(2);
  s.producer_id = 55;
  s.producer_epoch = 1;
  for (int i = 0; i < 4; ++i) {
    s.base_sequence = i * 2;
    must_append(*log, s);
  }
  auto before = log->describe_producers();
  log = reopen_clean(log);
  EXPECT_TRUE(*fs.exists(seg_path(8, ".snapshot")));
  auto after = log->describe_producers();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].last_sequence, before[0].last_sequence);
  s.base_sequence = 4;
  auto dup = test::make_batch(s);
  auto r = log->append(dup);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->duplicate);
  EXPECT_EQ(r->base_offset, 4);
  s.base_sequence = 8;
  EXPECT_FALSE(must_append(*log, s).duplicate);
}

TEST_F(PartitionLog, ProducerStateSurvivesUncleanReopen) {
  cfg.segment_bytes = 300;
  auto log = open_log();
  auto s = spec(2);
  s.producer_id = 56;
  s.producer_epoch = 0;
  for (int i = 0; i < 10; ++i) {
    s.base_sequence = i * 2;
    must_append(*log, s);
  }
  ASSERT_GT(log->segment_count(), 2u);
  log = reopen_unclean(log);
  auto d = log->describe_producers();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].last_sequence, 19);
  s.base_sequence = 16;
  auto dup = test::make_batch(s);
  auto r = log->append(dup);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->duplicate);
  EXPECT_EQ(r->base_offset, 16);
  s.base_sequence = 21;
  auto gap = test::make_batch(s);
  EXPECT_EQ(log->append(gap).err().code, append_errc::out_of_order_sequence);
}

TEST_F(PartitionLog, PrepareSyncHandsOutWrittenFilesAndMarkSyncedMovesTheRecoveryPoint) {
  auto log = open_log();
  must_append(*log, spec(3));
  EXPECT_EQ(log->recovery_point(), 0);
  auto req = log->prepare_sync();
  EXPECT_EQ(req.offset, 3);
  ASSERT_EQ(req.files.size(), 1u);
  EXPECT_EQ(req.files[0]->path(), seg_path(0));
  for (auto& f : req.files) ASSERT_TRUE(f->fdatasync().ok());
  log->mark_synced(req.offset);
  EXPECT_EQ(log->recovery_point(), 3);
  EXPECT_TRUE(log->prepare_sync().files.empty());
}

TEST_F(PartitionLog, FlushDueFollowsFlushMessages) {
  cfg.flush_messages = 5;
  auto log = open_log();
  must_append(*log, spec(3));
  EXPECT_FALSE(log->flush_due());
  must_append(*log, spec(2));
  EXPECT_TRUE(log->flush_due());
  ASSERT_TRUE(log->flush().ok());
  EXPECT_FALSE(log->flush_due());
  EXPECT_EQ(log->recovery_point(), 5);
}

TEST_F(PartitionLog, FlushDueFollowsFlushMs) {
  cfg.flush_ms = 1000;
  auto log = open_log();
  must_append(*log, spec());
  EXPECT_FALSE(log->flush_due());
  clk.advance_ms(1000);
  EXPECT_TRUE(log->flush_due());
}

TEST_F(PartitionLog, ClosedLogRejectsAppendsAndReads) {
  auto log = open_log();
  ASSERT_TRUE(log->close().ok());
  auto b = test::make_batch(spec());
  EXPECT_EQ(log->append(b).err().code, append_errc::closed);
  EXPECT_FALSE(log->read(0, 10, INT64_MAX, true).ok());
}

// --- many partitions: cheap close of unchanged logs, split close, descriptors per idle log -------

size_t open_fds() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

TEST_F(PartitionLog, CloseOfAnUnchangedLogSyncsAndWritesNothing) {
  auto log = open_log();
  const int64_t syncs = fs.sync_count();
  const int64_t writes = fs.write_count();
  auto req = log->prepare_close();
  ASSERT_TRUE(req.ok());
  EXPECT_TRUE(req->files.empty());
  EXPECT_TRUE(req->dir.empty());
  log->finish_close(*req);
  EXPECT_TRUE(log->closed());
  EXPECT_EQ(fs.sync_count(), syncs);
  EXPECT_EQ(fs.write_count(), writes);
  EXPECT_FALSE(*fs.exists(seg_path(0, ".snapshot")));
  // Power loss after the (skipped) close: the created log is whole and usable.
  log.reset();
  ASSERT_TRUE(fs.crash().ok());
  log = open_log(open_options{true, 0, -1});
  EXPECT_EQ(log->log_end_offset(), 0);
  EXPECT_EQ(must_append(*log, spec(2)).base_offset, 0);
}

TEST_F(PartitionLog, ReopenedCleanLogIsNotClosedAgainUntilItChanges) {
  auto log = open_log();
  must_append(*log, spec(3));
  log = reopen_clean(log);  // a real close: synced, snapshot at 3
  EXPECT_TRUE(*fs.exists(seg_path(3, ".snapshot")));
  const int64_t syncs = fs.sync_count();
  log = reopen_clean(log);  // unchanged: nothing to do
  EXPECT_EQ(fs.sync_count(), syncs);
  log.reset();
  ASSERT_TRUE(fs.crash().ok());
  log = open_log(open_options{true, 0, -1});
  EXPECT_EQ(log->log_end_offset(), 3);
  // A change makes the next close a real one again, and what it wrote survives power loss.
  must_append(*log, spec(2));
  auto req = log->prepare_close();
  ASSERT_TRUE(req.ok());
  EXPECT_FALSE(req->files.empty());
  EXPECT_EQ(req->dir, pdir);
  EXPECT_EQ(req->offset, 5);
  EXPECT_FALSE(log->closed());  // not before the syncs are done
  for (const auto& f : req->files) ASSERT_TRUE(f->fdatasync().ok());
  ASSERT_TRUE(fs.sync_dir(req->dir).ok());
  log->finish_close(*req);
  EXPECT_TRUE(log->closed());
  EXPECT_EQ(log->recovery_point(), 5);
  log.reset();
  ASSERT_TRUE(fs.crash().ok());
  log = open_log(open_options{true, 0, -1});
  EXPECT_EQ(log->log_end_offset(), 5);
  EXPECT_EQ(read_all(*log).size(), 2u);
}

TEST_F(PartitionLog, IndexRebuiltAtOpenIsSyncedByClose) {
  cfg.index_interval_bytes = 100;
  auto log = open_log();
  for (int i = 0; i < 20; ++i) must_append(*log, spec(2, 30));
  ASSERT_TRUE(log->close().ok());
  log.reset();
  ASSERT_TRUE(fs.unlink(seg_path(0, ".index")).ok());
  log = open_log(open_options{true, 0, -1});  // rebuilds the index: not unchanged any more
  auto req = log->prepare_close();
  ASSERT_TRUE(req.ok());
  EXPECT_FALSE(req->dir.empty());
}

TEST_F(PartitionLog, IdleLogsHoldNoIndexOrEmptyLogDescriptors) {
  cfg.index_interval_bytes = 100;
  cfg.segment_bytes = 2000;
  {
    auto log = open_log();
    for (int i = 0; i < 40; ++i) must_append(*log, spec(2, 30));
    ASSERT_GE(log->segment_count(), 3u);
    ASSERT_TRUE(log->close().ok());
  }
  const size_t before = open_fds();
  std::vector<std::unique_ptr<partition_log>> logs;
  logs.push_back(open_log(open_options{true, 0, -1}));
  const size_t segments = logs.back()->segment_count();
  for (int i = 1; i < 10; ++i) {
    auto r = partition_log::open(fs, clk, dir.sub("idle-" + std::to_string(i)), cfg, {});
    ASSERT_TRUE(r.ok());
    logs.push_back(std::move(*r));
  }
  // One .log per non-empty segment (the empty active segment of a new log holds none); no index
  // file stays open after being read or created.
  EXPECT_EQ(open_fds() - before, segments);
  // Writing reopens the index files; reading them back still works.
  must_append(*logs[1], spec(2, 30));
  EXPECT_EQ(read_all(*logs[0]).size(), 40u);
  ASSERT_TRUE(logs[1]->flush().ok());
}

}  // namespace
}  // namespace sluice::storage
