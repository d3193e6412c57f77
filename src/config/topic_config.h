// topic_config: the typed per-topic configuration (Kafka's LogConfig): broker-derived defaults plus
// validated per-topic overrides.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "config/broker_config.h"

namespace sluice::config {

// topic_config: effective settings of one topic. Thread-compatible value type.
struct topic_config {
  bool cleanup_delete = true;    // cleanup.policy contains delete
  bool cleanup_compact = false;  // cleanup.policy contains compact
  compression_setting compression_type = compression_setting::producer;
  int64_t delete_retention_ms = 86400000;
  int64_t file_delete_delay_ms = 60000;
  int64_t flush_messages = INT64_MAX;
  int64_t flush_ms = INT64_MAX;
  int32_t index_interval_bytes = 4096;
  int64_t max_compaction_lag_ms = INT64_MAX;
  int32_t max_message_bytes = 1048588;
  timestamp_type message_timestamp_type = timestamp_type::create_time;
  int64_t message_timestamp_difference_max_ms = INT64_MAX;
  double min_cleanable_dirty_ratio = 0.5;
  int64_t min_compaction_lag_ms = 0;
  int32_t min_insync_replicas = 1;
  bool preallocate = false;
  int64_t retention_bytes = -1;      // -1: no limit
  int64_t retention_ms = 604800000;  // -1: no limit
  int32_t segment_bytes = 1073741824;
  int32_t segment_index_bytes = 10485760;
  int64_t segment_jitter_ms = 0;
  int64_t segment_ms = 604800000;
  bool unclean_leader_election_enable = false;
  bool message_downconversion_enable = true;

  // The overrides this config was resolved with, in canonical string form (what a topic stores and
  // what DescribeConfigs reports as DYNAMIC_TOPIC_CONFIG).
  std::map<std::string, std::string, std::less<>> overrides;

  // Defaults taken from the broker (log.retention.* -> retention.ms, message.max.bytes ->
  // max.message.bytes, ...), no overrides.
  static topic_config from_broker(const broker_config& broker);

  // Broker defaults plus `overrides` (topic key -> value). Errors (invalid_argument, worth Kafka's
  // INVALID_CONFIG) name the key and the reason: an unknown topic key (Kafka rejects those), an
  // unparsable or out-of-range value, or min.compaction.lag.ms above max.compaction.lag.ms.
  static result<topic_config> resolve(const broker_config& broker,
                                      const std::map<std::string, std::string>& overrides);

  // The effective value of a topic key in Kafka's string form; nullopt if `key` is not a topic key.
  std::optional<std::string> value_string(std::string_view key) const;
};

// True if `name` may be set on a topic (scope topic or both).
bool is_topic_config_key(std::string_view name);

}  // namespace sluice::config
