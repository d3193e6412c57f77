// Argument parsing of every CLI command: accepted spellings, resolved options, usage errors.
#include <gtest/gtest.h>
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "cli/bench_common.h"
#include "cli/config_cmd.h"
#include "cli/consume_cmd.h"
#include "cli/produce_cmd.h"
#include "cli/topic_cmd.h"

namespace sluice::cli {
namespace {

// Parses args (without the command name) into o; returns the finalize result. CLI11 parse errors
// propagate as exceptions so tests can EXPECT_THROW them.
template <class Opts, class Configure, class Finalize>
result<void> parse(Opts& o, Configure configure, Finalize finalize, std::vector<std::string> args) {
  CLI::App app;
  configure(app, o);
  std::vector<const char*> argv{"cmd"};
  for (const auto& a : args) argv.push_back(a.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
  return finalize(o);
}

result<void> topic(topic_options& o, std::vector<std::string> args) {
  return parse(o, configure_topic_app, finalize_topic_options, std::move(args));
}
result<void> produce(produce_options& o, std::vector<std::string> args) {
  return parse(o, configure_produce_app, finalize_produce_options, std::move(args));
}
result<void> consume(consume_options& o, std::vector<std::string> args) {
  return parse(o, configure_consume_app, finalize_consume_options, std::move(args));
}
result<void> config(config_options& o, std::vector<std::string> args) {
  return parse(o, configure_config_app, finalize_config_options, std::move(args));
}
result<void> bench(bench_options& o, std::vector<std::string> args) {
  return parse(o, configure_bench_app, finalize_bench_options, std::move(args));
}

TEST(TopicArgs, SubcommandStyleCreateTakesTopicPartitionsAndConfigs) {
  topic_options o;
  ASSERT_TRUE(topic(o, {"create", "--topic", "t", "--partitions", "3", "--replication-factor", "1",
                        "--config", "retention.ms=1000", "--config", "cleanup.policy=compact"}));
  EXPECT_EQ(o.action, topic_action::create);
  EXPECT_EQ(o.topics, std::vector<std::string>{"t"});
  EXPECT_EQ(o.partitions, 3);
  EXPECT_EQ(o.replication_factor, 1);
  EXPECT_EQ(o.configs.size(), 2u);
  EXPECT_EQ(o.common.bootstrap, "127.0.0.1:9092");
}

TEST(TopicArgs, KafkaTopicsStyleFlagsSelectTheAction) {
  topic_options o;
  ASSERT_TRUE(topic(o, {"--create", "--topic", "t", "--bootstrap-server", "h:1"}));
  EXPECT_EQ(o.action, topic_action::create);
  EXPECT_EQ(o.common.bootstrap, "h:1");

  topic_options l;
  ASSERT_TRUE(topic(l, {"--list", "-b", "x:2"}));
  EXPECT_EQ(l.action, topic_action::list);
  EXPECT_EQ(l.common.bootstrap, "x:2");

  topic_options a;
  ASSERT_TRUE(topic(a, {"--alter", "--topic", "t", "--partitions", "6"}));
  EXPECT_EQ(a.action, topic_action::alter);
  EXPECT_EQ(a.partitions, 6);
}

TEST(TopicArgs, PositionalTopicNameFollowsTheAction) {
  topic_options o;
  ASSERT_TRUE(topic(o, {"delete", "t1"}));
  EXPECT_EQ(o.action, topic_action::remove);
  EXPECT_EQ(o.topics, std::vector<std::string>{"t1"});

  topic_options d;
  ASSERT_TRUE(topic(d, {"--describe", "t2"}));
  EXPECT_EQ(d.action, topic_action::describe);
  EXPECT_EQ(d.topics, std::vector<std::string>{"t2"});
}

TEST(TopicArgs, DescribeWithoutTopicMeansAllTopics) {
  topic_options o;
  ASSERT_TRUE(topic(o, {"describe"}));
  EXPECT_TRUE(o.topics.empty());
}

TEST(TopicArgs, UsageErrorsAreInvalidArgument) {
  auto expect_usage = [](std::vector<std::string> args) {
    topic_options o;
    auto r = topic(o, args);
    ASSERT_FALSE(r) << args.front();
    EXPECT_EQ(r.err().code, errc::invalid_argument);
  };
  expect_usage({});                                      // no action
  expect_usage({"frobnicate"});                          // unknown action
  expect_usage({"create"});                              // no topic
  expect_usage({"--create", "--list", "--topic", "t"});  // two actions
  expect_usage({"create", "--topic", "t", "--partitions", "0"});
  expect_usage({"alter", "--topic", "t"});  // nothing to alter
  expect_usage({"list", "--partitions", "3"});
  expect_usage({"describe", "t", "--replication-factor", "2"});
  expect_usage({"create", "--topic", "t", "--config", "novalue"});
  expect_usage({"create", "--topic", "t", "--delete-config", "x"});
}

TEST(TopicArgs, UnknownFlagIsAParseError) {
  topic_options o;
  EXPECT_THROW((void)topic(o, {"list", "--nope"}), CLI::ParseError);
}

TEST(ProduceArgs, KeySeparatorTurnsOnKeyParsing) {
  produce_options o;
  ASSERT_TRUE(produce(o, {"--topic", "t", "--key-separator", ":"}));
  EXPECT_TRUE(o.format.parse_key);
  EXPECT_EQ(o.format.key_separator, ":");
}

TEST(ProduceArgs, ConsoleProducerPropertiesMayBeCommaJoined) {
  produce_options o;
  ASSERT_TRUE(produce(o, {"--topic", "t", "--property", "parse.key=true,key.separator=,"}));
  EXPECT_TRUE(o.format.parse_key);
  EXPECT_EQ(o.format.key_separator, ",");
}

TEST(ProduceArgs, EscapedTabSeparatorIsUnescaped) {
  produce_options o;
  ASSERT_TRUE(produce(o, {"--topic", "t", "--key-separator", "\\t"}));
  EXPECT_EQ(o.format.key_separator, "\t");
}

TEST(ProduceArgs, HeadersAcksCompressionAndIdempotence) {
  produce_options o;
  ASSERT_TRUE(produce(o, {"--topic", "t", "--header", "a=1", "-H", "b=", "--header", "c", "--acks", "-1",
                          "--compression", "zstd", "--idempotent"}));
  ASSERT_EQ(o.headers.size(), 3u);
  EXPECT_EQ(o.headers[0].first, "a");
  EXPECT_EQ(o.headers[0].second, "1");
  EXPECT_EQ(o.headers[1].second, "");
  EXPECT_FALSE(o.headers[2].second.has_value());
  EXPECT_EQ(o.acks, "all");
  EXPECT_EQ(o.compression, "zstd");
  EXPECT_TRUE(o.idempotent);
}

TEST(ProduceArgs, UsageErrors) {
  auto expect_usage = [](std::vector<std::string> args) {
    produce_options o;
    auto r = produce(o, args);
    ASSERT_FALSE(r) << args.back();
    EXPECT_EQ(r.err().code, errc::invalid_argument);
  };
  expect_usage({"--topic", "t", "--compression", "brotli"});
  expect_usage({"--topic", "t", "--acks", "2"});
  expect_usage({"--topic", "t", "--acks", "1", "--idempotent"});
  expect_usage({"--topic", "t", "--property", "print.key=true"});
  expect_usage({"--topic", "t", "--property", "parse.key=maybe"});
  expect_usage({"--topic", "t", "--header", "=v"});
  expect_usage({"--topic", "t", "--timeout-ms", "0"});
}

TEST(ProduceArgs, TopicIsRequired) {
  produce_options o;
  EXPECT_THROW((void)produce(o, {"--acks", "1"}), CLI::ParseError);
}

TEST(ConsumeArgs, DefaultsStartAtTheEndOfAllPartitions) {
  consume_options o;
  ASSERT_TRUE(consume(o, {"--topic", "t"}));
  EXPECT_EQ(o.start_offset, RD_KAFKA_OFFSET_END);
  EXPECT_EQ(o.partition, -1);
  EXPECT_EQ(o.isolation_level, "read_uncommitted");
  EXPECT_TRUE(o.out.print_value);
  EXPECT_FALSE(o.out.print_key);
}

TEST(ConsumeArgs, OffsetSpellings) {
  auto offset_of = [](std::vector<std::string> extra) {
    consume_options o;
    std::vector<std::string> args{"--topic", "t"};
    args.insert(args.end(), extra.begin(), extra.end());
    EXPECT_TRUE(consume(o, args));
    return o.start_offset;
  };
  EXPECT_EQ(offset_of({"--from-beginning"}), RD_KAFKA_OFFSET_BEGINNING);
  EXPECT_EQ(offset_of({"--offset", "earliest"}), RD_KAFKA_OFFSET_BEGINNING);
  EXPECT_EQ(offset_of({"--offset", "latest"}), RD_KAFKA_OFFSET_END);
  EXPECT_EQ(offset_of({"--offset", "42"}), 42);
  EXPECT_EQ(offset_of({"--offset", "-5"}), RD_KAFKA_OFFSET_TAIL(5));
}

TEST(ConsumeArgs, PrintPropertiesAndFormatTemplate) {
  consume_options o;
  ASSERT_TRUE(consume(o, {"--topic", "t", "--property", "print.key=true", "--property",
                          "print.offset=true,key.separator=|", "--format", "%k=%s\\n", "--max-messages", "10",
                          "--timeout-ms", "500", "--partition", "2", "--isolation-level", "read_committed"}));
  EXPECT_TRUE(o.out.print_key);
  EXPECT_TRUE(o.out.print_offset);
  EXPECT_EQ(o.out.key_separator, "|");
  ASSERT_TRUE(o.out.tmpl.has_value());
  EXPECT_EQ(*o.out.tmpl, "%k=%s\n");
  EXPECT_EQ(o.max_messages, 10);
  EXPECT_EQ(o.timeout_ms, 500);
  EXPECT_EQ(o.partition, 2);
  EXPECT_EQ(o.isolation_level, "read_committed");
}

TEST(ConsumeArgs, UsageErrors) {
  auto expect_usage = [](std::vector<std::string> extra) {
    consume_options o;
    std::vector<std::string> args{"--topic", "t"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = consume(o, args);
    ASSERT_FALSE(r) << extra.front();
    EXPECT_EQ(r.err().code, errc::invalid_argument);
  };
  expect_usage({"--from-beginning", "--offset", "3"});
  expect_usage({"--offset", "soon"});
  expect_usage({"--max-messages", "0"});
  expect_usage({"--isolation-level", "dirty"});
  expect_usage({"--format", "%x"});
  expect_usage({"--property", "print.nothing=true"});
  expect_usage({"--group", "g", "--partition", "1"});
}

TEST(ConfigArgs, KafkaConfigsStyleAlterParsesBracketListsAndDeleteLists) {
  config_options o;
  ASSERT_TRUE(config(o, {"--alter", "--entity-type", "topics", "--entity-name", "t", "--add-config",
                         "retention.ms=1000,cleanup.policy=[compact,delete]", "--delete-config", "a,b",
                         "--delete-config", "c"}));
  EXPECT_EQ(o.action, config_action::set);
  EXPECT_EQ(o.resource_type, RD_KAFKA_RESOURCE_TOPIC);
  ASSERT_EQ(o.add.size(), 2u);
  EXPECT_EQ(o.add[1].first, "cleanup.policy");
  EXPECT_EQ(o.add[1].second, "compact,delete");
  EXPECT_EQ(o.remove, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(ConfigArgs, GetForBrokerIdAndDefault) {
  config_options o;
  ASSERT_TRUE(config(o, {"get", "--entity-type", "brokers", "--entity-name", "1"}));
  EXPECT_EQ(o.action, config_action::get);
  EXPECT_EQ(o.resource_type, RD_KAFKA_RESOURCE_BROKER);

  config_options d;
  ASSERT_TRUE(config(d, {"--describe", "--entity-type", "brokers", "--entity-name", "0", "--all"}));
  EXPECT_TRUE(d.all);

  config_options s;
  ASSERT_TRUE(config(s, {"set", "--topic", "t", "--add-config", "x=1"}));
  EXPECT_EQ(s.entity_name, "t");
  EXPECT_EQ(s.resource_type, RD_KAFKA_RESOURCE_TOPIC);
}

TEST(ConfigArgs, UsageErrors) {
  auto expect_usage = [](std::vector<std::string> args) {
    config_options o;
    auto r = config(o, args);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.err().code, errc::invalid_argument);
  };
  expect_usage({"get", "--entity-type", "users", "--entity-name", "u"});
  expect_usage({"get", "--entity-type", "topics"});
  expect_usage({"get", "--entity-type", "brokers", "--entity-name", "one"});
  expect_usage({"set", "--entity-type", "topics", "--entity-name", "t"});
  expect_usage({"get", "--topic", "t", "--add-config", "a=1"});
  expect_usage({"set", "--topic", "t", "--add-config", "a=1", "--delete-config", "a"});
  expect_usage({"set", "--topic", "t", "--add-config", "a=[1,2"});
  expect_usage({"--describe", "--alter", "--topic", "t"});
  // librdkafka 2.0.2 cannot address the default broker entity (empty resource name).
  expect_usage({"get", "--entity-type", "brokers", "--entity-default"});
}

TEST(BenchArgs, ModesAndPerfTestFlags) {
  bench_options o;
  ASSERT_TRUE(bench(o, {"produce", "--topic",      "b",     "--num-records", "1000",       "--record-size",
                        "512",     "--throughput", "500",   "--acks",        "1",          "--compression",
                        "lz4",     "--partitions", "4",     "--producers",   "2",          "--linger-ms",
                        "5",       "--batch-size", "65536", "--json",        "/tmp/x.json"}));
  EXPECT_EQ(o.mode, bench_mode::produce);
  EXPECT_EQ(o.num_records, 1000);
  EXPECT_EQ(o.record_size, 512);
  EXPECT_EQ(o.throughput, 500);
  EXPECT_EQ(o.producers, 2);
  EXPECT_EQ(o.batch_size, 65536);
  EXPECT_EQ(o.json_file, "/tmp/x.json");

  bench_options e;
  ASSERT_TRUE(bench(e, {"e2e", "--consumers", "3"}));
  EXPECT_EQ(e.mode, bench_mode::e2e);
  EXPECT_EQ(e.consumers, 3);
}

TEST(BenchArgs, UsageErrors) {
  auto expect_usage = [](std::vector<std::string> args) {
    bench_options o;
    auto r = bench(o, args);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.err().code, errc::invalid_argument);
  };
  expect_usage({"fly"});
  expect_usage({"produce", "--num-records", "0"});
  expect_usage({"produce", "--throughput", "0"});
  expect_usage({"e2e", "--record-size", "8"});
  expect_usage({"produce", "--producers", "0"});
  expect_usage({"produce", "--acks", "1", "--idempotent"});
}

TEST(BenchArgs, SplitPartitionsRoundRobin) {
  auto s = split_partitions({0, 1, 2, 3, 4}, 2);
  EXPECT_EQ(s[0], (std::vector<int32_t>{0, 2, 4}));
  EXPECT_EQ(s[1], (std::vector<int32_t>{1, 3}));
  EXPECT_TRUE(split_partitions({0}, 3)[2].empty());
}

}  // namespace
}  // namespace sluice::cli
