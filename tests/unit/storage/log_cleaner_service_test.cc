// log_cleaner_service_test: the log_cleaner service: background threads, scheduling by dirty
// ratio and compaction lag, the checkpoint, and stop.
#include "cleaner_fixture.h"

namespace sluice::storage::test {
namespace {

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
