// Tests of data-directory startup/shutdown bookkeeping with real partition logs.
#include "storage/data_dir.h"

#include <gtest/gtest.h>

#include "log_fixture.h"

namespace sluice::storage {
namespace {

using test::must_append;
using DataDir = test::LogFixture;

TEST_F(DataDir, CleanShutdownIsSeenOnceAndRestoresOffsets) {
  data_dir dd(fs, dir.sub("data"));
  auto first = dd.start();
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->clean_shutdown);
  EXPECT_TRUE(first->partitions.empty());

  auto log =
      partition_log::open(fs, clk, dd.partition_path("orders", 2), cfg, first->options_for("orders", 2))
          .value();
  for (int i = 0; i < 3; ++i) must_append(*log, spec(2));
  ASSERT_TRUE(log->delete_records_before(1).ok());
  ASSERT_TRUE(log->close().ok());
  ASSERT_TRUE(dd.write_checkpoints({{{"orders", 2}, log->recovery_point()}},
                                   {{{"orders", 2}, log->log_start_offset()}})
                  .ok());
  ASSERT_TRUE(dd.mark_clean_shutdown().ok());
  log.reset();

  auto second = dd.start();
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->clean_shutdown);
  ASSERT_EQ(second->partitions.size(), 1u);
  EXPECT_EQ(second->partitions[0].topic, "orders");
  EXPECT_EQ(second->partitions[0].partition, 2);
  auto o = second->options_for("orders", 2);
  EXPECT_TRUE(o.clean_shutdown);
  EXPECT_EQ(o.recovery_point, 6);
  EXPECT_EQ(o.log_start_offset, 1);
  log = partition_log::open(fs, clk, second->partitions[0].path, cfg, o).value();
  EXPECT_EQ(log->log_start_offset(), 1);
  EXPECT_EQ(log->log_end_offset(), 6);

  // The marker was consumed: a crash now is an unclean shutdown.
  auto third = dd.start();
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE(third->clean_shutdown);
}

TEST_F(DataDir, StartRemovesLeftoverDeleteDirectoriesAndIgnoresOtherFiles) {
  data_dir dd(fs, dir.sub("data"));
  ASSERT_TRUE(dd.start().ok());
  ASSERT_TRUE(fs.mkdir(dir.sub("data/orders-0.00000000deadbeef-delete")).ok());
  ASSERT_TRUE(fs.mkdir(dir.sub("data/orders-1")).ok());
  ASSERT_TRUE(fs.mkdir(dir.sub("data/lost+found")).ok());
  auto s = dd.start();
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(*fs.exists(dir.sub("data/orders-0.00000000deadbeef-delete")));
  ASSERT_EQ(s->partitions.size(), 1u);
  EXPECT_EQ(s->partitions[0].partition, 1);
}

TEST_F(DataDir, MalformedCheckpointMeansFullRecoveryNotFailure) {
  data_dir dd(fs, dir.sub("data"));
  ASSERT_TRUE(dd.start().ok());
  auto f = *fs.open(dir.sub("data/recovery-point-offset-checkpoint"), open_mode::create_truncate);
  const std::string junk = "garbage";
  ASSERT_TRUE(
      f->pwrite(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(junk.data()), junk.size()), 0)
          .ok());
  auto s = dd.start();
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->recovery_points.empty());
  EXPECT_EQ(s->options_for("x", 0).recovery_point, 0);
  EXPECT_EQ(s->options_for("x", 0).log_start_offset, -1);
}

}  // namespace
}  // namespace sluice::storage
