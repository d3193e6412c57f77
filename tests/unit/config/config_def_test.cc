// Tests for the config table itself and for value parsing/validation.
#include "config/config_def.h"

#include <gtest/gtest.h>

#include <set>

#include "config/topic_config.h"

namespace sluice::config {
namespace {

TEST(config_table, EveryDefaultParsesAndValidates) {
  for (const auto& k : config_table()) {
    if (!k.default_value) continue;
    auto v = parse_config_value(k, *k.default_value);
    EXPECT_TRUE(v.ok()) << k.name << ": " << (v.ok() ? "" : v.err().message);
  }
}

TEST(config_table, NamesAreUniqueAndEveryKeyIsDocumented) {
  std::set<std::string_view> seen;
  for (const auto& k : config_table()) {
    EXPECT_TRUE(seen.insert(k.name).second) << "duplicate " << k.name;
    EXPECT_FALSE(k.doc.empty()) << k.name;
    if (k.support == key_support::ignored) {
      EXPECT_FALSE(k.note.empty()) << k.name << " must say why it is ignored";
    }
    if (k.support == key_support::sluice) {
      EXPECT_TRUE(k.name.starts_with("sluice.")) << k.name;
    }
    if (k.name.starts_with("sluice.")) {
      EXPECT_EQ(k.support, key_support::sluice) << k.name;
    }
  }
}

TEST(config_table, SynonymsNameBrokerKeys) {
  for (const auto& k : config_table()) {
    for (auto s : k.synonyms) {
      const config_key* syn = find_config_key(s);
      ASSERT_NE(syn, nullptr) << k.name << " -> " << s;
      EXPECT_TRUE(syn->broker_scoped()) << k.name << " -> " << s;
    }
    if (k.scope == config_scope::topic) {
      EXPECT_FALSE(k.synonyms.empty()) << k.name << " needs a broker synonym";
    }
  }
}

TEST(config_table, EveryTopicKeyHasATypedField) {
  auto t = topic_config::from_broker(broker_config::defaults());
  for (const auto& k : config_table()) {
    if (!k.topic_scoped()) continue;
    EXPECT_TRUE(t.value_string(k.name).has_value()) << k.name;
    // The topic table's default is what the broker's defaults produce.
    if (k.scope == config_scope::topic) {
      EXPECT_EQ(t.value_string(k.name), format_config_value(default_config_value(k))) << k.name;
    }
  }
  EXPECT_FALSE(t.value_string("log.retention.hours").has_value());
}

TEST(config_table, LookupFindsKeysOfBothScopes) {
  ASSERT_NE(find_config_key("log.retention.hours"), nullptr);
  ASSERT_NE(find_config_key("retention.ms"), nullptr);
  EXPECT_EQ(find_config_key("retention.ms")->scope, config_scope::topic);
  EXPECT_EQ(find_config_key("compression.type")->scope, config_scope::both);
  EXPECT_EQ(find_config_key("no.such.key"), nullptr);
}

TEST(config_value_parsing, BooleansAreCaseInsensitiveAndTrimmed) {
  const auto& k = *find_config_key("auto.create.topics.enable");
  EXPECT_EQ(std::get<bool>(parse_config_value(k, " TRUE ").value()), true);
  EXPECT_EQ(std::get<bool>(parse_config_value(k, "False").value()), false);
  EXPECT_FALSE(parse_config_value(k, "yes").ok());
}

TEST(config_value_parsing, IntegersRespectTheirWidth) {
  const auto& i32 = *find_config_key("num.partitions");
  EXPECT_EQ(std::get<int64_t>(parse_config_value(i32, "2147483647").value()), 2147483647);
  EXPECT_FALSE(parse_config_value(i32, "2147483648").ok());
  EXPECT_FALSE(parse_config_value(i32, "12abc").ok());
  EXPECT_FALSE(parse_config_value(i32, "").ok());
  const auto& i16 = *find_config_key("offsets.topic.replication.factor");
  EXPECT_FALSE(parse_config_value(i16, "40000").ok());
  const auto& i64 = *find_config_key("log.retention.ms");
  EXPECT_EQ(std::get<int64_t>(parse_config_value(i64, "9223372036854775807").value()), INT64_MAX);
  EXPECT_EQ(std::get<int64_t>(parse_config_value(i64, "+5").value()), 5);
}

TEST(config_value_parsing, RangeViolationNamesKeyAndBound) {
  auto r = parse_config_value(*find_config_key("num.partitions"), "0");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, errc::invalid_argument);
  EXPECT_EQ(r.err().message, "Invalid value 0 for configuration num.partitions: Value must be at least 1");
  auto d = parse_config_value(*find_config_key("log.cleaner.min.cleanable.ratio"), "1.5");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.err().message.find("between 0 and 1"), std::string::npos);
}

TEST(config_value_parsing, StringsMustBeOneOfTheValidValues) {
  const auto& k = *find_config_key("log.message.timestamp.type");
  EXPECT_TRUE(parse_config_value(k, "LogAppendTime").ok());
  auto r = parse_config_value(k, "logappendtime");  // case-sensitive, as in Kafka
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.err().message.find("log.message.timestamp.type"), std::string::npos);
}

TEST(config_value_parsing, ListsSplitOnCommasAndCheckEachElement) {
  const auto& k = *find_config_key("cleanup.policy");
  EXPECT_EQ(std::get<std::vector<std::string>>(parse_config_value(k, " compact , delete ").value()),
            (std::vector<std::string>{"compact", "delete"}));
  EXPECT_TRUE(std::get<std::vector<std::string>>(parse_config_value(k, "").value()).empty());
  EXPECT_FALSE(parse_config_value(k, "compact,shred").ok());
}

TEST(config_value_parsing, DoublesParseAndFormatLikeJava) {
  const auto& k = *find_config_key("min.cleanable.dirty.ratio");
  EXPECT_EQ(format_config_value(parse_config_value(k, "0.25").value()), "0.25");
  EXPECT_EQ(format_config_value(parse_config_value(k, "1").value()), "1.0");
  EXPECT_FALSE(parse_config_value(k, "half").ok());
}

TEST(config_value_parsing, TypeNamesAndIdsMatchKafka) {
  EXPECT_EQ(to_string(config_type::int64), "LONG");
  EXPECT_EQ(kafka_config_type_id(config_type::boolean), 1);
  EXPECT_EQ(kafka_config_type_id(config_type::string), 2);
  EXPECT_EQ(kafka_config_type_id(config_type::int32), 3);
  EXPECT_EQ(kafka_config_type_id(config_type::int16), 4);
  EXPECT_EQ(kafka_config_type_id(config_type::int64), 5);
  EXPECT_EQ(kafka_config_type_id(config_type::float64), 6);
  EXPECT_EQ(kafka_config_type_id(config_type::list), 7);
  EXPECT_EQ(kafka_config_type_id(config_type::class_name), 8);
  EXPECT_EQ(kafka_config_type_id(config_type::password), 9);
}

TEST(config_value_parsing, ValidatorsRenderLikeKafka) {
  EXPECT_EQ(describe_validator(*find_config_key("num.partitions")), "[1,...]");
  EXPECT_EQ(describe_validator(*find_config_key("min.cleanable.dirty.ratio")), "[0,...,1]");
  EXPECT_EQ(describe_validator(*find_config_key("message.timestamp.type")), "[CreateTime, LogAppendTime]");
}

}  // namespace
}  // namespace sluice::config
