// Tests of the fault-injecting file system itself.
#include "storage/fault_injection_fs.h"

#include <gtest/gtest.h>

#include "batch_maker.h"

namespace sluice::storage {
namespace {

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

struct FaultFs : ::testing::Test {
  test::temp_dir dir;
  std::unique_ptr<file_system> real = make_posix_file_system();
  fault_injection_fs fs{*real};
};

TEST_F(FaultFs, CrashTruncatesToLastSyncedLength) {
  auto f = *fs.open(dir.sub("a"), open_mode::create);
  ASSERT_TRUE(f->pwrite(bytes("hello"), 0).ok());
  ASSERT_TRUE(f->fdatasync().ok());
  ASSERT_TRUE(f->pwrite(bytes(" world"), 5).ok());
  EXPECT_EQ(fs.synced_size(dir.sub("a")), 5);
  ASSERT_TRUE(fs.crash().ok());
  EXPECT_EQ(*real->size(dir.sub("a")), 5);
  // Old handles are dead after the crash.
  EXPECT_FALSE(f->pwrite(bytes("x"), 5).ok());
}

TEST_F(FaultFs, NeverSyncedFileComesBackEmpty) {
  auto f = *fs.open(dir.sub("b"), open_mode::create);
  ASSERT_TRUE(f->pwrite(bytes("data"), 0).ok());
  ASSERT_TRUE(fs.crash().ok());
  EXPECT_EQ(*real->size(dir.sub("b")), 0);
}

TEST_F(FaultFs, PreexistingFilesCountAsSynced) {
  {
    auto f = *real->open(dir.sub("c"), open_mode::create);
    ASSERT_TRUE(f->pwrite(bytes("abc"), 0).ok());
  }
  auto f = *fs.open(dir.sub("c"), open_mode::read_write);
  ASSERT_TRUE(f->pwrite(bytes("def"), 3).ok());
  ASSERT_TRUE(fs.crash().ok());
  EXPECT_EQ(*real->size(dir.sub("c")), 3);
}

TEST_F(FaultFs, RenameCarriesSyncedLength) {
  auto f = *fs.open(dir.sub("d"), open_mode::create);
  ASSERT_TRUE(f->pwrite(bytes("12345678"), 0).ok());
  ASSERT_TRUE(f->fdatasync().ok());
  ASSERT_TRUE(fs.rename(dir.sub("d"), dir.sub("e")).ok());
  EXPECT_EQ(fs.synced_size(dir.sub("e")), 8);
  EXPECT_EQ(fs.synced_size(dir.sub("d")), -1);
}

TEST_F(FaultFs, NthWriteFailsWithEnospcAndWritesNothing) {
  auto f = *fs.open(dir.sub("f"), open_mode::create);
  fs.fail_nth_write(2);
  EXPECT_TRUE(f->pwrite(bytes("one"), 0).ok());
  auto r = f->pwrite(bytes("two"), 3);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, errc::no_space);
  EXPECT_EQ(*f->size(), 3);
  EXPECT_TRUE(f->pwrite(bytes("three"), 3).ok());
}

TEST_F(FaultFs, TornWriteKeepsPrefixAndKillsTheFileSystem) {
  auto f = *fs.open(dir.sub("g"), open_mode::create);
  fs.tear_next_write(2);
  EXPECT_FALSE(f->pwrite(bytes("abcdef"), 0).ok());
  EXPECT_EQ(*f->size(), 2);
  EXPECT_TRUE(fs.dead());
  EXPECT_FALSE(f->fdatasync().ok());
  EXPECT_FALSE(fs.unlink(dir.sub("g")).ok());
  ASSERT_TRUE(fs.crash().ok());
  EXPECT_FALSE(fs.dead());
  EXPECT_EQ(*real->size(dir.sub("g")), 0);
}

TEST_F(FaultFs, FailedSyncDoesNotAdvanceSyncedLength) {
  auto f = *fs.open(dir.sub("h"), open_mode::create);
  ASSERT_TRUE(f->pwrite(bytes("abc"), 0).ok());
  fs.fail_syncs(true);
  EXPECT_FALSE(f->fdatasync().ok());
  EXPECT_EQ(fs.synced_size(dir.sub("h")), 0);
}

}  // namespace
}  // namespace sluice::storage
