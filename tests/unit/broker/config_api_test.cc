// DescribeConfigs, AlterConfigs and IncrementalAlterConfigs through a real broker.
#include <algorithm>

#include "broker_harness.h"
#include "protocol/generated/alter_configs.h"
#include "protocol/generated/describe_configs.h"
#include "protocol/generated/incremental_alter_configs.h"

namespace sluice::broker::test {
namespace {

using protocol::alter_configs_request;
using protocol::alter_configs_response;
using protocol::describe_configs_request;
using protocol::describe_configs_response;
using protocol::incremental_alter_configs_request;
using protocol::incremental_alter_configs_response;
using config_entry = describe_configs_response::resource_result::config;

constexpr int8_t topic_type = 2;
constexpr int8_t broker_type = 4;
constexpr int8_t broker_logger_type = 8;

constexpr int8_t dynamic_topic_config = 1;
constexpr int8_t static_broker_config = 4;
constexpr int8_t default_config = 5;

constexpr int8_t op_set = 0;
constexpr int8_t op_delete = 1;
constexpr int8_t op_append = 2;
constexpr int8_t op_subtract = 3;

const config_entry* find(const describe_configs_response::resource_result& r, const std::string& name) {
  auto it = std::find_if(r.configs.begin(), r.configs.end(), [&](const auto& c) { return c.name == name; });
  return it == r.configs.end() ? nullptr : &*it;
}

class ConfigApiTest : public BrokerTest {
 protected:
  explicit ConfigApiTest(harness_options o = {}) : BrokerTest(std::move(o)) {}

