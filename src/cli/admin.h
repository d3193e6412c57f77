// Admin API helpers over librdkafka (CreateTopics, DeleteTopics, CreatePartitions,
// DescribeConfigs, AlterConfigs): one blocking call each, results as plain structs.
#pragma once

#include <librdkafka/rdkafka.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "cli/rk_handle.h"

namespace sluice::cli {

using config_pairs = std::vector<std::pair<std::string, std::string>>;

// Per-topic outcome of CreateTopics / DeleteTopics / CreatePartitions.
struct topic_outcome {
  std::string name;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::string message;  // broker's error message, may be empty
};

struct new_topic_spec {
  std::string name;
  int partitions = -1;          // -1: broker default (CreateTopics v4+)
  int replication_factor = -1;  // -1: broker default
  config_pairs configs;
};

struct config_entry {
  std::string name;
  std::optional<std::string> value;  // nullopt for null values (e.g. sensitive ones)
  rd_kafka_ConfigSource_t source = RD_KAFKA_CONFIG_SOURCE_UNKNOWN_CONFIG;
  bool is_default = false;
  bool is_read_only = false;
  bool is_sensitive = false;
};

struct config_resource_result {
  std::string name;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::string message;
  std::vector<config_entry> entries;
};

// All calls wait up to timeout_ms for the broker; a top-level failure (timeout, API unsupported)
// is an error, per-resource failures are reported in the returned outcomes.
result<std::vector<topic_outcome>> create_topics(const rk_handle& h,
                                                 const std::vector<new_topic_spec>& topics, int timeout_ms);
result<std::vector<topic_outcome>> delete_topics(const rk_handle& h, const std::vector<std::string>& topics,
                                                 int timeout_ms);
result<topic_outcome> create_partitions(const rk_handle& h, const std::string& topic, int total_partitions,
                                        int timeout_ms);
result<std::vector<config_resource_result>> describe_configs(const rk_handle& h, rd_kafka_ResourceType_t type,
                                                             const std::vector<std::string>& names,
                                                             int timeout_ms);
// AlterConfigs replaces the resource's whole dynamic config with `full_set` (librdkafka 2.0.2
// has no IncrementalAlterConfigs), so callers read-modify-write (see compute_alter_set).
result<config_resource_result> alter_configs(const rk_handle& h, rd_kafka_ResourceType_t type,
                                             const std::string& name, const config_pairs& full_set,
                                             int timeout_ms);

// True when the entry is a dynamic override set on this very resource (what describe shows).
bool is_override(const config_entry& e, rd_kafka_ResourceType_t type);

// Read-modify-write for AlterConfigs: current overrides, plus `add`, minus `remove`. Errors when
// removing a key that is not set, or when a sensitive override (value hidden by the broker) would
// be silently reset.
result<config_pairs> compute_alter_set(const std::vector<config_entry>& current, rd_kafka_ResourceType_t type,
                                       const config_pairs& add, const std::vector<std::string>& remove,
                                       std::string_view resource_label);

// "topic 'x' already exists", "topic 'x' does not exist", "cannot create topic 'x': ...".
std::string topic_error_message(std::string_view verb, const topic_outcome& o);

// "topic 't'", "broker 1", "default broker config": used in messages.
std::string resource_label(rd_kafka_ResourceType_t type, std::string_view name);

}  // namespace sluice::cli
