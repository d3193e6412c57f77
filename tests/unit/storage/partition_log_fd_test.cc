// Tests of partition logs sharing an fd_cache: the descriptor bound, reopening after eviction for
// appends and reads, handles held by readers and sync requests, and durability after eviction.
#include <filesystem>

#include <gtest/gtest.h>

#include "cleaner_fixture.h"
#include "log_fixture.h"
#include "storage/fd_cache.h"

namespace sluice::storage {
namespace {

using test::must_append;

// Descriptors this process holds now.
size_t open_fds() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

struct PartitionLogFds : test::LogFixture {
  std::unique_ptr<partition_log> open_cached(const std::string& name, fd_cache& cache, open_options o = {}) {
    o.fds = &cache;
    auto r = partition_log::open(fs, clk, dir.sub(name), cfg, o);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.err().message);
    return r.ok() ? std::move(*r) : nullptr;
  }
};

TEST_F(PartitionLogFds, HundredWrittenPartitionsWithACacheOfTenHoldAtMostTenDescriptors) {
  fd_cache cache(10);
  const size_t before = open_fds();
  std::vector<std::unique_ptr<partition_log>> logs;
  for (int i = 0; i < 100; ++i) {
    logs.push_back(open_cached("t-" + std::to_string(i), cache));
    ASSERT_TRUE(logs.back());
  }
  EXPECT_LE(open_fds(), before + 10);
  for (int round = 0; round < 3; ++round) {
    for (auto& log : logs) {
      must_append(*log, spec(2));
      ASSERT_LE(cache.open_files(), 10u);
      ASSERT_LE(open_fds(), before + 10);
    }
  }
  for (auto& log : logs) {
    EXPECT_EQ(read_all(*log).size(), 3u);  // the slices are dropped at once
    ASSERT_LE(open_fds(), before + 10);
  }
  for (auto& log : logs) {
    ASSERT_TRUE(log->flush().ok());
    EXPECT_EQ(log->recovery_point(), 6);
    ASSERT_LE(open_fds(), before + 10);
  }
  EXPECT_GT(cache.evictions(), 0);
  for (auto& log : logs) ASSERT_TRUE(log->close().ok());
  EXPECT_LE(open_fds(), before + 10);
  logs.clear();
  EXPECT_EQ(open_fds(), before);
}

TEST_F(PartitionLogFds, AppendAfterEvictionOfTheActiveSegmentContinuesAtTheLogEnd) {
  fd_cache cache(1);
  auto a = open_cached("a", cache);
  auto b = open_cached("b", cache);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(must_append(*a, spec(2, 30)).base_offset, 2 * i);
    must_append(*b, spec(1, 30));  // closes a's .log
  }
  auto hs = read_all(*a);
  ASSERT_EQ(hs.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(hs[i].base_offset, 2 * i);
  // On disk too, after a clean reopen (positions and indexes were not disturbed).
  ASSERT_TRUE(a->close().ok());
  a.reset();
  a = open_cached("a", cache, open_options{true, 0, 0});
  EXPECT_EQ(a->log_end_offset(), 10);
  EXPECT_EQ(read_all(*a).size(), 5u);
}

TEST_F(PartitionLogFds, ReadAfterEvictionReopensEverySegment) {
  cfg.segment_bytes = 300;  // several segments
  fd_cache cache(2);
  auto a = open_cached("a", cache);
  for (int i = 0; i < 12; ++i) must_append(*a, spec(1, 60));
  ASSERT_GT(a->segment_count(), 3u);
  auto b = open_cached("b", cache);
  must_append(*b, spec());
  auto hs = read_all(*a);
  ASSERT_EQ(hs.size(), 12u);
  EXPECT_EQ(hs.back().base_offset, 11);
  // One response spanning every segment held them all open at once; now it is gone.
  cache.trim();
  EXPECT_LE(cache.open_files(), 2u);
}

TEST_F(PartitionLogFds, SlicesHeldByAFetchResponseSurviveEviction) {
  fd_cache cache(1);
  auto a = open_cached("a", cache);
  auto b = open_cached("b", cache);
  must_append(*a, spec(3, 50));
  auto r = a->read(0, 1 << 20, INT64_MAX, true);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->slices.size(), 1u);
  for (int i = 0; i < 3; ++i) must_append(*b, spec());  // pressure while the response is in flight
  EXPECT_GE(cache.open_files(), 2u) << "a held file is not closed";
  auto hs = test::headers_of(test::slurp(*r));
  ASSERT_EQ(hs.size(), 1u);
  EXPECT_EQ(hs[0].last_offset(), 2);
  r->slices.clear();  // the response was sent: a's .log is closable again
  auto c = open_cached("c", cache);
  must_append(*c, spec());
  EXPECT_EQ(cache.open_files(), 1u);
}

TEST_F(PartitionLogFds, SyncRequestInFlightKeepsItsFilesOpen) {
  fd_cache cache(1);
  auto a = open_cached("a", cache);
  auto b = open_cached("b", cache);
  must_append(*a, spec());
  sync_request req = a->prepare_sync();  // handed to the flusher thread
  ASSERT_EQ(req.files.size(), 1u);
  must_append(*b, spec());
  EXPECT_EQ(cache.open_files(), 2u);
  // The flusher's handle works whatever the shard does meanwhile.
  ASSERT_TRUE(req.files[0]->fdatasync().ok());
  a->mark_synced(req.offset);
  EXPECT_EQ(fs.synced_size(dir.sub("a") + "/" + file_names::log_file(0)), a->size_bytes());
  req = {};
  auto c = open_cached("c", cache);
  must_append(*c, spec());
  EXPECT_EQ(cache.open_files(), 1u);
}

