// config_def: the one table of every broker and topic config key Sluice knows (Kafka names, types,
// defaults, validation, docs, scope, synonyms). Parsing, validation, DescribeConfigs and
// docs/CONFIG.md are all driven from it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"

namespace sluice::config {

// Kafka's ConfigDef.Type. SHORT exists because Kafka declares a few broker keys as SHORT.
enum class config_type { boolean, int16, int32, int64, float64, string, list, password, class_name };

enum class importance { high, medium, low };

// Where a key may be set: in server.properties (broker), per topic (topic), or both under the same
// name (e.g. compression.type, min.insync.replicas).
enum class config_scope { broker, topic, both };

// How Sluice treats a key.
enum class key_support {
  supported,  // has its Kafka meaning
  ignored,    // accepted and validated for compatibility with Kafka's server.properties; no effect
  sluice,     // a Sluice extension, not a Kafka key (named sluice.*)
};

// Valid values. Numbers: an inclusive range (either end optional). string: one of `values`.
// list: every element one of `values`. Kafka's Range/ValidString/ValidList, as data.
struct validator {
  std::optional<double> min{};
  std::optional<double> max{};
  std::vector<std::string_view> values{};
  bool non_empty = false;  // strings and lists: must not be empty
};

validator at_least(double min);
validator between(double min, double max);
validator one_of(std::vector<std::string_view> values);
validator non_empty();

struct config_key {
  std::string_view name{};
  config_type type = config_type::string;
  std::optional<std::string_view> default_value{};  // string form; nullopt means null (no default)
  validator valid{};
  importance level = importance::medium;
  config_scope scope = config_scope::broker;
  std::string_view doc{};
  // Topic keys: the broker keys that supply the topic's default, highest precedence first (as in
  // Kafka's DescribeConfigs synonyms). Broker keys: lower-precedence keys setting the same thing
  // (log.retention.ms <- log.retention.minutes <- log.retention.hours).
  std::vector<std::string_view> synonyms{};
  key_support support = key_support::supported;
  // Set only where Sluice's default deliberately differs from Kafka's: Kafka's default, for docs
  // and for the test that holds every other default equal to Kafka's.
  std::optional<std::string_view> kafka_default{};
  // Why an `ignored` key has no effect, or how a Sluice divergence behaves.
  std::string_view note{};

  bool broker_scoped() const { return scope != config_scope::topic; }
  bool topic_scoped() const { return scope != config_scope::broker; }
  bool sensitive() const { return type == config_type::password; }
};

// Every key, broker keys first, each group sorted by name.
const std::vector<config_key>& config_table();

// nullptr if `name` is not a known key (of either scope).
const config_key* find_config_key(std::string_view name);

// A parsed value: null, boolean, integer (int16/int32/int64), double, string
// (string/password/class), or list.
using config_value =
    std::variant<std::monostate, bool, int64_t, double, std::string, std::vector<std::string>>;

// Parses and validates `raw` for `key` the way Kafka's ConfigDef does (values trimmed; booleans
// case-insensitive; lists split on commas with whitespace trimmed, "" is the empty list).
// Error (invalid_argument): "Invalid value <raw> for configuration <name>: <reason>".
result<config_value> parse_config_value(const config_key& key, std::string_view raw);

// The key's default, parsed (std::monostate for a null default).
config_value default_config_value(const config_key& key);

// Kafka's string form of a value (lists comma-joined, doubles with a decimal point); nullopt for null.
std::optional<std::string> format_config_value(const config_value& value);

// "BOOLEAN", "SHORT", "INT", "LONG", "DOUBLE", "STRING", "LIST", "PASSWORD", "CLASS".
std::string_view to_string(config_type t);
// DescribeConfigs (v3+) config_type id: BOOLEAN=1 STRING=2 INT=3 SHORT=4 LONG=5 DOUBLE=6 LIST=7
// CLASS=8 PASSWORD=9.
int8_t kafka_config_type_id(config_type t);
std::string_view to_string(importance i);  // "high", "medium", "low"
// Kafka's rendering of the valid values ("[1,...]", "[0,...,1]", "[CreateTime, LogAppendTime]"), or "".
std::string describe_validator(const config_key& key);

}  // namespace sluice::config
