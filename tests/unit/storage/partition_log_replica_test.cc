// Tests of partition_log's replication support: leader epochs on append, follower appends,
// truncation (truncate_to, truncate_fully_and_start_at) and their crash safety.
#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include <gtest/gtest.h>

#include "log_fixture.h"
#include "records/batch_header.h"

namespace sluice::storage {
namespace {

using test::LogFixture;
using test::must_append;
using entries = std::vector<epoch_entry>;

struct Replica : LogFixture {
  // A batch as the leader would send it to a follower: offsets from `base`, epoch stamped.
  std::vector<uint8_t> leader_batch(int64_t base, int32_t epoch, int records = 1, size_t value_size = 10) {
    auto b = test::make_batch(spec(records, value_size));
    records::set_base_offset(b, base);
    records::set_partition_leader_epoch(b, epoch);
    return b;
  }
  append_result append_epoch(partition_log& log, const test::batch_spec& s, int32_t epoch) {
    auto b = test::make_batch(s);
    return log.append(b, epoch);
  }
  append_info must_append_epoch(partition_log& log, int32_t epoch, int records = 1, size_t value_size = 10) {
    auto b = test::make_batch(spec(records, value_size));
    auto r = log.append(b, epoch);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.err().message);
    return r.ok() ? *r : append_info{};
  }
  std::string epoch_file() const { return pdir + "/leader-epoch-checkpoint"; }
  std::string read_epoch_file() {
    auto f = real->open(epoch_file(), open_mode::read_only);
    if (!f.ok()) return "<missing>";
    std::string s(static_cast<size_t>(*(*f)->size()), '\0');
    EXPECT_TRUE((*f)->pread(std::span<uint8_t>(reinterpret_cast<uint8_t*>(s.data()), s.size()), 0).ok());
    return s;
  }
  // Every batch from the log start, contiguous, ending at the log end.
  void expect_consistent(partition_log& log) {
    auto all = read_all(log);
    int64_t next = log.log_start_offset();
    for (const auto& h : all) {
      EXPECT_EQ(h.base_offset, next);
      next = h.last_offset() + 1;
    }
    if (!all.empty()) {
      EXPECT_EQ(next, log.log_end_offset());
    }
    for (const auto& e : log.epochs().entries()) EXPECT_LT(e.start_offset, log.log_end_offset());
  }
  // Log with epochs 1@0 (offsets 0..3), 2@4 (4..7), 3@8 (8..11): batches of two records.
  std::unique_ptr<partition_log> three_epochs() {
    auto log = open_log();
    for (int32_t e = 1; e <= 3; ++e)
      for (int i = 0; i < 2; ++i) must_append_epoch(*log, e, 2, 40);
    EXPECT_EQ(log->epochs().entries(), (entries{{1, 0}, {2, 4}, {3, 8}}));
    return log;
  }
};

TEST_F(Replica, LeaderAppendStampsTheEpochAndRecordsItsStart) {
  auto log = open_log();
  EXPECT_EQ(must_append_epoch(*log, 3, 2).base_offset, 0);
  EXPECT_EQ(must_append_epoch(*log, 3).base_offset, 2);
  EXPECT_EQ(must_append_epoch(*log, 5).base_offset, 3);
  auto r = log->read(0, 1 << 20, INT64_MAX, true);
  ASSERT_TRUE(r.ok());
  const auto bytes = test::slurp(*r);
  const auto hs = test::headers_of(bytes);
  ASSERT_EQ(hs.size(), 3u);
  EXPECT_EQ(hs[0].partition_leader_epoch, 3);
  EXPECT_EQ(hs[1].partition_leader_epoch, 3);
  EXPECT_EQ(hs[2].partition_leader_epoch, 5);
  // The epoch is outside the CRC: the stored CRC still matches.
  size_t pos = 0;
  for (const auto& h : hs) {
    std::span<const uint8_t> one(bytes.data() + pos, h.total_size());
    EXPECT_EQ(records::compute_crc(one), h.crc);
    pos += h.total_size();
  }
  EXPECT_EQ(log->epochs().entries(), (entries{{3, 0}, {5, 3}}));
  EXPECT_EQ(read_epoch_file(), "0\n2\n3 0\n5 3\n");
  EXPECT_EQ(log->end_offset_for_epoch(3), (epoch_end_offset{3, 3}));
  EXPECT_EQ(log->end_offset_for_epoch(5), (epoch_end_offset{5, 4}));
  log = reopen_clean(log);
  EXPECT_EQ(log->epochs().entries(), (entries{{3, 0}, {5, 3}}));
}

TEST_F(Replica, ALowerLeaderEpochIsStampedButNotCached) {
  auto log = open_log();
  must_append_epoch(*log, 4);
  must_append_epoch(*log, 2);
  EXPECT_EQ(log->epochs().entries(), (entries{{4, 0}}));
  EXPECT_FALSE(append_epoch(*log, spec(), -2).ok());
}

TEST_F(Replica, PlainAppendLeavesTheEpochAsSent) {
  auto log = open_log();
  auto b = test::make_batch(spec());
  records::set_partition_leader_epoch(b, 7);
  ASSERT_TRUE(log->append(b).ok());
  EXPECT_EQ(read_all(*log)[0].partition_leader_epoch, 7);
  EXPECT_TRUE(log->epochs().empty());
  EXPECT_EQ(read_epoch_file(), "<missing>");
}

TEST_F(Replica, AssignLeaderEpochStartsTheEpochAtTheLogEnd) {
  auto log = open_log();
  must_append_epoch(*log, 1, 3);
  ASSERT_TRUE(log->assign_leader_epoch(4).ok());
  ASSERT_TRUE(log->assign_leader_epoch(2).ok());
  EXPECT_EQ(log->epochs().entries(), (entries{{1, 0}, {4, 3}}));
  EXPECT_EQ(log->end_offset_for_epoch(1), (epoch_end_offset{1, 3}));
}

TEST_F(Replica, FollowerAppendKeepsTheLeadersOffsetsAndEpochs) {
  auto log = open_log();
  auto b0 = leader_batch(0, 2, 3);
  auto r = log->append_as_follower(b0);
  ASSERT_TRUE(r.ok()) << r.err().message;
  EXPECT_EQ(r->base_offset, 0);
  EXPECT_EQ(r->last_offset, 2);
  auto b1 = leader_batch(3, 6, 2);
  ASSERT_TRUE(log->append_as_follower(b1).ok());
  EXPECT_EQ(log->log_end_offset(), 5);
  auto hs = read_all(*log);
  ASSERT_EQ(hs.size(), 2u);
  EXPECT_EQ(hs[1].base_offset, 3);
  EXPECT_EQ(hs[1].partition_leader_epoch, 6);
  EXPECT_EQ(log->epochs().entries(), (entries{{2, 0}, {6, 3}}));
}

TEST_F(Replica, FollowerAppendRefusesAGapOrOverlap) {
  auto log = open_log();
  auto b0 = leader_batch(0, 1, 2);
  ASSERT_TRUE(log->append_as_follower(b0).ok());
  const int64_t size = log->size_bytes();
  for (int64_t base : {int64_t{1}, int64_t{3}, int64_t{0}}) {
    auto b = leader_batch(base, 1);
    auto r = log->append_as_follower(b);
    ASSERT_FALSE(r.ok()) << base;
    EXPECT_EQ(r.err().code, append_errc::invalid_record);
  }
  EXPECT_EQ(log->log_end_offset(), 2);
  EXPECT_EQ(log->size_bytes(), size);
  EXPECT_EQ(*fs.size(seg_path(0)), size);
}

TEST_F(Replica, FollowerAcceptsWhatTheLeaderAcceptedAndLaterDetectsRetries) {
  auto log = open_log();
  auto s = spec(2);
  s.producer_id = 42;
  s.producer_epoch = 3;
  s.base_sequence = 10;  // not 0 for a new producer: the leader knew it
  auto b = test::make_batch(s);
  records::set_base_offset(b, 0);
  ASSERT_TRUE(log->append_as_follower(b).ok());
  s.base_sequence = 20;  // a sequence gap: the leader accepted it, so must we
  auto b2 = test::make_batch(s);
  records::set_base_offset(b2, 2);
  ASSERT_TRUE(log->append_as_follower(b2).ok());
  ASSERT_EQ(log->describe_producers().size(), 1u);
  EXPECT_EQ(log->describe_producers()[0].last_sequence, 21);
  // Now leader: a retry of the last batch is answered with its original offsets.
  auto retry = test::make_batch(s);
  auto r = log->append(retry, 4);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->duplicate);
  EXPECT_EQ(r->base_offset, 2);
  EXPECT_EQ(log->log_end_offset(), 4);
  s.base_sequence = 22;
  EXPECT_EQ(must_append(*log, s).base_offset, 4);
}

