// Tests of storage file and directory naming.
#include "storage/file_names.h"

#include <gtest/gtest.h>

namespace sluice::storage::file_names {
namespace {

TEST(FileNames, SegmentNamesAreTwentyDigitZeroPaddedBaseOffsets) {
  EXPECT_EQ(log_file(0), "00000000000000000000.log");
  EXPECT_EQ(index_file(368769), "00000000000000368769.index");
  EXPECT_EQ(time_index_file(42), "00000000000000000042.timeindex");
  EXPECT_EQ(snapshot_file(7), "00000000000000000007.snapshot");
  EXPECT_EQ(deleted(log_file(5)), "00000000000000000005.log.deleted");
}

TEST(FileNames, ParseRecognisesEveryKind) {
  auto p = parse("00000000000000368769.log");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, file_kind::log);
  EXPECT_EQ(p->offset, 368769);
  EXPECT_EQ(parse("00000000000000000001.index")->kind, file_kind::index);
  EXPECT_EQ(parse("00000000000000000001.timeindex")->kind, file_kind::time_index);
  EXPECT_EQ(parse("00000000000000000001.snapshot")->kind, file_kind::snapshot);
  EXPECT_EQ(parse("00000000000000000001.log.deleted")->kind, file_kind::deleted);
  EXPECT_EQ(parse("00000000000000000001.log.cleaned")->kind, file_kind::cleaned);
  EXPECT_EQ(parse("00000000000000000001.log.swap")->kind, file_kind::swap);
  EXPECT_EQ(parse("recovery-point-offset-checkpoint.tmp")->kind, file_kind::tmp);
}

TEST(FileNames, ParseRejectsMalformedNames) {
  EXPECT_FALSE(parse("1.log"));
  EXPECT_FALSE(parse("0000000000000000000x.log"));
  EXPECT_FALSE(parse("00000000000000000001.txt"));
  EXPECT_FALSE(parse("leader-epoch-checkpoint"));
}

TEST(FileNames, PartitionDirsRoundTripEvenWithDashesInTopic) {
  EXPECT_EQ(partition_dir("orders", 3), "orders-3");
  auto p = parse_partition_dir("my-topic-name-12");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->topic, "my-topic-name");
  EXPECT_EQ(p->partition, 12);
  EXPECT_FALSE(parse_partition_dir("orders"));
  EXPECT_FALSE(parse_partition_dir("orders-"));
  EXPECT_FALSE(parse_partition_dir("orders-07"));
  EXPECT_FALSE(parse_partition_dir("orders-x"));
}

TEST(FileNames, DeleteDirsAreNotPartitionDirs) {
  const std::string d = delete_dir("orders-3", 0xabcdef);
  EXPECT_EQ(d, "orders-3.0000000000abcdef-delete");
  EXPECT_TRUE(is_delete_dir(d));
  EXPECT_FALSE(parse_partition_dir(d));
  EXPECT_FALSE(is_delete_dir("orders-3"));
}

TEST(FileNames, JoinAndSplitPaths) {
  EXPECT_EQ(join("/a/b/", "c"), "/a/b/c");
  EXPECT_EQ(join("/a/b", "c"), "/a/b/c");
  EXPECT_EQ(base_name("/a/b/c"), "c");
  EXPECT_EQ(parent_dir("/a/b/c"), "/a/b");
  EXPECT_EQ(parent_dir("/a"), "/");
}

}  // namespace
}  // namespace sluice::storage::file_names