TEST_F(PartitionLogFds, SyncAfterEvictionOpensTheFileAgainAndCoversItsBytes) {
  cfg.segment_bytes = 300;  // rolls: sealed segments' indexes are closed before their sync
  cfg.index_interval_bytes = 1;
  fd_cache cache(1);
  auto a = open_cached("a", cache);
  auto b = open_cached("b", cache);
  for (int i = 0; i < 8; ++i) {
    must_append(*a, spec(1, 60));
    must_append(*b, spec());  // closes whatever a opened
  }
  ASSERT_GT(a->segment_count(), 1u);
  const int64_t syncs = fs.sync_count();
  ASSERT_TRUE(a->flush().ok());
  EXPECT_GT(fs.sync_count(), syncs);
  EXPECT_EQ(a->recovery_point(), 8);
  for (int64_t base : a->segment_base_offsets()) {
    const std::string p = dir.sub("a") + "/" + file_names::offset_name(base);
    auto size = [&](const std::string& path) {
      auto s = fs.size(path);
      return s.ok() ? *s : -1;
    };
    EXPECT_EQ(fs.synced_size(p + ".log"), size(p + ".log")) << p;
    if (base != a->segment_base_offsets().back()) {
      EXPECT_EQ(fs.synced_size(p + ".index"), size(p + ".index")) << p;
      EXPECT_EQ(fs.synced_size(p + ".timeindex"), size(p + ".timeindex")) << p;
    }
  }
  EXPECT_LE(cache.open_files(), 1u) << "a sync does not bring closed files back into the cache";
}

// acks=all after eviction: the group commit reopens the evicted .log and its fdatasync makes the
// appended bytes durable, so a power loss right after the acknowledgement loses nothing.
TEST_F(PartitionLogFds, AcknowledgedSyncAfterEvictionSurvivesAPowerLoss) {
  fd_cache cache(1);
  auto a = open_cached("a", cache);
  auto b = open_cached("b", cache);
  must_append(*a, spec(3));
  ASSERT_TRUE(a->flush().ok());
  must_append(*a, spec(2));
  must_append(*b, spec());  // evicts a's .log with 2 unsynced records in it
  // What the broker does for acks=all: prepare_sync on the shard, fdatasync on the flusher,
  // mark_synced back on the shard, then the answer.
  sync_request req = a->prepare_sync();
  for (auto& f : req.files) ASSERT_TRUE(f->fdatasync().ok());
  a->mark_synced(req.offset);
  const int64_t acked = a->recovery_point();
  ASSERT_EQ(acked, 5);
  a.reset();
  b.reset();
  ASSERT_TRUE(fs.crash().ok());
  auto again = open_cached("a", cache, open_options{false, acked, -1});
  EXPECT_EQ(again->log_end_offset(), 5);
  EXPECT_EQ(read_all(*again).size(), 2u);
}

// The control for the test above: without that sync the same crash loses the evicted bytes, so
// the fault injection does observe what the sync covered.
TEST_F(PartitionLogFds, UnsyncedBytesOfAnEvictedFileAreLostByAPowerLoss) {
  fd_cache cache(1);
  auto a = open_cached("a", cache);
  auto b = open_cached("b", cache);
  must_append(*a, spec(3));
  ASSERT_TRUE(a->flush().ok());
  must_append(*a, spec(2));
  must_append(*b, spec());
  a.reset();
  b.reset();
  ASSERT_TRUE(fs.crash().ok());
  auto again = open_cached("a", cache, open_options{false, 3, -1});
  EXPECT_EQ(again->log_end_offset(), 3);
}

TEST_F(PartitionLogFds, RolledSnapshotIsSyncedAfterEviction) {
  cfg.segment_bytes = 200;
  fd_cache cache(1);
  auto a = open_cached("a", cache);
  auto b = open_cached("b", cache);
  auto s = spec(1, 60);
  s.producer_id = 7;
  s.producer_epoch = 0;
  for (int i = 0; i < 4; ++i) {
    s.base_sequence = i;
    must_append(*a, s);
    must_append(*b, spec());
  }
  ASSERT_GT(a->segment_count(), 1u);
  ASSERT_TRUE(a->flush().ok());
  for (const auto& e : std::filesystem::directory_iterator(dir.sub("a"))) {
    const std::string p = e.path().string();
    if (e.path().extension() != ".snapshot") continue;
    EXPECT_EQ(fs.synced_size(p), static_cast<int64_t>(std::filesystem::file_size(p))) << p;
  }
}

using CleanerWithFdCache = test::Cleaner;

// The cleaner's job holds the closed segments' handles, so the cache cannot close them while it
// runs, and swap_cleaned still finds each segment holding the very handle the job cleaned.
TEST_F(CleanerWithFdCache, PassSwapsInUnderEvictionPressure) {
  fd_cache cache(1);
  open_options o;
  o.fds = &cache;
  auto log = open_log(o);
  auto latest = fill(*log, 200, 10);
  ASSERT_GT(log->segment_count(), 5u);
  const int64_t active_base = log->segment_base_offsets().back();
  const auto before = log->size_bytes();
  {
    auto r = clean(*log);
    ASSERT_TRUE(r.ok()) << r.err().message;
    EXPECT_FALSE(r->groups.empty());
  }
  EXPECT_LT(log->size_bytes(), before);
  expect_latest_only(*log, latest, active_base);
  cache.trim();  // the pass's handles are gone
  EXPECT_EQ(cache.open_files(), 1u);
}

}  // namespace
}  // namespace sluice::storage
