// Tests for the single-node topic table and topic name rules.
#include <gtest/gtest.h>

#include <filesystem>

#include "cluster/topic_name.h"
#include "cluster/topic_table.h"

namespace sluice::cluster {
namespace {

std::string temp_dir() {
  auto base = std::filesystem::temp_directory_path() /
              ("sluice-topic-table-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()));
  std::filesystem::remove_all(base);
  return base.string();
}

TEST(TopicName, LegalNamesPass) {
  EXPECT_EQ(topic_name_error("orders.v1_x-2"), "");
  EXPECT_EQ(topic_name_error(std::string(249, 'a')), "");
}

TEST(TopicName, IllegalNamesAreRejected) {
  EXPECT_NE(topic_name_error(""), "");
  EXPECT_NE(topic_name_error("."), "");
  EXPECT_NE(topic_name_error(".."), "");
  EXPECT_NE(topic_name_error("has space"), "");
  EXPECT_NE(topic_name_error("slash/x"), "");
  EXPECT_NE(topic_name_error(std::string(250, 'a')), "");
}

TEST(TopicTable, CreatedTopicsSurviveReopen) {
  const auto dir = temp_dir();
  {
    auto t = topic_table::open(dir);
    ASSERT_TRUE(t.ok());
    EXPECT_TRUE((*t)->create("a", 3, {{"retention.ms", "1000"}}).ok());
    EXPECT_TRUE((*t)->create("b", 1, {}).ok());
  }
  auto t = topic_table::open(dir);
  ASSERT_TRUE(t.ok());
  ASSERT_NE((*t)->find("a"), nullptr);
  EXPECT_EQ((*t)->find("a")->partition_count, 3);
  EXPECT_EQ((*t)->find("a")->config_overrides.at("retention.ms"), "1000");
  EXPECT_EQ((*t)->find_by_id((*t)->find("b")->id)->name, "b");
  std::filesystem::remove_all(dir);
}

TEST(TopicTable, DuplicateAndCollidingNamesAreRefused) {
  const auto dir = temp_dir();
  auto t = topic_table::open(dir);
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE((*t)->create("a.b", 1, {}).ok());
  EXPECT_EQ((*t)->create("a.b", 1, {}).code, topic_error::already_exists);
  EXPECT_EQ((*t)->create("a_b", 1, {}).code, topic_error::invalid_name);
  EXPECT_EQ((*t)->create("c", 0, {}).code, topic_error::invalid_partitions);
  std::filesystem::remove_all(dir);
}

TEST(TopicTable, ErasedNameIsReusableAtOnce) {
  const auto dir = temp_dir();
  auto t = topic_table::open(dir);
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE((*t)->create("x", 2, {}).ok());
  const auto old_id = (*t)->find("x")->id;
  ASSERT_TRUE((*t)->erase("x").ok());
  EXPECT_EQ((*t)->find("x"), nullptr);
  ASSERT_TRUE((*t)->create("x", 4, {}).ok());
  EXPECT_NE((*t)->find("x")->id, old_id);
  std::filesystem::remove_all(dir);
}

TEST(TopicTable, PartitionCountOnlyGrows) {
  const auto dir = temp_dir();
  auto t = topic_table::open(dir);
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE((*t)->create("x", 2, {}).ok());
  EXPECT_EQ((*t)->set_partition_count("x", 2).code, topic_error::invalid_partitions);
  EXPECT_TRUE((*t)->set_partition_count("x", 5).ok());
  EXPECT_EQ((*t)->find("x")->partition_count, 5);
  std::filesystem::remove_all(dir);
}

TEST(TopicTable, CorruptFileIsReportedAsCorruption) {
  const auto dir = temp_dir();
  std::filesystem::create_directories(dir);
  FILE* f = std::fopen((dir + "/topics.json").c_str(), "w");
  std::fputs("{not json", f);
  std::fclose(f);
  auto t = topic_table::open(dir);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.err().code, errc::corruption);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sluice::cluster

#include "cluster/producer_id_allocator.h"

namespace sluice::cluster {
namespace {

TEST(ProducerIdAllocator, IdsAreNeverReusedAcrossRestarts) {
  const auto dir = temp_dir();
  std::filesystem::create_directories(dir);
  int64_t last = -1;
  {
    auto a = producer_id_allocator::open(dir);
    ASSERT_TRUE(a.ok());
    for (int i = 0; i < 5; ++i) {
      auto id = (*a)->next();
      ASSERT_TRUE(id.ok());
      EXPECT_GT(*id, last);
      last = *id;
    }
  }
  auto a = producer_id_allocator::open(dir);
  ASSERT_TRUE(a.ok());
  auto id = (*a)->next();
  ASSERT_TRUE(id.ok());
  EXPECT_GT(*id, last);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sluice::cluster
