// log_cleaner_crash_test: crash safety of the cleaner's swap (.cleaned -> .swap -> .deleted):
// a kill or power loss at each step leaves a readable log with nothing lost.
#include "cleaner_fixture.h"

namespace sluice::storage::test {
namespace {

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

}  // namespace
}  // namespace sluice::storage::test
