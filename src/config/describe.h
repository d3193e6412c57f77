// describe: the DescribeConfigs view of broker and topic configs (value, source, synonyms, type,
// documentation, read-only, sensitive), computed from the config table.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "config/broker_config.h"
#include "config/config_def.h"

namespace sluice::config {

// Kafka's DescribeConfigsResponse ConfigSource ids.
enum class config_source : int8_t {
  unknown = 0,
  dynamic_topic_config = 1,
  dynamic_broker_config = 2,
  dynamic_default_broker_config = 3,
  static_broker_config = 4,
  default_config = 5,
};

struct config_synonym_view {
  std::string name;
  std::optional<std::string> value;  // nullopt: null (or sensitive)
  config_source source = config_source::unknown;
};

struct config_entry_view {
  std::string name;
  std::optional<std::string> value;  // nullopt: null (or sensitive)
  config_source source = config_source::unknown;
  bool read_only = true;
  bool is_default = false;  // v0 clients: source == default_config
  bool is_sensitive = false;
  config_type type = config_type::string;
  std::string_view documentation;
  // Highest precedence first, as Kafka orders them (include_synonyms=true).
  std::vector<config_synonym_view> synonyms;
};

// Every broker-scoped key, sorted by name. Values as set in server.properties/--override
// (STATIC_BROKER_CONFIG) or the default (DEFAULT_CONFIG). Sluice has no dynamic broker configs, so
// every broker entry is read-only.
std::vector<config_entry_view> describe_broker_configs(const broker_config& broker);

// Every topic key, sorted by name: a topic override is DYNAMIC_TOPIC_CONFIG; otherwise the value
// comes from the broker synonyms (STATIC_BROKER_CONFIG if one is set, else DEFAULT_CONFIG).
// Fails as topic_config::resolve does if `overrides` are invalid.
result<std::vector<config_entry_view>> describe_topic_configs(
    const broker_config& broker, const std::map<std::string, std::string>& overrides);

}  // namespace sluice::config
