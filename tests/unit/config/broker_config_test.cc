// Tests for building the broker config: Kafka defaults, precedence, warnings and errors.
#include "config/broker_config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>

namespace sluice::config {
namespace {

constexpr int64_t hour_ms = 3600 * 1000;

broker_config_load load_ok(std::string_view text, std::vector<std::string> overrides = {}) {
  auto props = parse_properties(text);
  EXPECT_TRUE(props.ok());
  auto r = load_broker_config(props.ok() ? props.value() : properties{}, overrides);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.err().message);
  return r.ok() ? std::move(r.value()) : broker_config_load{};
}

error load_error(std::string_view text, std::vector<std::string> overrides = {}) {
  auto props = parse_properties(text);
  EXPECT_TRUE(props.ok());
  auto r = load_broker_config(props.ok() ? props.value() : properties{}, overrides);
  EXPECT_FALSE(r.ok());
  return r.ok() ? error{} : r.err();
}

// Kafka 3.x's documented defaults, written out independently of the table.
TEST(broker_config, DefaultsEqualKafkas) {
  auto c = broker_config::defaults();
  EXPECT_EQ(c.num_partitions, 1);
  EXPECT_EQ(c.default_replication_factor, 1);
  EXPECT_TRUE(c.auto_create_topics_enable);
  EXPECT_TRUE(c.delete_topic_enable);
  EXPECT_EQ(c.log_retention_ms, 168 * hour_ms);
  EXPECT_EQ(c.log_retention_bytes, -1);
  EXPECT_EQ(c.log_segment_bytes, 1073741824);
  EXPECT_EQ(c.log_roll_ms, 168 * hour_ms);
  EXPECT_EQ(c.log_roll_jitter_ms, 0);
  EXPECT_EQ(c.log_index_interval_bytes, 4096);
  EXPECT_EQ(c.log_index_size_max_bytes, 10485760);
  EXPECT_EQ(c.message_max_bytes, 1048588);
  EXPECT_EQ(c.socket_request_max_bytes, 104857600);
  EXPECT_EQ(c.log_flush_interval_messages, INT64_MAX);
  EXPECT_EQ(c.log_flush_scheduler_interval_ms, INT64_MAX);
  EXPECT_EQ(c.log_flush_interval_ms, INT64_MAX);  // null -> log.flush.scheduler.interval.ms
  EXPECT_EQ(c.log_message_timestamp_type, timestamp_type::create_time);
  EXPECT_EQ(c.log_message_timestamp_difference_max_ms, INT64_MAX);
  EXPECT_EQ(c.log_retention_check_interval_ms, 300000);
  EXPECT_EQ(c.log_segment_delete_delay_ms, 60000);
  EXPECT_TRUE(c.log_cleanup_delete);
  EXPECT_FALSE(c.log_cleanup_compact);
  EXPECT_EQ(c.log_cleaner_delete_retention_ms, 86400000);
  EXPECT_EQ(c.log_cleaner_min_compaction_lag_ms, 0);
  EXPECT_EQ(c.log_cleaner_max_compaction_lag_ms, INT64_MAX);
  EXPECT_EQ(c.log_cleaner_min_cleanable_ratio, 0.5);
  EXPECT_FALSE(c.log_preallocate);
  EXPECT_TRUE(c.log_message_downconversion_enable);
  EXPECT_EQ(c.compression_type, compression_setting::producer);
  EXPECT_EQ(c.min_insync_replicas, 1);
  EXPECT_FALSE(c.unclean_leader_election_enable);
  EXPECT_EQ(c.connections_max_idle_ms, 600000);
  EXPECT_EQ(c.max_connections, INT32_MAX);
  EXPECT_EQ(c.offsets_topic_num_partitions, 50);
  EXPECT_EQ(c.offsets_retention_minutes, 10080);
  EXPECT_EQ(c.group_initial_rebalance_delay_ms, 3000);
  EXPECT_EQ(c.group_min_session_timeout_ms, 6000);
  EXPECT_EQ(c.group_max_session_timeout_ms, 1800000);
  EXPECT_EQ(c.transaction_max_timeout_ms, 900000);
  EXPECT_EQ(c.transactional_id_expiration_ms, 604800000);
  EXPECT_EQ(c.transaction_state_log_num_partitions, 50);
  EXPECT_EQ(c.num_network_threads, 3);
  EXPECT_EQ(c.num_io_threads, 8);
  EXPECT_FALSE(c.zookeeper_connect.has_value());
  EXPECT_TRUE(c.explicit_values.empty());
}

TEST(broker_config, OnlyDocumentedDefaultsDifferFromKafka) {
  std::set<std::string_view> differing;
  for (const auto& k : config_table()) {
    if (k.kafka_default) differing.insert(k.name);
  }
  EXPECT_EQ(differing, (std::set<std::string_view>{"broker.id", "listeners", "log.dir"}));
}

TEST(broker_config, SluiceDefaultsAreSafeForASingleNode) {
  auto c = broker_config::defaults();
  EXPECT_EQ(c.broker_id, 0);
  ASSERT_EQ(c.listeners.size(), 1u);
  EXPECT_EQ(c.listeners[0], (listener_endpoint{"PLAINTEXT", "PLAINTEXT", "127.0.0.1", 9092}));
  EXPECT_EQ(c.advertised_listeners, c.listeners);
  EXPECT_EQ(c.log_dirs, std::vector<std::string>{"./sluice-data"});
  EXPECT_EQ(c.log_flush_mode, flush_mode::fsync);
  EXPECT_EQ(c.http_listener, (host_port{"127.0.0.1", 9644}));
  EXPECT_EQ(c.max_inflight_requests_per_connection, 16);
}

TEST(broker_config, RetentionHoursApplyAlone) {
  EXPECT_EQ(load_ok("log.retention.hours=24").config.log_retention_ms, 24 * hour_ms);
}

TEST(broker_config, RetentionMinutesWinOverHours) {
  EXPECT_EQ(load_ok("log.retention.hours=24\nlog.retention.minutes=30").config.log_retention_ms,
            30 * 60 * 1000);
}

TEST(broker_config, RetentionMsWinsOverMinutesAndHours) {
  auto c = load_ok("log.retention.hours=24\nlog.retention.minutes=30\nlog.retention.ms=1234").config;
  EXPECT_EQ(c.log_retention_ms, 1234);
}

TEST(broker_config, AnyNegativeRetentionMeansUnlimited) {
  EXPECT_EQ(load_ok("log.retention.ms=-5").config.log_retention_ms, -1);
  EXPECT_EQ(load_ok("log.retention.hours=-1").config.log_retention_ms, -1);
}

TEST(broker_config, RollAndFlushMillisecondKeysWin) {
  auto c = load_ok("log.roll.hours=2\nlog.roll.jitter.hours=1\nlog.flush.scheduler.interval.ms=500").config;
  EXPECT_EQ(c.log_roll_ms, 2 * hour_ms);
  EXPECT_EQ(c.log_roll_jitter_ms, hour_ms);
  EXPECT_EQ(c.log_flush_interval_ms, 500);
  c = load_ok("log.roll.hours=2\nlog.roll.ms=10\nlog.roll.jitter.ms=3\nlog.flush.interval.ms=7").config;
  EXPECT_EQ(c.log_roll_ms, 10);
  EXPECT_EQ(c.log_roll_jitter_ms, 3);
  EXPECT_EQ(c.log_flush_interval_ms, 7);
}

TEST(broker_config, LogDirsWinsOverLogDirAndIsSplit) {
  EXPECT_EQ(load_ok("log.dir=/one").config.log_dirs, std::vector<std::string>{"/one"});
  EXPECT_EQ(load_ok("log.dir=/one\nlog.dirs=/a, /b ,").config.log_dirs,
            (std::vector<std::string>{"/a", "/b"}));
  EXPECT_NE(load_error("log.dirs= , ").message.find("log.dirs"), std::string::npos);
}

TEST(broker_config, BrokerIdFallsBackToNodeId) {
  EXPECT_EQ(load_ok("broker.id=-1").config.broker_id, 0);
  EXPECT_EQ(load_ok("node.id=3").config.broker_id, 3);
  EXPECT_EQ(load_ok("broker.id=5").config.broker_id, 5);
  EXPECT_NE(load_error("broker.id=1\nnode.id=2").message.find("node.id"), std::string::npos);
  EXPECT_FALSE(load_error("broker.id=-2").message.empty());
}

TEST(broker_config, UnknownKeyIsAWarningNotAnError) {
  auto r = load_ok("num.partitions=3\nfoo.bar=1\n");
  EXPECT_EQ(r.config.num_partitions, 3);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("foo.bar"), std::string::npos);
  EXPECT_NE(r.warnings[0].find("line 2"), std::string::npos);
}

