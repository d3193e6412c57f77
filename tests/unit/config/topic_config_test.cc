// Tests for topic configs: broker-derived defaults, overrides, and validation.
#include "config/topic_config.h"

#include <gtest/gtest.h>

namespace sluice::config {
namespace {

broker_config broker_with(std::string_view text) {
  auto props = parse_properties(text);
  EXPECT_TRUE(props.ok());
  auto r = load_broker_config(props.value());
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.err().message);
  return r.ok() ? r->config : broker_config::defaults();
}

TEST(topic_config, DefaultsEqualKafkas) {
  auto t = topic_config::from_broker(broker_config::defaults());
  EXPECT_TRUE(t.cleanup_delete);
  EXPECT_FALSE(t.cleanup_compact);
  EXPECT_EQ(t.compression_type, compression_setting::producer);
  EXPECT_EQ(t.delete_retention_ms, 86400000);
  EXPECT_EQ(t.file_delete_delay_ms, 60000);
  EXPECT_EQ(t.flush_messages, INT64_MAX);
  EXPECT_EQ(t.flush_ms, INT64_MAX);
  EXPECT_EQ(t.index_interval_bytes, 4096);
  EXPECT_EQ(t.max_compaction_lag_ms, INT64_MAX);
  EXPECT_EQ(t.max_message_bytes, 1048588);
  EXPECT_EQ(t.message_timestamp_type, timestamp_type::create_time);
  EXPECT_EQ(t.message_timestamp_difference_max_ms, INT64_MAX);
  EXPECT_EQ(t.min_cleanable_dirty_ratio, 0.5);
  EXPECT_EQ(t.min_compaction_lag_ms, 0);
  EXPECT_EQ(t.min_insync_replicas, 1);
  EXPECT_FALSE(t.preallocate);
  EXPECT_EQ(t.retention_bytes, -1);
  EXPECT_EQ(t.retention_ms, 604800000);
  EXPECT_EQ(t.segment_bytes, 1073741824);
  EXPECT_EQ(t.segment_index_bytes, 10485760);
  EXPECT_EQ(t.segment_jitter_ms, 0);
  EXPECT_EQ(t.segment_ms, 604800000);
  EXPECT_FALSE(t.unclean_leader_election_enable);
  EXPECT_TRUE(t.message_downconversion_enable);
  EXPECT_TRUE(t.overrides.empty());
}

TEST(topic_config, DefaultsFollowTheBrokerSynonyms) {
  auto b = broker_with(
      "log.retention.minutes=90\nmessage.max.bytes=2000\nlog.roll.hours=1\n"
      "log.cleanup.policy=compact\ncompression.type=zstd\nlog.flush.scheduler.interval.ms=100\n"
      "log.index.size.max.bytes=4096\nlog.message.timestamp.type=LogAppendTime\n");
  auto t = topic_config::from_broker(b);
  EXPECT_EQ(t.retention_ms, 90 * 60 * 1000);
  EXPECT_EQ(t.max_message_bytes, 2000);
  EXPECT_EQ(t.segment_ms, 3600 * 1000);
  EXPECT_TRUE(t.cleanup_compact);
  EXPECT_FALSE(t.cleanup_delete);
  EXPECT_EQ(t.compression_type, compression_setting::zstd);
  EXPECT_EQ(t.flush_ms, 100);
  EXPECT_EQ(t.segment_index_bytes, 4096);
  EXPECT_EQ(t.message_timestamp_type, timestamp_type::log_append_time);
}

TEST(topic_config, OverridesReplaceBrokerDefaults) {
  auto b = broker_with("log.retention.hours=1\n");
  auto t = topic_config::resolve(b, {{"retention.ms", "5000"},
                                     {"cleanup.policy", "delete, compact"},
                                     {"max.message.bytes", " 64 "},
                                     {"min.cleanable.dirty.ratio", "0.1"},
                                     {"compression.type", "lz4"},
                                     {"preallocate", "TRUE"}});
  ASSERT_TRUE(t.ok()) << t.err().message;
  EXPECT_EQ(t->retention_ms, 5000);
  EXPECT_TRUE(t->cleanup_delete && t->cleanup_compact);
  EXPECT_EQ(t->max_message_bytes, 64);
  EXPECT_EQ(t->min_cleanable_dirty_ratio, 0.1);
  EXPECT_EQ(t->compression_type, compression_setting::lz4);
  EXPECT_TRUE(t->preallocate);
  EXPECT_EQ(t->segment_ms, 604800000);  // untouched keys keep the broker's value
  EXPECT_EQ(t->overrides.at("max.message.bytes"), "64");
  EXPECT_EQ(t->overrides.at("preallocate"), "true");
  EXPECT_EQ(t->value_string("cleanup.policy"), "delete,compact");
  EXPECT_EQ(t->value_string("retention.ms"), "5000");
}

TEST(topic_config, UnknownTopicKeyIsRejected) {
  auto b = broker_config::defaults();
  for (const char* key : {"retention.hours", "log.retention.ms", "no.such.thing"}) {
    auto t = topic_config::resolve(b, {{key, "1"}});
    ASSERT_FALSE(t.ok()) << key;
    EXPECT_EQ(t.err().code, errc::invalid_argument);
    EXPECT_EQ(t.err().message, std::string("Unknown topic config name: ") + key);
  }
}

TEST(topic_config, InvalidValuesNameTheKeyAndReason) {
  auto b = broker_config::defaults();
  struct bad_case {
    const char* key;
    const char* value;
    const char* reason;
  };
  for (auto c :
       {bad_case{"retention.ms", "-2", "at least -1"}, bad_case{"segment.bytes", "13", "at least 14"},
        bad_case{"cleanup.policy", "shred", "compact, delete"},
        bad_case{"min.insync.replicas", "0", "at least 1"},
        bad_case{"message.timestamp.type", "Now", "CreateTime, LogAppendTime"},
        bad_case{"min.cleanable.dirty.ratio", "2", "between 0 and 1"},
        bad_case{"compression.type", "brotli", "zstd"}, bad_case{"preallocate", "maybe", "true or false"},
        bad_case{"segment.ms", "soon", "LONG"}}) {
    auto t = topic_config::resolve(b, {{c.key, c.value}});
    ASSERT_FALSE(t.ok()) << c.key;
    EXPECT_NE(t.err().message.find(c.key), std::string::npos) << t.err().message;
    EXPECT_NE(t.err().message.find(c.reason), std::string::npos) << t.err().message;
  }
}

TEST(topic_config, CompactionLagsMustBeOrdered) {
  auto t = topic_config::resolve(broker_config::defaults(),
                                 {{"min.compaction.lag.ms", "100"}, {"max.compaction.lag.ms", "50"}});
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.err().message.find("min.compaction.lag.ms"), std::string::npos);
}

TEST(topic_config, SharedNamesAreTopicKeys) {
  EXPECT_TRUE(is_topic_config_key("compression.type"));
  EXPECT_TRUE(is_topic_config_key("retention.ms"));
  EXPECT_FALSE(is_topic_config_key("log.retention.ms"));
  EXPECT_FALSE(is_topic_config_key("nope"));
}

}  // namespace
}  // namespace sluice::config
