// Admin helper logic that needs no broker: which configs count as overrides, the
// read-modify-write set for AlterConfigs, user-facing topic error messages, bench JSON.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/admin.h"
#include "cli/bench_report.h"

namespace sluice::cli {
namespace {

config_entry entry(std::string name, std::optional<std::string> value, rd_kafka_ConfigSource_t src,
                   bool is_default = false) {
  config_entry e;
  e.name = std::move(name);
  e.value = std::move(value);
  e.source = src;
  e.is_default = is_default;
  return e;
}

TEST(Overrides, TopicOverridesAreDynamicTopicConfigsOnly) {
  EXPECT_TRUE(
      is_override(entry("a", "1", RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG), RD_KAFKA_RESOURCE_TOPIC));
  EXPECT_FALSE(is_override(entry("a", "1", RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG), RD_KAFKA_RESOURCE_TOPIC));
  EXPECT_FALSE(
      is_override(entry("a", "1", RD_KAFKA_CONFIG_SOURCE_STATIC_BROKER_CONFIG), RD_KAFKA_RESOURCE_TOPIC));
  EXPECT_TRUE(
      is_override(entry("a", "1", RD_KAFKA_CONFIG_SOURCE_DYNAMIC_BROKER_CONFIG), RD_KAFKA_RESOURCE_BROKER));
}

TEST(Overrides, WithoutSourceTheDefaultFlagDecides) {
  EXPECT_TRUE(
      is_override(entry("a", "1", RD_KAFKA_CONFIG_SOURCE_UNKNOWN_CONFIG, false), RD_KAFKA_RESOURCE_TOPIC));
  EXPECT_FALSE(
      is_override(entry("a", "1", RD_KAFKA_CONFIG_SOURCE_UNKNOWN_CONFIG, true), RD_KAFKA_RESOURCE_TOPIC));
}

TEST(AlterSet, KeepsOtherOverridesAddsAndRemoves) {
  std::vector<config_entry> cur = {
      entry("retention.ms", "1000", RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG),
      entry("cleanup.policy", "compact", RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG),
      entry("segment.bytes", "1073741824", RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG, true),
  };
  auto r = compute_alter_set(cur, RD_KAFKA_RESOURCE_TOPIC, {{"max.message.bytes", "2048"}},
                             {"cleanup.policy"}, "topic 't'");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (config_pairs{{"max.message.bytes", "2048"}, {"retention.ms", "1000"}}));
}

TEST(AlterSet, RemovingAnUnsetKeyIsAnError) {
  auto r = compute_alter_set({}, RD_KAFKA_RESOURCE_TOPIC, {}, {"retention.ms"}, "topic 't'");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().message, "config 'retention.ms' is not set on topic 't'");
}

TEST(AlterSet, HiddenSensitiveValueBlocksTheRewriteUnlessReplaced) {
  std::vector<config_entry> cur = {
      entry("secret", std::nullopt, RD_KAFKA_CONFIG_SOURCE_DYNAMIC_BROKER_CONFIG)};
  EXPECT_FALSE(compute_alter_set(cur, RD_KAFKA_RESOURCE_BROKER, {{"x", "1"}}, {}, "broker 1"));
  EXPECT_TRUE(compute_alter_set(cur, RD_KAFKA_RESOURCE_BROKER, {{"secret", "s"}}, {}, "broker 1"));
  EXPECT_TRUE(compute_alter_set(cur, RD_KAFKA_RESOURCE_BROKER, {}, {"secret"}, "broker 1"));
}

TEST(TopicErrors, MessagesNameTheTopic) {
  EXPECT_EQ(topic_error_message("create", {"x", RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS, ""}),
            "topic 'x' already exists");
  EXPECT_EQ(topic_error_message("delete", {"x", RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, ""}),
            "topic 'x' does not exist");
  EXPECT_EQ(topic_error_message("create", {"x", RD_KAFKA_RESP_ERR_INVALID_PARTITIONS, "bad"}),
            "invalid partition count for topic 'x': bad");
  EXPECT_EQ(resource_label(RD_KAFKA_RESOURCE_BROKER, "0"), "broker 0");
}

TEST(BenchJson, ContainsRatesLatenciesAndCompleteness) {
  bench_options o;
  o.mode = bench_mode::e2e;
  o.topic = "b";
  bench_result r;
  r.elapsed_s = 2.0;
  r.produced = 1000;
  r.produced_bytes = 100000;
  r.consumed = 1000;
  r.consumed_bytes = 100000;
  r.delivery_latency.emplace();
  r.e2e_latency.emplace();
  for (int i = 1; i <= 100; ++i) r.e2e_latency->record(i * 1000);
  auto j = nlohmann::json::parse(bench_json(o, r));
  EXPECT_EQ(j["mode"], "e2e");
  EXPECT_DOUBLE_EQ(j["produce_msgs_per_s"].get<double>(), 500.0);
  EXPECT_DOUBLE_EQ(j["e2e_latency_ms"]["max"].get<double>(), 100.0);
  EXPECT_EQ(j["e2e_latency_ms"]["count"], 100);
  EXPECT_TRUE(j["complete"].get<bool>());
  r.error = "short";
  EXPECT_FALSE(nlohmann::json::parse(bench_json(o, r))["complete"].get<bool>());
}

}  // namespace
}  // namespace sluice::cli