TEST(broker_config, TopicKeyInServerPropertiesPointsToTheBrokerKey) {
  auto r = load_ok("retention.ms=5");
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("log.retention.ms"), std::string::npos) << r.warnings[0];
  EXPECT_EQ(r.config.log_retention_ms, 168 * hour_ms);
}

TEST(broker_config, IgnoredKeysAreAcceptedWithAWarning) {
  auto r = load_ok("num.io.threads=16\nnum.replica.fetchers=2\nzookeeper.connect=localhost:2181\n");
  EXPECT_EQ(r.config.num_io_threads, 16);
  // zookeeper.connect is meaningful (cluster mode): no warning for it.
  EXPECT_EQ(r.config.zookeeper_connect, "localhost:2181");
  EXPECT_EQ(r.warnings.size(), 2u);
  // Ignored keys are still validated.
  EXPECT_FALSE(load_error("num.io.threads=0").message.empty());
}

TEST(broker_config, BadValueErrorNamesKeyAndLine) {
  auto e = load_error("num.partitions=1\nlog.segment.bytes=big\n");
  EXPECT_EQ(e.code, errc::invalid_argument);
  EXPECT_NE(e.message.find("log.segment.bytes"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("line 2"), std::string::npos) << e.message;
  e = load_error("", {"num.partitions=0"});
  EXPECT_NE(e.message.find("num.partitions"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("--override"), std::string::npos) << e.message;
}

TEST(broker_config, OverridesWinOverTheFileAndTheLastOverrideWins) {
  auto r = load_ok("num.partitions=3\n", {"num.partitions=4", "log.retention.hours = 1", "num.partitions=6"});
  EXPECT_EQ(r.config.num_partitions, 6);
  EXPECT_EQ(r.config.log_retention_ms, hour_ms);
  EXPECT_EQ(r.config.explicit_values.at("num.partitions"), "6");
}

TEST(broker_config, OverrideWithoutEqualsIsAnError) {
  EXPECT_NE(load_error("", {"num.partitions"}).message.find("key=value"), std::string::npos);
  EXPECT_FALSE(load_error("", {"=3"}).message.empty());
}

TEST(broker_config, ListenersParseNamesHostsAndPorts) {
  auto c = load_ok(
               "listeners=plaintext://:9092, INTERNAL://[::1]:0\n"
               "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT\n")
               .config;
  ASSERT_EQ(c.listeners.size(), 2u);
  EXPECT_EQ(c.listeners[0], (listener_endpoint{"PLAINTEXT", "PLAINTEXT", "", 9092}));
  EXPECT_EQ(c.listeners[1], (listener_endpoint{"INTERNAL", "PLAINTEXT", "::1", 0}));
}

TEST(broker_config, BadListenersAreErrorsNamingTheKey) {
  for (const char* bad :
       {"listeners=PLAINTEXT://127.0.0.1", "listeners=PLAINTEXT://h:70000", "listeners=127.0.0.1:9092",
        "listeners=FOO://:9092", "listeners=PLAINTEXT://:1,PLAINTEXT://:2",
        "listeners=PLAINTEXT://:1,SSL://:1", "listeners=PLAINTEXT://::1:9092", "listeners="}) {
    auto e = load_error(bad);
    EXPECT_NE(e.message.find("listeners"), std::string::npos) << bad << ": " << e.message;
  }
}

TEST(broker_config, AdvertisedListenersDefaultToListenersAndMustBeRoutable) {
  auto c = load_ok("listeners=PLAINTEXT://0.0.0.0:9092\nadvertised.listeners=PLAINTEXT://broker.example:9092")
               .config;
  EXPECT_EQ(c.advertised_listeners[0].host, "broker.example");
  EXPECT_NE(load_error("advertised.listeners=PLAINTEXT://0.0.0.0:9092").message.find("advertised.listeners"),
            std::string::npos);
  EXPECT_NE(load_error("advertised.listeners=SSL://h:9093").message.find("SSL"), std::string::npos);
}

TEST(broker_config, HttpListenerCanBeDisabledOrMoved) {
  EXPECT_FALSE(load_ok("sluice.http.listener=").config.http_listener.has_value());
  EXPECT_EQ(load_ok("sluice.http.listener=0.0.0.0:8080").config.http_listener, (host_port{"0.0.0.0", 8080}));
  EXPECT_FALSE(load_error("sluice.http.listener=nope").message.empty());
}

TEST(broker_config, FlushModeAcceptsItsTwoValues) {
  EXPECT_EQ(load_ok("sluice.log.flush.mode=pagecache").config.log_flush_mode, flush_mode::pagecache);
  EXPECT_NE(load_error("sluice.log.flush.mode=sometimes").message.find("sluice.log.flush.mode"),
            std::string::npos);
}

TEST(broker_config, SessionTimeoutBoundsMustBeOrdered) {
  auto e = load_error("group.min.session.timeout.ms=10000\ngroup.max.session.timeout.ms=5000");
  EXPECT_NE(e.message.find("group.min.session.timeout.ms"), std::string::npos);
}

TEST(broker_config, ValueStringReportsSetValuesThenDefaults) {
  auto c = load_ok("log.retention.hours= 24 ").config;
  EXPECT_EQ(c.value_string("log.retention.hours"), "24");
  EXPECT_EQ(c.value_string("num.partitions"), "1");
  EXPECT_EQ(c.value_string("log.retention.ms"), std::nullopt);
  EXPECT_EQ(c.value_string("not.a.key"), std::nullopt);
}

TEST(broker_config, LoadsAStockKafkaServerPropertiesFile) {
  std::string path = ::testing::TempDir() + "/server.properties";
  std::ofstream(path)
      << "broker.id=0\nnum.network.threads=3\nnum.io.threads=8\nsocket.send.buffer.bytes=102400\n"
         "socket.receive.buffer.bytes=102400\nsocket.request.max.bytes=104857600\n"
         "log.dirs=/tmp/kafka-logs\nnum.partitions=1\nnum.recovery.threads.per.data.dir=1\n"
         "offsets.topic.replication.factor=1\ntransaction.state.log.replication.factor=1\n"
         "transaction.state.log.min.isr=1\nlog.retention.hours=168\nlog.segment.bytes=1073741824\n"
         "log.retention.check.interval.ms=300000\nzookeeper.connect=localhost:2181\n"
         "zookeeper.connection.timeout.ms=18000\ngroup.initial.rebalance.delay.ms=0\n";
  auto r = load_broker_config_file(path, {"broker.id=0"});
  std::remove(path.c_str());
  ASSERT_TRUE(r.ok()) << r.err().message;
  EXPECT_EQ(r->config.log_dirs, std::vector<std::string>{"/tmp/kafka-logs"});
  EXPECT_EQ(r->config.group_initial_rebalance_delay_ms, 0);
  for (const auto& w : r->warnings) EXPECT_EQ(w.find("unknown"), std::string::npos) << w;
}

}  // namespace
}  // namespace sluice::config