TEST_F(Replica, TruncateAtABatchBoundary) {
  auto log = three_epochs();
  auto end = log->truncate_to(6);
  ASSERT_TRUE(end.ok()) << end.err().message;
  EXPECT_EQ(*end, 6);
  EXPECT_EQ(log->log_end_offset(), 6);
  EXPECT_EQ(read_all(*log).size(), 3u);
  EXPECT_EQ(log->epochs().entries(), (entries{{1, 0}, {2, 4}}));
  EXPECT_EQ(read_epoch_file(), "0\n2\n1 0\n2 4\n");
  EXPECT_EQ(log->end_offset_for_epoch(2), (epoch_end_offset{2, 6}));
  EXPECT_EQ(log->end_offset_for_epoch(3), (epoch_end_offset{-1, -1}));
  // Appends continue at the new end, in the leader's next epoch.
  EXPECT_EQ(must_append_epoch(*log, 4).base_offset, 6);
  EXPECT_EQ(log->epochs().entries(), (entries{{1, 0}, {2, 4}, {4, 6}}));
  expect_consistent(*log);
  log = reopen_clean(log);
  EXPECT_EQ(log->log_end_offset(), 7);
  EXPECT_EQ(log->epochs().entries(), (entries{{1, 0}, {2, 4}, {4, 6}}));
  expect_consistent(*log);
}

