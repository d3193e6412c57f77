// log_cleaner_test: compaction on real files: the offset map, the per-batch filter, one pass and
// the swap into a live partition_log.
#include "cleaner_fixture.h"

namespace sluice::storage::test {
namespace {

TEST(OffsetMap, KeepsLatestOffsetAndRefusesNewKeysWhenFull) {
  offset_map m(24 * 10, 0.5);
  EXPECT_EQ(m.max_entries(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(m.put(hash_key(as_bytes("k" + std::to_string(i))), i));
  EXPECT_TRUE(m.put(hash_key(as_bytes("k1")), 42));  // update of a present key always fits
  EXPECT_FALSE(m.put(hash_key(as_bytes("k9")), 43));
  EXPECT_EQ(m.get(hash_key(as_bytes("k1"))), 42);
  EXPECT_EQ(m.get(hash_key(as_bytes("k9"))), -1);
  EXPECT_EQ(m.latest_offset(), 42);
  EXPECT_NE(hash_key(as_bytes("a")), hash_key(as_bytes("b")));
}

TEST_F(Cleaner, KeepsOnlyTheLatestValuePerKeyAtItsOriginalOffset) {
  auto log = open_log();
  auto latest = fill(*log, 200, 10);
  ASSERT_GT(log->segment_count(), 5u);
  const int64_t active_base = log->segment_base_offsets().back();
  const auto before = log->size_bytes();
  auto r = clean(*log);
  ASSERT_TRUE(r.ok()) << r.err().message;
  EXPECT_LT(log->size_bytes(), before);
  EXPECT_EQ(first_dirty, active_base);
  expect_latest_only(*log, latest, active_base);
  // Every cleaned segment still ends where the next begins (offsets stay contiguous per segment).
  EXPECT_EQ(log->log_end_offset(), 200);
  // Survives a clean reopen and an unclean one (full validation from offset 0).
  log = reopen_clean(log);
  expect_latest_only(*log, latest, active_base);
  log = reopen_unclean(log, 0);
  expect_latest_only(*log, latest, active_base);
  EXPECT_EQ(log->log_end_offset(), 200);
}

TEST_F(Cleaner, NeverTouchesTheActiveSegment) {
  cfg.segment_bytes = 1 << 20;
  auto log = open_log();
  fill(*log, 50, 5);
  ASSERT_EQ(log->segment_count(), 1u);
  auto r = clean(*log);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->groups.empty());
  EXPECT_EQ(records_of(*log).size(), 50u);
}

TEST_F(Cleaner, TombstoneSurvivesOnePassPlusDeleteRetentionThenGoes) {
  auto log = open_log();
  put(*log, {{"a", "1"}, {"b", "1"}});
  put(*log, {{"a", std::nullopt}});  // tombstone for a
  fill(*log, 60, 3);                 // other keys; rolls segments
  const int64_t tomb = 2;
  auto has_tomb = [&] {
    for (const auto& r : records_of(*log))
      if (r.offset == tomb) return !r.value.has_value();
    return false;
  };
  ASSERT_TRUE(clean(*log).ok());
  EXPECT_TRUE(has_tomb());  // first pass sets the horizon, keeps it
  // The batch now carries the delete-horizon flag and its horizon as base timestamp.
  bool flagged = false;
  for (const auto& h : read_all(*log))
    if (h.base_offset == tomb)
      flagged =
          (h.attributes & records::batch_attr::delete_horizon) && h.base_timestamp == clk.now_ms() + 1000;
  EXPECT_TRUE(flagged);
  clk.advance_ms(999);
  ASSERT_TRUE(clean(*log).ok());
  EXPECT_TRUE(has_tomb());
  clk.advance_ms(1);
  ASSERT_TRUE(clean(*log).ok());
  EXPECT_FALSE(has_tomb());
  // "a" is gone entirely; "b" stays.
  bool a = false, b = false;
  for (const auto& r : records_of(*log)) {
    a = a || r.key == "a";
    b = b || r.key == "b";
  }
  EXPECT_FALSE(a);
  EXPECT_TRUE(b);
}

TEST_F(Cleaner, CompressedBatchesAreRecompressedWithTheirCodec) {
  for (auto codec : {records::compression::gzip, records::compression::snappy, records::compression::lz4,
                     records::compression::zstd}) {
    temp_dir d;
    pdir = d.sub("c-0");
    first_dirty = 0;
    auto log = open_log();
    for (int i = 0; i < 40; ++i)
      put(*log, {{"x", "x" + std::to_string(i)}, {"y" + std::to_string(i % 4), "y"}}, codec);
    ASSERT_TRUE(clean(*log).ok());
    const int64_t active = log->segment_base_offsets().back();
    for (const auto& h : read_all(*log))
      if (h.base_offset < active && h.records_count > 0) EXPECT_EQ(h.codec(), codec);
    std::map<std::string, int> count;
    for (const auto& r : records_of(*log))
      if (r.offset < active) ++count[r.key];
    for (const auto& [k, n] : count) EXPECT_EQ(n, 1) << k;
    log->close();
  }
}

TEST_F(Cleaner, LastBatchOfAnActiveProducerIsKeptEmpty) {
  auto log = open_log();
  put(*log, {{"p", "old"}}, records::compression::none, /*pid=*/7, /*seq=*/0);
  fill(*log, 1, 1);
  put(*log, {{"p", "new"}});  // supersedes the producer's only record
  fill(*log, 40, 2);
  ASSERT_TRUE(clean(*log).ok());
  auto hs = read_all(*log);
  ASSERT_FALSE(hs.empty());
  EXPECT_EQ(hs.front().base_offset, 0);
  EXPECT_EQ(hs.front().producer_id, 7);
  EXPECT_EQ(hs.front().records_count, 0);
  EXPECT_EQ(hs.front().base_sequence, 0);
  // The producer's sequence state is rebuilt from the empty batch after a restart.
  log = reopen_unclean(log, 0);
  ASSERT_NE(log->producers().find(7), nullptr);
  EXPECT_EQ(log->producers().find(7)->last_seq(), 0);
}

TEST(CompactionFilter, ControlBatchesAreKeptAsTheyAre) {
  records::end_txn_marker m;
  m.producer_id = 5;
  m.producer_epoch = 1;
  m.base_offset = 10;
  auto marker = records::build_end_txn_marker(m);
  ASSERT_TRUE(marker.ok());
  offset_map map(1 << 12);
  compaction_context ctx{&map, 0, 0, nullptr};
  auto f = filter_batch(as_bytes(*marker), ctx, false);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->action, filter_action::keep);
}

TEST(CompactionFilter, RewrittenBatchKeepsOffsetsProducerFieldsAndSequence) {
  records::batch_builder_options o;
  o.base_offset = 100;
  o.producer_id = 3;
  o.producer_epoch = 2;
  o.base_sequence = 50;
  records::batch_builder b(o);
  b.append(1000, as_bytes("a"), as_bytes("1"));
  b.append(1001, as_bytes("b"), as_bytes("2"));
  b.append(1002, as_bytes("a"), as_bytes("3"));
  auto batch = b.build();
  ASSERT_TRUE(batch.ok());
  offset_map map(1 << 12);
  map.put(hash_key(as_bytes("a")), 102);
  map.put(hash_key(as_bytes("b")), 999);  // superseded later in the log
  compaction_context ctx{&map, 0, 0, nullptr};
  auto f = filter_batch(as_bytes(*batch), ctx, false);
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->action, filter_action::rewrite);
  auto h = records::parse_batch_header(as_bytes(f->bytes));
  EXPECT_EQ(h->base_offset, 100);
  EXPECT_EQ(h->last_offset_delta, 2);
  EXPECT_EQ(h->producer_id, 3);
  EXPECT_EQ(h->producer_epoch, 2);
  EXPECT_EQ(h->base_sequence, 50);
  EXPECT_EQ(h->records_count, 1);
  EXPECT_EQ(h->max_timestamp, 1002);
  auto recs = records::read_records(as_bytes(f->bytes), records::read_options{64u << 20, true});
  ASSERT_TRUE(recs.ok());
  ASSERT_EQ(recs->size(), 1u);
  EXPECT_EQ((*recs)[0].offset, 102);
  EXPECT_EQ((*recs)[0].timestamp, 1002);
  EXPECT_EQ((*recs)[0].value, "3");
}

TEST_F(Cleaner, SmallOffsetMapCleansAPrefixAndLaterPassesFinish) {
  auto log = open_log();
  auto latest = fill(*log, 300, 60);
  const int64_t active_base = log->segment_base_offsets().back();
  const size_t tiny = offset_map::bytes_per_entry * 40;  // 36 keys per pass
  auto r = clean(*log, tiny);
  ASSERT_TRUE(r.ok()) << r.err().message;
  EXPECT_GT(first_dirty, 0);
  EXPECT_LT(first_dirty, active_base);
  for (int i = 0; i < 20 && first_dirty < active_base; ++i) ASSERT_TRUE(clean(*log, tiny).ok());
  EXPECT_EQ(first_dirty, active_base);
  // Keys that were updated before the map was full were deduplicated; every key still has its
  // latest value and nothing else but older duplicates of keys not seen again.
  std::map<std::string, stored_record> last;
  for (const auto& r : records_of(*log)) last[r.key] = r;
  for (const auto& [k, v] : latest) {
    ASSERT_TRUE(last.count(k)) << k;
    EXPECT_EQ(last[k].offset, v.first);
    EXPECT_EQ(last[k].value, v.second);
  }
}

TEST_F(Cleaner, MinCompactionLagKeepsYoungSegmentsDirty) {
  cfg.min_compaction_lag_ms = 10000;
  auto log = open_log();
  fill(*log, 100, 5);
  auto sec = log->cleanable(0, clk.now_ms());
  ASSERT_TRUE(sec.ok());
  EXPECT_TRUE(sec->segments.empty());
  EXPECT_EQ(sec->dirty_bytes, 0);
  clk.advance_ms(10001);
  sec = log->cleanable(0, clk.now_ms());
  ASSERT_TRUE(sec.ok());
  EXPECT_EQ(sec->segments.size(), log->segment_count() - 1);
}

TEST_F(Cleaner, RetentionAppliesOnlyWithTheDeletePolicy) {
  cfg.retention_ms = 10;
  auto log = open_log();
  fill(*log, 100, 5);
  const size_t n = log->segment_count();
  clk.advance_ms(1000);
  ASSERT_TRUE(log->apply_retention(clk.now_ms()).ok());
  EXPECT_EQ(log->segment_count(), n);  // compact only: nothing deleted by time
  auto c = cfg;
  c.cleanup_delete = true;
  log->set_config(c);
  ASSERT_TRUE(log->apply_retention(clk.now_ms()).ok());
  EXPECT_EQ(log->segment_count(), 1u);
}

TEST_F(Cleaner, SwapIsRefusedWhenRetentionDeletedTheSegmentsMeanwhile) {
  auto log = open_log();
  fill(*log, 100, 5);
  auto sec = log->cleanable(0, clk.now_ms());
  clean_job job;
  job.dir = log->dir();
  job.config = log->config();
  job.segments = sec->segments;
  job.first_uncleanable = sec->first_uncleanable;
  job.now_ms = clk.now_ms();
  offset_map map(1 << 16);
  io_throttler t;
  auto r = run_clean_pass(fs, job, map, t);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(log->delete_records_before(sec->segments[1].base_offset).ok());
  ASSERT_TRUE(log->apply_retention(clk.now_ms()).ok());
  auto s = log->swap_cleaned(r->groups.front());
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(*s);
  EXPECT_FALSE(*fs.exists(r->groups.front().cleaned_path));
}

}  // namespace
}  // namespace sluice::storage::test
