// Tests for the DescribeConfigs views of broker and topic configs.
#include "config/describe.h"

#include <gtest/gtest.h>

namespace sluice::config {
namespace {

const config_entry_view& find(const std::vector<config_entry_view>& entries, std::string_view name) {
  for (const auto& e : entries) {
    if (e.name == name) return e;
  }
  static config_entry_view missing;
  ADD_FAILURE() << "no entry " << name;
  return missing;
}

broker_config broker_with(std::string_view text) {
  auto r = load_broker_config(parse_properties(text).value());
  EXPECT_TRUE(r.ok());
  return r.ok() ? r->config : broker_config::defaults();
}

TEST(describe_configs, BrokerEntriesAreReadOnlyWithStaticOrDefaultSource) {
  auto entries = describe_broker_configs(broker_with("log.retention.hours=24\n"));
  const auto& hours = find(entries, "log.retention.hours");
  EXPECT_EQ(hours.value, "24");
  EXPECT_EQ(hours.source, config_source::static_broker_config);
  EXPECT_TRUE(hours.read_only);
  EXPECT_FALSE(hours.is_default);
  EXPECT_EQ(hours.type, config_type::int32);
  EXPECT_FALSE(hours.documentation.empty());
  const auto& parts = find(entries, "num.partitions");
  EXPECT_EQ(parts.value, "1");
  EXPECT_EQ(parts.source, config_source::default_config);
  EXPECT_TRUE(parts.is_default);
  for (const auto& e : entries) EXPECT_NE(find_config_key(e.name)->scope, config_scope::topic) << e.name;
}

TEST(describe_configs, BrokerSynonymsListLowerPrecedenceKeys) {
  auto entries = describe_broker_configs(broker_with("log.retention.hours=24\n"));
  const auto& ms = find(entries, "log.retention.ms");
  EXPECT_EQ(ms.value, std::nullopt);
  ASSERT_EQ(ms.synonyms.size(), 2u);
  EXPECT_EQ(ms.synonyms[0].name, "log.retention.hours");
  EXPECT_EQ(ms.synonyms[0].value, "24");
  EXPECT_EQ(ms.synonyms[0].source, config_source::static_broker_config);
  EXPECT_EQ(ms.synonyms[1].value, "168");
  EXPECT_EQ(ms.synonyms[1].source, config_source::default_config);
}

TEST(describe_configs, TopicWithoutOverridesTakesBrokerValues) {
  auto entries = describe_topic_configs(broker_with("log.retention.hours=24\n"), {});
  ASSERT_TRUE(entries.ok());
  const auto& retention = find(*entries, "retention.ms");
  EXPECT_EQ(retention.value, "86400000");
  EXPECT_EQ(retention.source, config_source::static_broker_config);
  EXPECT_FALSE(retention.read_only);
  ASSERT_FALSE(retention.synonyms.empty());
  EXPECT_EQ(retention.synonyms[0].name, "log.retention.hours");
  const auto& segment = find(*entries, "segment.bytes");
  EXPECT_EQ(segment.value, "1073741824");
  EXPECT_EQ(segment.source, config_source::default_config);
  EXPECT_TRUE(segment.is_default);
  ASSERT_EQ(segment.synonyms.size(), 1u);
  EXPECT_EQ(segment.synonyms[0].name, "log.segment.bytes");
}

TEST(describe_configs, TopicOverrideIsDynamicTopicConfigFirstInSynonyms) {
  auto entries = describe_topic_configs(broker_config::defaults(),
                                        {{"retention.ms", "1000"}, {"compression.type", "gzip"}});
  ASSERT_TRUE(entries.ok());
  const auto& retention = find(*entries, "retention.ms");
  EXPECT_EQ(retention.value, "1000");
  EXPECT_EQ(retention.source, config_source::dynamic_topic_config);
  ASSERT_GE(retention.synonyms.size(), 2u);
  EXPECT_EQ(retention.synonyms[0].source, config_source::dynamic_topic_config);
  EXPECT_EQ(retention.synonyms[1].name, "log.retention.hours");
  const auto& compression = find(*entries, "compression.type");
  EXPECT_EQ(compression.value, "gzip");
  ASSERT_EQ(compression.synonyms.size(), 2u);
  EXPECT_EQ(compression.synonyms[1].name, "compression.type");
  EXPECT_EQ(compression.synonyms[1].source, config_source::default_config);
}

TEST(describe_configs, TopicEntriesCoverEveryTopicKeySorted) {
  auto entries = describe_topic_configs(broker_config::defaults(), {});
  ASSERT_TRUE(entries.ok());
  size_t topic_keys = 0;
  for (const auto& k : config_table()) topic_keys += k.topic_scoped() ? 1 : 0;
  EXPECT_EQ(entries->size(), topic_keys);
  for (size_t i = 1; i < entries->size(); ++i) EXPECT_LT((*entries)[i - 1].name, (*entries)[i].name);
}

TEST(describe_configs, InvalidTopicOverridesFail) {
  EXPECT_FALSE(describe_topic_configs(broker_config::defaults(), {{"bogus", "1"}}).ok());
}

}  // namespace
}  // namespace sluice::config
