// Tests of checkpoint files and the clean-shutdown marker.
#include "storage/checkpoint_file.h"

#include <gtest/gtest.h>

#include "batch_maker.h"
#include "storage/fault_injection_fs.h"

namespace sluice::storage {
namespace {

TEST(Checkpoint, FormatIsKafkaText) {
  checkpoint_map m{{{"orders", 1}, 988}, {{"orders", 0}, 1532}};
  EXPECT_EQ(format_checkpoint(m), "0\n2\norders 0 1532\norders 1 988\n");
}

TEST(Checkpoint, WriteThenReadRoundTrips) {
  test::temp_dir dir;
  auto fs = make_posix_file_system();
  checkpoint_file cp(*fs, dir.sub("recovery-point-offset-checkpoint"));
  checkpoint_map m{{{"a.b_c-d", 0}, 0}, {{"t", 7}, 123456789012}};
  ASSERT_TRUE(cp.write(m).ok());
  auto back = cp.read();
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, m);
  EXPECT_FALSE(*fs->exists(dir.sub("recovery-point-offset-checkpoint.tmp")));
}

TEST(Checkpoint, MissingFileReadsAsEmpty) {
  test::temp_dir dir;
  auto fs = make_posix_file_system();
  auto r = checkpoint_file(*fs, dir.sub("log-start-offset-checkpoint")).read();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST(Checkpoint, MalformedFilesAreCorruption) {
  for (const char* text : {"1\n0\n", "0\n2\nt 0 1\n", "0\n1\nt x 1\n", "0\n1\nt 0 -1\n", "0\n1\nt 0 1",
                           "0\n1\nbad topic 0 1\n", "0\n1\nt 0 1 extra\n"}) {
    auto r = parse_checkpoint(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.err().code, errc::corruption) << text;
  }
}

TEST(Checkpoint, CrashDuringRewriteKeepsTheOldFile) {
  test::temp_dir dir;
  auto real = make_posix_file_system();
  fault_injection_fs fs(*real);
  checkpoint_file cp(fs, dir.sub("cp"));
  checkpoint_map v1{{{"t", 0}, 10}};
  ASSERT_TRUE(cp.write(v1).ok());
  fs.tear_next_write(3);
  EXPECT_FALSE(cp.write(checkpoint_map{{{"t", 0}, 20}}).ok());
  ASSERT_TRUE(fs.crash().ok());
  auto back = cp.read();
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, v1);
}

TEST(Checkpoint, CleanShutdownMarkerLifecycle) {
  test::temp_dir dir;
  auto fs = make_posix_file_system();
  EXPECT_FALSE(*clean_shutdown_marker_exists(*fs, dir.path()));
  ASSERT_TRUE(write_clean_shutdown_marker(*fs, dir.path()).ok());
  EXPECT_TRUE(*clean_shutdown_marker_exists(*fs, dir.path()));
  EXPECT_TRUE(*fs->exists(dir.sub(".clean_shutdown")));
  ASSERT_TRUE(remove_clean_shutdown_marker(*fs, dir.path()).ok());
  EXPECT_FALSE(*clean_shutdown_marker_exists(*fs, dir.path()));
  EXPECT_TRUE(remove_clean_shutdown_marker(*fs, dir.path()).ok());
}

}  // namespace
}  // namespace sluice::storage
