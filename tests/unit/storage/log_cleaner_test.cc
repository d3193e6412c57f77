// log_cleaner_test: compaction end to end on real files: the per-batch filter, the pass, the swap
// into a live partition_log, crash recovery of the swap, and the scheduling of log_cleaner.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "log_fixture.h"
#include "records/batch_builder.h"
#include "records/record_reader.h"
#include "storage/cleaner_pass.h"
#include "storage/compaction_filter.h"
#include "storage/log_cleaner.h"
#include "storage/offset_map.h"

namespace sluice::storage::test {
namespace {

using records::as_bytes;
using opt_str = std::optional<std::string>;

struct kv {
  std::string key;
  opt_str value;  // nullopt: tombstone
};

struct stored_record {
  int64_t offset;
  std::string key;
  opt_str value;
};

struct Cleaner : LogFixture {
  int64_t first_dirty = 0;
  std::vector<stored_record> history;  // everything put(), in offset order

  Cleaner() {
    cfg.cleanup_compact = true;
    cfg.cleanup_delete = false;
    cfg.segment_bytes = 600;
    cfg.delete_retention_ms = 1000;
    cfg.min_cleanable_dirty_ratio = 0.0;
  }

  static std::string build(const std::vector<kv>& recs, records::compression codec, int64_t ts,
                           int64_t pid = -1, int32_t seq = -1) {
    records::batch_builder_options o;
    o.codec = codec;
    o.producer_id = pid;
    o.producer_epoch = pid >= 0 ? 0 : -1;
    o.base_sequence = seq;
    records::batch_builder b(o);
    for (const auto& r : recs) {
      records::nullable_bytes v;
      if (r.value) v = as_bytes(*r.value);
      b.append(ts, as_bytes(r.key), v);
    }
    auto out = b.build();
    EXPECT_TRUE(out.ok());
    return *out;
  }

  append_info put(partition_log& log, const std::vector<kv>& recs,
                  records::compression codec = records::compression::none, int64_t pid = -1,
                  int32_t seq = -1) {
    std::string bytes = build(recs, codec, clk.now_ms(), pid, seq);
    auto r = log.append(std::span<uint8_t>(reinterpret_cast<uint8_t*>(bytes.data()), bytes.size()));
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.err().message);
    if (r.ok())
      for (size_t i = 0; i < recs.size(); ++i)
        history.push_back({r->base_offset + static_cast<int64_t>(i), recs[i].key, recs[i].value});
    return r.ok() ? *r : append_info{};
  }

  // Every record from the log start, in offset order.
  std::vector<stored_record> records_of(partition_log& log) {
    auto r = log.read(log.log_start_offset(), 1 << 30, INT64_MAX, true);
    EXPECT_TRUE(r.ok());
    auto bytes = slurp(*r);
    std::vector<stored_record> out;
    size_t pos = 0;
    while (pos + records::batch_layout::header_size <= bytes.size()) {
      auto h = records::parse_batch_header(std::span<const uint8_t>(bytes).subspan(pos));
      std::span<const uint8_t> batch(bytes.data() + pos, h->total_size());
      EXPECT_EQ(records::compute_crc(batch), h->crc);
      auto recs = records::read_records(batch);
      EXPECT_TRUE(recs.ok());
      for (auto& rec : *recs) out.push_back({rec.offset, rec.key.value_or(""), rec.value});
      pos += h->total_size();
    }
    return out;
  }

  // One pass through the real functions, synchronously: plan, clean, swap.
  result<clean_result> clean(partition_log& log, size_t map_bytes = 1 << 20) {
    auto sec = log.cleanable(first_dirty, clk.now_ms());
    if (!sec.ok()) return sec.err();
    clean_job job;
    job.topic = "orders";
    job.dir = log.dir();
    job.config = log.config();
    job.segments = sec->segments;
    job.first_uncleanable = sec->first_uncleanable;
    job.first_dirty = sec->first_dirty;
    job.now_ms = clk.now_ms();
    job.producer_last_offsets = log.active_producer_offsets();
    offset_map map(map_bytes);
    io_throttler throttle;
    auto r = run_clean_pass(fs, job, map, throttle);
    if (!r.ok()) return r;
    for (const auto& g : r->groups) {
      auto s = log.swap_cleaned(g);
      if (!s.ok()) return s.err();
    }
    first_dirty = r->new_first_dirty;
    return r;
  }

  // `n` updates over keys k0..k{keys-1}: value "v<i>". Returns the expected latest per key.
  std::map<std::string, std::pair<int64_t, opt_str>> fill(partition_log& log, int n, int keys) {
    std::map<std::string, std::pair<int64_t, opt_str>> latest;
    for (int i = 0; i < n; ++i) {
      const std::string k = "k" + std::to_string(i % keys);
      const std::string v = "v" + std::to_string(i);
      auto info = put(log, {{k, v}});
      latest[k] = {info.base_offset, v};
    }
    return latest;
  }