TEST_F(Replica, TruncateInsideABatchDropsTheWholeBatch) {
  auto log = three_epochs();
  auto end = log->truncate_to(9);
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(*end, 8);
  EXPECT_EQ(log->log_end_offset(), 8);
  EXPECT_EQ(log->epochs().entries(), (entries{{1, 0}, {2, 4}}));
  EXPECT_EQ(must_append(*log, spec()).base_offset, 8);
  expect_consistent(*log);
}

TEST_F(Replica, TruncateAtOrBeyondTheEndIsANoOp) {
  auto log = three_epochs();
  const int64_t size = log->size_bytes();
  EXPECT_EQ(*log->truncate_to(12), 12);
  EXPECT_EQ(*log->truncate_to(100), 12);
  EXPECT_EQ(log->size_bytes(), size);
  EXPECT_EQ(log->epochs().entries().size(), 3u);
  EXPECT_FALSE(log->truncate_to(-1).ok());
}

TEST_F(Replica, TruncateAcrossSegmentsKeepsIndexesAndLookupsRight) {
  const size_t one = test::make_batch(spec(1, 100)).size();
  cfg.segment_bytes = static_cast<int64_t>(one * 4);
  cfg.index_interval_bytes = 1;  // index every batch but a segment's first
  auto log = open_log();
  for (int i = 0; i < 14; ++i) {
    clk.advance_ms(10);
    must_append_epoch(*log, i < 7 ? 1 : 2, 1, 100);
  }
  ASSERT_EQ(log->segment_base_offsets(), (std::vector<int64_t>{0, 4, 8, 12}));
  ASSERT_TRUE(log->flush().ok());
  auto end = log->truncate_to(6);
  ASSERT_TRUE(end.ok()) << end.err().message;
  EXPECT_EQ(*end, 6);
  EXPECT_EQ(log->segment_base_offsets(), (std::vector<int64_t>{0, 4}));
  EXPECT_FALSE(*fs.exists(seg_path(8)));
  EXPECT_FALSE(*fs.exists(seg_path(12, ".index")));
  EXPECT_LE(log->recovery_point(), 6);
  EXPECT_EQ(log->epochs().entries(), (entries{{1, 0}}));
  auto check = [&](partition_log& l) {
    EXPECT_EQ(l.log_end_offset(), 6);
    for (int64_t o = 0; o < 6; ++o) {
      auto r = l.read(o, 1, INT64_MAX, true);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r->first_offset, o);
    }
    EXPECT_TRUE(l.read(7, 1, INT64_MAX, true).err().code == errc::out_of_range);
    auto ts = l.offset_for_timestamp(clk.now_ms() - 1000);
    ASSERT_TRUE(ts.ok());
    ASSERT_TRUE(ts->has_value());
    auto max = l.max_timestamp_and_offset();
    ASSERT_TRUE(max.ok());
    EXPECT_EQ(max->offset, 5);
  };
  check(*log);
  expect_consistent(*log);
  log = reopen_clean(log);
  check(*log);
  log = reopen_unclean(log, 0);
  check(*log);
  // Appends refill the log and roll normally.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(must_append_epoch(*log, 3, 1, 100).base_offset, 6 + i);
  EXPECT_EQ(log->segment_base_offsets(), (std::vector<int64_t>{0, 4, 8}));
  EXPECT_EQ(log->epochs().entries(), (entries{{1, 0}, {3, 6}}));
  expect_consistent(*log);
}