  describe_configs_response::resource_result describe(
      int8_t type, const std::string& name, int16_t version = 4, bool synonyms = true, bool docs = false,
      std::optional<std::vector<std::string>> keys = std::nullopt) {
    describe_configs_request req;
    req.resources.push_back({type, name, std::move(keys)});
    req.include_synonyms = synonyms;
    req.include_documentation = docs;
    auto resp = client().call<describe_configs_response>(req, version);
    if (resp.results.size() != 1) {
      ADD_FAILURE() << "DescribeConfigs answered " << resp.results.size() << " resources";
      return {};
    }
    EXPECT_EQ(resp.results[0].resource_type, type);
    EXPECT_EQ(resp.results[0].resource_name, name);
    return resp.results[0];
  }
  std::optional<std::string> topic_value(const std::string& topic, const std::string& key) {
    auto r = describe(topic_type, topic, 4, false, false, std::vector<std::string>{key});
    const auto* c = find(r, key);
    return c ? c->value : std::nullopt;
  }
  int8_t topic_source(const std::string& topic, const std::string& key) {
    auto r = describe(topic_type, topic, 4, false, false, std::vector<std::string>{key});
    const auto* c = find(r, key);
    return c ? c->config_source : -1;
  }
  alter_configs_response::resource_response alter(int8_t type, const std::string& name,
                                                  std::vector<std::pair<std::string, std::string>> configs,
                                                  bool validate_only = false) {
    alter_configs_request req;
    alter_configs_request::resource r;
    r.resource_type = type;
    r.resource_name = name;
    for (auto& [k, v] : configs) r.configs.push_back({k, v});
    req.resources.push_back(r);
    req.validate_only = validate_only;
    auto resp = client().call<alter_configs_response>(req, 1);
    EXPECT_EQ(resp.responses.size(), 1u);
    return resp.responses.empty() ? alter_configs_response::resource_response{} : resp.responses[0];
  }
  struct op {
    std::string name;
    int8_t operation;
    std::optional<std::string> value;
  };
  incremental_alter_configs_response::resource_response incremental(int8_t type, const std::string& name,
                                                                    std::vector<op> ops,
                                                                    bool validate_only = false) {
    incremental_alter_configs_request req;
    incremental_alter_configs_request::resource r;
    r.resource_type = type;
    r.resource_name = name;
    for (auto& o : ops) r.configs.push_back({o.name, o.operation, o.value});
    req.resources.push_back(r);
    req.validate_only = validate_only;
    auto resp = client().call<incremental_alter_configs_response>(req, 1);
    EXPECT_EQ(resp.responses.size(), 1u);
    return resp.responses.empty() ? incremental_alter_configs_response::resource_response{}
                                  : resp.responses[0];
  }
};

TEST_F(ConfigApiTest, DescribeTopicShowsOverridesAndDefaultsWithSourcesAndSynonyms) {
  ASSERT_EQ(create_topic("described", 1, {{"retention.ms", "1000"}}), 0);
  auto r = describe(topic_type, "described", 4, true, true);
  EXPECT_EQ(r.error_code, 0);
  EXPECT_FALSE(r.error_message.has_value());
  const auto* retention = find(r, "retention.ms");
  ASSERT_NE(retention, nullptr);
  EXPECT_EQ(retention->value, "1000");
  EXPECT_EQ(retention->config_source, dynamic_topic_config);
  EXPECT_FALSE(retention->read_only);
  EXPECT_FALSE(retention->is_sensitive);
  EXPECT_EQ(retention->config_type, 5);  // LONG
  ASSERT_TRUE(retention->documentation.has_value());
  EXPECT_FALSE(retention->documentation->empty());
  ASSERT_GE(retention->synonyms.size(), 2u);
  EXPECT_EQ(retention->synonyms[0].name, "retention.ms");
  EXPECT_EQ(retention->synonyms[0].source, dynamic_topic_config);
  EXPECT_EQ(retention->synonyms.back().name, "log.retention.hours");
  EXPECT_EQ(retention->synonyms.back().source, default_config);

  const auto* segment = find(r, "segment.bytes");
  ASSERT_NE(segment, nullptr);
  EXPECT_EQ(segment->value, "1073741824");
  EXPECT_EQ(segment->config_source, default_config);
  const auto* cleanup = find(r, "cleanup.policy");
  ASSERT_NE(cleanup, nullptr);
  EXPECT_EQ(cleanup->config_type, 7);  // LIST
}

TEST_F(ConfigApiTest, DescribeFiltersByKeyAndOmitsSynonymsAndDocsUnlessAsked) {
  ASSERT_EQ(create_topic("filtered"), 0);
  auto r = describe(topic_type, "filtered", 4, false, false,
                    std::vector<std::string>{"segment.ms", "cleanup.policy", "not.a.key"});
  ASSERT_EQ(r.configs.size(), 2u);
  for (const auto& c : r.configs) {
    EXPECT_TRUE(c.synonyms.empty());
    EXPECT_FALSE(c.documentation.has_value());
  }
  // An empty key list means every key, as in Kafka.
  auto all = describe(topic_type, "filtered", 4, false, false, std::vector<std::string>{});
  EXPECT_GT(all.configs.size(), 10u);
}

TEST_F(ConfigApiTest, DescribeV0MarksDefaults) {
  ASSERT_EQ(create_topic("v0", 1, {{"segment.ms", "60000"}}), 0);
  auto r = describe(topic_type, "v0", 0, false);
  ASSERT_NE(find(r, "segment.ms"), nullptr);
  EXPECT_FALSE(find(r, "segment.ms")->is_default);
  ASSERT_NE(find(r, "retention.ms"), nullptr);
  EXPECT_TRUE(find(r, "retention.ms")->is_default);
}

TEST_F(ConfigApiTest, DescribeUnknownAndInvalidTopics) {
  auto unknown = describe(topic_type, "nope");
  EXPECT_EQ(unknown.error_code, 3);
  EXPECT_TRUE(unknown.configs.empty());
  EXPECT_EQ(describe(topic_type, "bad name").error_code, 17);
}

TEST_F(ConfigApiTest, DescribeThisBrokerListsReadOnlyStaticAndDefaultConfigs) {
  auto r = describe(broker_type, std::to_string(test_node_id), 3, true, true);
  EXPECT_EQ(r.error_code, 0);
  const auto* id = find(r, "broker.id");
  ASSERT_NE(id, nullptr);
  EXPECT_EQ(id->value, std::to_string(test_node_id));
  EXPECT_EQ(id->config_source, static_broker_config);
  EXPECT_TRUE(id->read_only);
  const auto* partitions = find(r, "num.partitions");
  ASSERT_NE(partitions, nullptr);
  EXPECT_EQ(partitions->config_source, default_config);
  EXPECT_EQ(partitions->config_type, 3);  // INT
  for (const auto& c : r.configs) EXPECT_TRUE(c.read_only) << c.name;
}

TEST_F(ConfigApiTest, DescribeOtherBrokersIsAnInvalidRequestAndTheDefaultResourceIsEmpty) {
  EXPECT_EQ(describe(broker_type, std::to_string(test_node_id + 1)).error_code, 42);
  EXPECT_EQ(describe(broker_type, "abc").error_code, 42);
  auto cluster_default = describe(broker_type, "");
  EXPECT_EQ(cluster_default.error_code, 0);
  EXPECT_TRUE(cluster_default.configs.empty());
  auto loggers = describe(broker_logger_type, std::to_string(test_node_id));
  EXPECT_EQ(loggers.error_code, 0);
  EXPECT_TRUE(loggers.configs.empty());
  EXPECT_EQ(describe(99, "x").error_code, 42);
}

class StaticBrokerConfigTest : public ConfigApiTest {
 protected:
  StaticBrokerConfigTest() : ConfigApiTest(options()) {}
  static harness_options options() {
    harness_options o;
    o.broker_overrides = {{"log.retention.hours", "48"}};
    return o;
  }
};

TEST_F(StaticBrokerConfigTest, TopicDefaultsComeFromTheBrokersStaticConfig) {
  ASSERT_EQ(create_topic("inherits"), 0);
  auto r = describe(topic_type, "inherits");
  const auto* retention = find(r, "retention.ms");
  ASSERT_NE(retention, nullptr);
  EXPECT_EQ(retention->value, "172800000");
  EXPECT_EQ(retention->config_source, static_broker_config);
  ASSERT_FALSE(retention->synonyms.empty());
  EXPECT_EQ(retention->synonyms[0].name, "log.retention.hours");
  EXPECT_EQ(retention->synonyms[0].value, "48");
}

TEST_F(ConfigApiTest, AlterConfigsReplacesAllTopicOverrides) {
  ASSERT_EQ(create_topic("replaced", 1, {{"retention.ms", "1000"}}), 0);
  auto r = alter(topic_type, "replaced", {{"segment.ms", "120000"}});
  EXPECT_EQ(r.error_code, 0);
  EXPECT_FALSE(r.error_message.has_value());
  EXPECT_EQ(topic_value("replaced", "segment.ms"), "120000");
  EXPECT_EQ(topic_source("replaced", "retention.ms"), default_config);
  EXPECT_EQ(topic_value("replaced", "retention.ms"), "604800000");
}

TEST_F(ConfigApiTest, AlterConfigsValidatesAndHonoursValidateOnly) {
  ASSERT_EQ(create_topic("checked", 1, {{"retention.ms", "1000"}}), 0);
  auto bad = alter(topic_type, "checked", {{"retention.ms", "-5"}});
  EXPECT_EQ(bad.error_code, 40);
  ASSERT_TRUE(bad.error_message.has_value());
  EXPECT_NE(bad.error_message->find("retention.ms"), std::string::npos);
  EXPECT_EQ(alter(topic_type, "checked", {{"segment.ms", "120000"}}, true).error_code, 0);
  EXPECT_EQ(topic_value("checked", "retention.ms"), "1000");
  EXPECT_EQ(topic_source("checked", "segment.ms"), default_config);
  EXPECT_EQ(alter(topic_type, "missing", {{"segment.ms", "1"}}).error_code, 3);
}

TEST_F(ConfigApiTest, AlterConfigsRefusesBrokerResourcesAndDuplicates) {
  auto broker = alter(broker_type, std::to_string(test_node_id), {{"log.retention.hours", "1"}});
  EXPECT_EQ(broker.error_code, 42);
  EXPECT_TRUE(broker.error_message.has_value());
  EXPECT_EQ(alter(broker_type, "7", {}).error_code, 42);

  ASSERT_EQ(create_topic("dups"), 0);
  alter_configs_request req;
  req.resources = {{topic_type, "dups", {}}, {topic_type, "dups", {}}};
  auto resp = client().call<alter_configs_response>(req, 0);
  ASSERT_EQ(resp.responses.size(), 2u);
  EXPECT_EQ(resp.responses[0].error_code, 42);
  EXPECT_EQ(resp.responses[1].error_code, 42);
  EXPECT_EQ(alter(topic_type, "dups", {{"a", "1"}, {"a", "2"}}).error_code, 42);
}

TEST_F(ConfigApiTest, IncrementalSetAndDeleteChangeOnlyTheNamedKeys) {
  ASSERT_EQ(create_topic("inc", 1, {{"retention.ms", "1000"}}), 0);
  EXPECT_EQ(incremental(topic_type, "inc", {{"segment.ms", op_set, "120000"}}).error_code, 0);
  EXPECT_EQ(topic_value("inc", "segment.ms"), "120000");
  EXPECT_EQ(topic_value("inc", "retention.ms"), "1000");
  EXPECT_EQ(incremental(topic_type, "inc", {{"retention.ms", op_delete, std::nullopt}}).error_code, 0);
  EXPECT_EQ(topic_source("inc", "retention.ms"), default_config);
  EXPECT_EQ(topic_value("inc", "segment.ms"), "120000");
}

TEST_F(ConfigApiTest, IncrementalAppendAndSubtractWorkOnListConfigsOnly) {
  ASSERT_EQ(create_topic("lists"), 0);
  EXPECT_EQ(incremental(topic_type, "lists", {{"cleanup.policy", op_append, "compact"}}).error_code, 0);
  EXPECT_EQ(topic_value("lists", "cleanup.policy"), "delete,compact");
  EXPECT_EQ(incremental(topic_type, "lists", {{"cleanup.policy", op_append, "compact"}}).error_code, 0);
  EXPECT_EQ(topic_value("lists", "cleanup.policy"), "delete,compact");
  EXPECT_EQ(incremental(topic_type, "lists", {{"cleanup.policy", op_subtract, "delete"}}).error_code, 0);
  EXPECT_EQ(topic_value("lists", "cleanup.policy"), "compact");
  auto not_a_list = incremental(topic_type, "lists", {{"retention.ms", op_append, "5"}});
  EXPECT_EQ(not_a_list.error_code, 40);
  EXPECT_TRUE(not_a_list.error_message.has_value());
}

TEST_F(ConfigApiTest, IncrementalChecksOperationsValuesAndResources) {
  ASSERT_EQ(create_topic("guarded"), 0);
  EXPECT_EQ(incremental(topic_type, "guarded", {{"segment.ms", 7, "1"}}).error_code, 42);
  EXPECT_EQ(incremental(topic_type, "guarded", {{"segment.ms", op_set, std::nullopt}}).error_code, 42);
  EXPECT_EQ(incremental(topic_type, "guarded", {{"segment.ms", op_set, "x"}}).error_code, 40);
  EXPECT_EQ(incremental(topic_type, "guarded", {{"no.such.key", op_set, "1"}}).error_code, 40);
  EXPECT_EQ(incremental(topic_type, "guarded", {{"segment.ms", op_set, "120000"}}, true).error_code, 0);
  EXPECT_EQ(topic_source("guarded", "segment.ms"), default_config);
  EXPECT_EQ(incremental(topic_type, "absent", {{"segment.ms", op_set, "1"}}).error_code, 3);
  EXPECT_EQ(incremental(broker_type, "", {{"log.retention.hours", op_set, "1"}}).error_code, 42);
  EXPECT_EQ(incremental(broker_type, std::to_string(test_node_id), {{"log.retention.hours", op_set, "1"}})
                .error_code,
            42);
}

}  // namespace
}  // namespace sluice::broker::test