  // Below `uncleaned_from`, each key appears once, with its latest value among the records put()
  // below that offset.
  void expect_latest_only(partition_log& log, const std::map<std::string, std::pair<int64_t, opt_str>>&,
                          int64_t uncleaned_from) {
    std::map<std::string, std::pair<int64_t, opt_str>> latest;
    for (const auto& r : history)
      if (r.offset < uncleaned_from) latest[r.key] = {r.offset, r.value};
    std::map<std::string, int> seen;
    for (const auto& r : records_of(log)) {
      if (r.offset >= uncleaned_from) continue;
      ++seen[r.key];
      auto it = latest.find(r.key);
      ASSERT_NE(it, latest.end());
      EXPECT_EQ(r.offset, it->second.first) << r.key;
      EXPECT_EQ(r.value, it->second.second) << r.key;
    }
    for (const auto& [k, n] : seen) EXPECT_EQ(n, 1) << k;
  }
};

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

// --- crash safety of the swap ------------------------------------------------------------------

struct CleanerCrash : Cleaner {
  std::map<std::string, std::pair<int64_t, opt_str>> latest;
  int64_t active_base = 0;
  int64_t end = 0;
  result<clean_result> pass = make_error(errc::internal, "not run");

  // Runs a pass whose result is not swapped in.
  void prepare(partition_log& log) {
    latest = fill(log, 200, 10);
    active_base = log.segment_base_offsets().back();
    end = log.log_end_offset();
    auto sec = log.cleanable(0, clk.now_ms());
    clean_job job;
    job.dir = log.dir();
    job.config = log.config();
    job.segments = sec->segments;
    job.first_uncleanable = sec->first_uncleanable;
    job.now_ms = clk.now_ms();
    offset_map map(1 << 16);
    io_throttler t;
    pass = run_clean_pass(fs, job, map, t);
    ASSERT_TRUE(pass.ok());
    ASSERT_FALSE(pass->groups.empty());
  }
  // Every key's latest value is readable and the log is whole.
  void expect_complete(partition_log& log) {
    EXPECT_EQ(log.log_end_offset(), end);
    std::map<std::string, stored_record> last;
    for (const auto& r : records_of(log)) last[r.key] = r;
    for (const auto& [k, v] : latest) {
      ASSERT_TRUE(last.count(k)) << k;
      EXPECT_EQ(last[k].offset, v.first);
      EXPECT_EQ(last[k].value, v.second);
    }
    auto names = fs.list(pdir);
    ASSERT_TRUE(names.ok());
    for (const auto& name : *names) {
      EXPECT_EQ(name.find(".cleaned"), std::string::npos) << name;
      EXPECT_EQ(name.find(".swap"), std::string::npos) << name;
    }
  }
  std::string swap_of(const cleaned_group& g) {
    return pdir + "/" + file_names::swap(file_names::log_file(g.base_offset));
  }
};

TEST_F(CleanerCrash, KillDuringThePassLeavesCleanedFilesThatAreRemovedAtOpen) {
  auto log = open_log();
  prepare(*log);
  log = reopen_unclean(log, 0);
  expect_complete(*log);
  EXPECT_EQ(records_of(*log).size(), 200u);  // nothing was compacted
}

TEST_F(CleanerCrash, KillAfterTheCommitRenameCompletesTheSwapAtOpen) {
  auto log = open_log();
  prepare(*log);
  for (const auto& g : pass->groups) ASSERT_TRUE(fs.rename(g.cleaned_path, swap_of(g)).ok());
  log = reopen_unclean(log, 0);
  expect_complete(*log);
  expect_latest_only(*log, latest, active_base);
}

TEST_F(CleanerCrash, KillAfterTheOriginalsWereRenamedCompletesTheSwapAtOpen) {
  auto log = open_log();
  prepare(*log);
  for (const auto& g : pass->groups) {
    ASSERT_TRUE(fs.rename(g.cleaned_path, swap_of(g)).ok());
    for (const auto& o : g.originals)
      for (auto kind : {".log", ".index", ".timeindex"})
        (void)fs.rename(seg_path(o.base_offset, kind), seg_path(o.base_offset, kind) + ".deleted");
  }
  log = reopen_unclean(log, 0);
  expect_complete(*log);
  expect_latest_only(*log, latest, active_base);
}

TEST_F(CleanerCrash, PowerLossAfterTheSwapKeepsTheCleanedLog) {
  auto log = open_log();
  latest = fill(*log, 200, 10);
  active_base = log->segment_base_offsets().back();
  end = log->log_end_offset();
  ASSERT_TRUE(log->flush().ok());
  ASSERT_TRUE(clean(*log).ok());
  const int64_t rp = log->recovery_point();
  log.reset();
  ASSERT_TRUE(fs.crash().ok());
  log = open_log(open_options{false, rp, -1});
  expect_complete(*log);
  expect_latest_only(*log, latest, active_base);
}

TEST_F(CleanerCrash, TornWriteOfTheCleanedFileFailsThePassAndLosesNothing) {
  auto log = open_log();
  latest = fill(*log, 200, 10);
  end = log->log_end_offset();
  fs.tear_next_write(10);
  auto r = clean(*log);
  EXPECT_FALSE(r.ok());
  log.reset();
  fs.kill_process();
  log = open_log(open_options{false, 0, -1});
  expect_complete(*log);
}

// --- the service: threads, scheduling, checkpoint -------------------------------------------

struct CleanerService : Cleaner {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::function<void()>> posted;
  std::unique_ptr<partition_log> log;