TEST_F(Replica, TruncateToASegmentBaseKeepsThatSegmentEmpty) {
  const size_t one = test::make_batch(spec(1, 100)).size();
  cfg.segment_bytes = static_cast<int64_t>(one * 2);
  auto log = open_log();
  for (int i = 0; i < 6; ++i) must_append_epoch(*log, 1, 1, 100);
  ASSERT_EQ(log->segment_base_offsets(), (std::vector<int64_t>{0, 2, 4}));
  ASSERT_TRUE(log->truncate_to(2).ok());
  EXPECT_EQ(log->segment_base_offsets(), (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(*fs.size(seg_path(2)), 0);
  EXPECT_EQ(log->log_end_offset(), 2);
  EXPECT_EQ(must_append(*log, spec()).base_offset, 2);
}

TEST_F(Replica, TruncateToTheLogStartEmptiesTheLog) {
  auto log = three_epochs();
  ASSERT_TRUE(log->truncate_to(0).ok());
  EXPECT_EQ(log->log_end_offset(), 0);
  EXPECT_EQ(log->log_start_offset(), 0);
  EXPECT_EQ(log->size_bytes(), 0);
  EXPECT_TRUE(log->epochs().empty());
  EXPECT_EQ(read_epoch_file(), "0\n0\n");
  EXPECT_TRUE(log->describe_producers().empty());
  EXPECT_EQ(must_append_epoch(*log, 7).base_offset, 0);
  log = reopen_unclean(log);
  EXPECT_EQ(log->log_end_offset(), 1);
  EXPECT_EQ(log->epochs().entries(), (entries{{7, 0}}));
}

TEST_F(Replica, TruncateBelowTheLogStartLowersIt) {
  auto log = three_epochs();
  ASSERT_TRUE(log->delete_records_before(6).ok());
  ASSERT_EQ(log->log_start_offset(), 6);
  ASSERT_TRUE(log->truncate_to(4).ok());
  EXPECT_EQ(log->log_end_offset(), 4);
  EXPECT_EQ(log->log_start_offset(), 4);
  EXPECT_EQ(must_append(*log, spec()).base_offset, 4);
}

TEST_F(Replica, TruncateRebuildsProducerStateAndDropsLaterSnapshots) {
  const size_t one = test::make_batch(spec(2, 100)).size();
  cfg.segment_bytes = static_cast<int64_t>(one * 2);
  auto log = open_log();
  auto s = spec(2, 100);
  s.producer_id = 5;
  s.producer_epoch = 0;
  for (int i = 0; i < 8; ++i) {
    s.base_sequence = i * 2;
    ASSERT_EQ(append_epoch(*log, s, 1)->base_offset, i * 2);
  }
  ASSERT_EQ(log->segment_base_offsets(), (std::vector<int64_t>{0, 4, 8, 12}));
  ASSERT_TRUE(*fs.exists(pdir + "/" + file_names::snapshot_file(12)));
  ASSERT_TRUE(log->truncate_to(6).ok());
  EXPECT_FALSE(*fs.exists(pdir + "/" + file_names::snapshot_file(8)));
  EXPECT_FALSE(*fs.exists(pdir + "/" + file_names::snapshot_file(12)));
  ASSERT_EQ(log->describe_producers().size(), 1u);
  EXPECT_EQ(log->describe_producers()[0].last_sequence, 5);
  // The batch at sequence 6 is gone: sending it again appends it (no duplicate), at offset 6.
  s.base_sequence = 6;
  auto again = append_epoch(*log, s, 2);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->duplicate);
  EXPECT_EQ(again->base_offset, 6);
  // A retry of a surviving batch is still a duplicate.
  s.base_sequence = 6;
  auto dup = append_epoch(*log, s, 2);
  ASSERT_TRUE(dup.ok());
  EXPECT_TRUE(dup->duplicate);
  log = reopen_unclean(log);
  EXPECT_EQ(log->log_end_offset(), 8);
  EXPECT_EQ(log->describe_producers()[0].last_sequence, 7);
  EXPECT_EQ(log->epochs().entries(), (entries{{1, 0}, {2, 6}}));
}

TEST_F(Replica, TruncationIsDurableAcrossPowerLoss) {
  auto log = three_epochs();
  ASSERT_TRUE(log->flush().ok());
  const int64_t old_end = log->log_end_offset();
  ASSERT_TRUE(log->truncate_to(5).ok());
  log.reset();
  ASSERT_TRUE(fs.crash().ok());
  // The broker's recovery-point checkpoint may still say 12.
  log = open_log(open_options{false, old_end, -1});
  EXPECT_EQ(log->log_end_offset(), 4);  // offset 5 was inside the batch 4..5
  EXPECT_EQ(log->epochs().entries(), (entries{{1, 0}}));
  expect_consistent(*log);
}

TEST_F(Replica, ACrashAtAnyStepOfTruncationLeavesARecoverableLog) {
  // Each fault stops the truncation at a different step (the writes of the index rebuild, the
  // epoch checkpoint; the syncs), then power is lost.
  for (int fault = 0; fault < 6; ++fault) {
    SCOPED_TRACE(fault);
    pdir = dir.sub("crash-" + std::to_string(fault));
    const size_t one = test::make_batch(spec(2, 100)).size();
    cfg.segment_bytes = static_cast<int64_t>(one * 2);
    cfg.index_interval_bytes = 1;
    auto log = open_log();
    auto s = spec(2, 100);
    s.producer_id = 5;
    s.producer_epoch = 0;
    for (int i = 0; i < 8; ++i) {
      s.base_sequence = i * 2;
      ASSERT_TRUE(append_epoch(*log, s, 1 + i / 3).ok());
    }
    ASSERT_TRUE(log->flush().ok());
    const int64_t old_end = log->log_end_offset();
    if (fault < 4)
      fs.fail_nth_write(fault + 1);
    else if (fault == 4)
      fs.fail_syncs(true);
    else
      fs.tear_next_write(0);
    (void)log->truncate_to(7);
    log.reset();
    ASSERT_TRUE(fs.crash().ok());
    log = open_log(open_options{false, old_end, -1});
    ASSERT_TRUE(log);
    EXPECT_LE(log->log_end_offset(), old_end);
    expect_consistent(*log);
    // Producer state and epochs agree with what survived.
    const auto hs = read_all(*log);
    if (!hs.empty()) {
      EXPECT_EQ(log->describe_producers()[0].last_sequence, hs.back().base_sequence + 1);
      EXPECT_EQ(log->epochs().latest_epoch(), hs.back().partition_leader_epoch);
    }
    // And it continues.
    const int64_t end = log->log_end_offset();
    EXPECT_EQ(must_append(*log, spec()).base_offset, end);
    log = reopen_clean(log);
    EXPECT_EQ(log->log_end_offset(), end + 1);
    expect_consistent(*log);
  }
}

TEST_F(Replica, TruncateFullyStartsAnEmptyLogAtTheOffset) {
  auto log = three_epochs();
  ASSERT_TRUE(log->truncate_fully_and_start_at(100).ok());
  EXPECT_EQ(log->log_start_offset(), 100);
  EXPECT_EQ(log->log_end_offset(), 100);
  EXPECT_EQ(log->segment_base_offsets(), (std::vector<int64_t>{100}));
  EXPECT_TRUE(log->epochs().empty());
  EXPECT_EQ(read_epoch_file(), "0\n0\n");
  EXPECT_TRUE(log->describe_producers().empty());
  EXPECT_FALSE(*fs.exists(seg_path(0)));
  EXPECT_EQ(log->read(100, 1000, INT64_MAX, true)->size_bytes, 0u);
  auto b = leader_batch(100, 9, 3);
  ASSERT_TRUE(log->append_as_follower(b).ok());
  EXPECT_EQ(log->epochs().entries(), (entries{{9, 100}}));
  log = reopen_clean(log);
  EXPECT_EQ(log->log_start_offset(), 100);
  EXPECT_EQ(log->log_end_offset(), 103);
  log = reopen_unclean(log);  // no log-start checkpoint: the first segment says 100
  EXPECT_EQ(log->log_start_offset(), 100);
  EXPECT_EQ(log->log_end_offset(), 103);
  // Truncating below the first segment's base starts over too.
  ASSERT_TRUE(log->truncate_to(50).ok());
  EXPECT_EQ(log->log_start_offset(), 50);
  EXPECT_EQ(log->log_end_offset(), 50);
}

TEST_F(Replica, MalformedOrMissingEpochCheckpointIsRebuiltFromTheLog) {
  auto log = three_epochs();
  log = reopen_clean(log);
  for (const char* text : std::initializer_list<const char*>{"garbage", "0\n3\n1 0\n2 4\n", nullptr}) {
    SCOPED_TRACE(text ? text : "missing");
    log.reset();
    if (text) {
      int fd = ::open(epoch_file().c_str(), O_WRONLY | O_TRUNC | O_CREAT, 0644);
      ASSERT_GE(fd, 0);
      ASSERT_EQ(::write(fd, text, strlen(text)), static_cast<ssize_t>(strlen(text)));
      ::close(fd);
    } else {
      ASSERT_EQ(::unlink(epoch_file().c_str()), 0);
    }
    log = open_log(open_options{true, 0, 0});
    EXPECT_EQ(log->epochs().entries(), (entries{{1, 0}, {2, 4}, {3, 8}}));
    EXPECT_EQ(read_epoch_file(), "0\n3\n1 0\n2 4\n3 8\n");
  }
}

TEST_F(Replica, StaleEpochsBeyondTheRecoveredEndAreDroppedAtOpen) {
  auto log = open_log();
  must_append_epoch(*log, 1, 2);
  ASSERT_TRUE(log->flush().ok());
  must_append_epoch(*log, 2, 2);  // epoch 2 is durable in the checkpoint, its batch is not
  log.reset();
  ASSERT_TRUE(fs.crash().ok());
  log = open_log(open_options{false, 2, -1});
  EXPECT_EQ(log->log_end_offset(), 2);
  EXPECT_EQ(log->epochs().entries(), (entries{{1, 0}}));
  EXPECT_EQ(read_epoch_file(), "0\n1\n1 0\n");
}

TEST_F(Replica, EpochsBelowTheLogStartAreTrimmedAtOpen) {
  auto log = three_epochs();
  ASSERT_TRUE(log->delete_records_before(6).ok());
  ASSERT_TRUE(log->close().ok());
  log.reset();
  log = open_log(open_options{true, 0, 6});
  EXPECT_EQ(log->epochs().entries(), (entries{{2, 6}, {3, 8}}));
}

}  // namespace
}  // namespace sluice::storage
