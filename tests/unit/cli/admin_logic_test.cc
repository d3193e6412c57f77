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

TEST(BenchJson, ConsumeKeepsWholeRunRatesAndAddsTheFetchRate) {
  bench_options o;
  o.mode = bench_mode::consume;
  o.topic = "b";
  bench_result r;
  r.elapsed_s = 2.0;  // 0.5 s to the first record, then 1.5 s of records
  r.consumed = 3000;
  r.consumed_bytes = 3 * 1024 * 1024;
  r.first_record_s = 0.5;
  r.fetch_s = 1.5;
  auto j = nlohmann::json::parse(bench_json(o, r));
  EXPECT_DOUBLE_EQ(j["consume_msgs_per_s"].get<double>(), 1500.0);
  EXPECT_DOUBLE_EQ(j["consume_mb_per_s"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(j["first_record_ms"].get<double>(), 500.0);
  EXPECT_DOUBLE_EQ(j["fetch_time_ms"].get<double>(), 1500.0);
  EXPECT_DOUBLE_EQ(j["fetch_msgs_per_s"].get<double>(), 2000.0);
  EXPECT_DOUBLE_EQ(j["fetch_mb_per_s"].get<double>(), 2.0);
  EXPECT_FALSE(j.contains("produced"));

  // Everything in one batch: no duration, so no fetch rate (not a rate of 0).
  r.fetch_s = 0.0;
  j = nlohmann::json::parse(bench_json(o, r));
  EXPECT_FALSE(j.contains("fetch_mb_per_s"));
  EXPECT_FALSE(j.contains("fetch_time_ms"));
  EXPECT_TRUE(j.contains("consume_mb_per_s"));

  // No record at all: no fetch fields.
  bench_result none;
  none.elapsed_s = 1.0;
  j = nlohmann::json::parse(bench_json(o, none));
  EXPECT_FALSE(j.contains("first_record_ms"));
  EXPECT_FALSE(j.contains("fetch_msgs_per_s"));
}

TEST(BenchCounters, RecordTimesSpanEveryConsumersBatches) {
  bench_counters c;
  EXPECT_EQ(c.first_record_ns.load(), 0);
  c.note_records_at(2'000);
  c.note_records_at(5'000);
  c.note_records_at(1'000);  // another consumer's earlier batch, noted late
  c.note_records_at(3'000);
  EXPECT_EQ(c.first_record_ns.load(), 1'000);
  EXPECT_EQ(c.last_record_ns.load(), 5'000);
}

}  // namespace
}  // namespace sluice::cli