  std::unique_ptr<log_cleaner> make(cleaner_config cc = {}) {
    cc.data_dir = dir.path();
    cc.dedupe_buffer_size = 1 << 20;
    auto c = std::make_unique<log_cleaner>(
        fs, clk, cc,
        [this] {
          return std::vector<cleaner_log>{{"orders", 0, log.get()}};
        },
        [this](std::function<void()> f) {
          std::lock_guard l(mu);
          posted.push_back(std::move(f));
          cv.notify_all();
        });
    EXPECT_TRUE(c->start().ok());
    return c;
  }
  // Runs what the cleaner threads posted back; waits at most 10 s for the pass.
  void drain(log_cleaner& c) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (c.busy() && std::chrono::steady_clock::now() < deadline) {
      std::vector<std::function<void()>> run;
      {
        std::unique_lock l(mu);
        cv.wait_until(l, deadline, [&] { return !posted.empty(); });
        run.swap(posted);
      }
      for (auto& f : run) f();
    }
    ASSERT_FALSE(c.busy());
  }
};

TEST_F(CleanerService, CleansOnABackgroundThreadAndCheckpointsTheFirstDirtyOffset) {
  log = open_log();
  auto latest = fill(*log, 200, 10);
  const int64_t active_base = log->segment_base_offsets().back();
  {
    auto c = make();
    c->tick();
    EXPECT_TRUE(c->busy());
    drain(*c);
    EXPECT_EQ(c->first_dirty("orders", 0), active_base);
    EXPECT_EQ(c->totals().passes, 1);
    c->stop();
  }
  expect_latest_only(*log, latest, active_base);
  checkpoint_file cp(fs, dir.sub("cleaner-offset-checkpoint"));
  auto m = cp.read();
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)[std::make_pair(std::string("orders"), 0)], active_base);
  // A new cleaner starts from the checkpoint: nothing dirty, nothing to do.
  auto c2 = make();
  EXPECT_EQ(c2->first_dirty("orders", 0), active_base);
  c2->tick();
  EXPECT_FALSE(c2->busy());
}

TEST_F(CleanerService, DirtyRatioBelowTheMinimumWaits) {
  log = open_log();
  fill(*log, 200, 10);
  auto c = make();
  c->tick();  // a log never cleaned is all dirty (ratio 1)
  drain(*c);
  fill(*log, 30, 10);  // a little new dirty data after the cleaned part
  auto sec = log->cleanable(*c->first_dirty("orders", 0), clk.now_ms());
  ASSERT_TRUE(sec.ok());
  ASSERT_GT(sec->dirty_bytes, 0);
  auto high = log->config();
  high.min_cleanable_dirty_ratio = sec->dirty_ratio() + 0.01;
  log->set_config(high);
  c->tick();
  EXPECT_FALSE(c->busy());
  high.min_cleanable_dirty_ratio = sec->dirty_ratio() - 0.01;
  log->set_config(high);
  c->tick();
  EXPECT_TRUE(c->busy());
  drain(*c);
}

TEST_F(CleanerService, MaxCompactionLagForcesAPassWhateverTheRatio) {
  cfg.min_cleanable_dirty_ratio = 1.0;
  cfg.max_compaction_lag_ms = 5000;
  log = open_log();
  fill(*log, 200, 10);
  auto c = make();
  c->tick();
  EXPECT_FALSE(c->busy());
  clk.advance_ms(5001);
  c->tick();
  EXPECT_TRUE(c->busy());
  drain(*c);
  EXPECT_EQ(c->totals().swaps > 0, true);
}

TEST_F(CleanerService, DeletePolicyTopicsAreNotCleaned) {
  cfg.cleanup_compact = false;
  cfg.cleanup_delete = true;
  log = open_log();
  fill(*log, 200, 10);
  auto c = make();
  c->tick();
  EXPECT_FALSE(c->busy());
}

TEST_F(CleanerService, StopCancelsARunningPassAndLeavesTheLogWhole) {
  log = open_log();
  auto latest = fill(*log, 400, 10);
  const int64_t end = log->log_end_offset();
  cleaner_config cc;
  cc.io_max_bytes_per_second = 1000;  // slow enough to be stopped mid-pass
  auto c = make(cc);
  c->tick();
  ASSERT_TRUE(c->busy());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  c->stop();
  {
    std::lock_guard l(mu);
    for (auto& f : posted) f();  // results after stop are dropped
  }
  log = reopen_unclean(log, 0);
  EXPECT_EQ(log->log_end_offset(), end);
  std::map<std::string, stored_record> last;
  for (const auto& r : records_of(*log)) last[r.key] = r;
  for (const auto& [k, v] : latest) EXPECT_EQ(last[k].value, v.second);
}

}  // namespace
}  // namespace sluice::storage::test
