// broker_config: the typed broker configuration built from server.properties plus --override
// key=value strings, with Kafka's names, defaults and precedence rules.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "config/config_def.h"
#include "config/listener.h"
#include "config/properties.h"

namespace sluice::config {

// sluice.log.flush.mode: when acks=all is acknowledged.
enum class flush_mode {
  fsync,      // after group-commit fdatasync (Sluice's default)
  pagecache,  // once appended to the page cache (Kafka's behaviour)
};

// log.message.timestamp.type / message.timestamp.type.
enum class timestamp_type { create_time, log_append_time };

// Compression codec for stored batches: compression.type.
enum class compression_setting { producer, uncompressed, gzip, snappy, lz4, zstd };

// broker_config: every broker setting, typed and resolved (precedence applied, units in ms).
// Thread-compatible value type; built once at startup.
struct broker_config {
  // ---- identity and network ----
  int32_t broker_id = 0;  // broker.id; unset/-1 -> node.id if >= 0 -> 0
  std::vector<listener_endpoint> listeners;
  std::vector<listener_endpoint> advertised_listeners;  // = listeners when unset
  std::map<std::string, std::string> listener_security_protocol_map;
  int32_t socket_request_max_bytes = 0;
  int64_t connections_max_idle_ms = 0;
  int32_t max_connections = 0;
  int32_t max_inflight_requests_per_connection = 0;  // sluice.max.inflight.requests.per.connection
  int32_t shards = 0;                                // sluice.shards (0 = one per core)
  std::optional<host_port> http_listener;            // sluice.http.listener; nullopt when empty
  int32_t num_network_threads = 0;                   // accepted, ignored
  int32_t num_io_threads = 0;                        // accepted, ignored

  // ---- log storage ----
  std::vector<std::string> log_dirs;  // log.dirs, else log.dir
  int32_t log_segment_bytes = 0;
  int64_t log_roll_ms = 0;          // log.roll.ms, else log.roll.hours
  int64_t log_roll_jitter_ms = 0;   // log.roll.jitter.ms, else log.roll.jitter.hours
  int64_t log_retention_ms = 0;     // ms > minutes > hours; any negative -> -1 (no limit)
  int64_t log_retention_bytes = 0;  // -1: no limit
  int64_t log_retention_check_interval_ms = 0;
  int64_t log_segment_delete_delay_ms = 0;
  int32_t log_index_interval_bytes = 0;
  int32_t log_index_size_max_bytes = 0;
  int64_t log_flush_interval_messages = 0;
  int64_t log_flush_interval_ms = 0;  // log.flush.interval.ms, else log.flush.scheduler.interval.ms
  int64_t log_flush_scheduler_interval_ms = 0;
  flush_mode log_flush_mode = flush_mode::fsync;  // sluice.log.flush.mode
  int32_t log_fd_cache_size = 8000;               // sluice.log.fd.cache.size
  bool log_preallocate = false;
  timestamp_type log_message_timestamp_type = timestamp_type::create_time;
  int64_t log_message_timestamp_difference_max_ms = 0;
  bool log_message_downconversion_enable = true;
  bool log_cleanup_delete = true;    // log.cleanup.policy contains delete
  bool log_cleanup_compact = false;  // log.cleanup.policy contains compact
  bool log_cleaner_enable = true;
  int64_t log_cleaner_delete_retention_ms = 0;
  int64_t log_cleaner_min_compaction_lag_ms = 0;
  int64_t log_cleaner_max_compaction_lag_ms = 0;
  double log_cleaner_min_cleanable_ratio = 0;
  int32_t log_cleaner_threads = 1;
  int64_t log_cleaner_backoff_ms = 15000;
  int64_t log_cleaner_dedupe_buffer_size = 0;
  double log_cleaner_io_buffer_load_factor = 0.9;
  double log_cleaner_io_max_bytes_per_second = 0;
  compression_setting compression_type = compression_setting::producer;
  int32_t message_max_bytes = 0;

  // ---- topics ----
  int32_t num_partitions = 0;
  int32_t default_replication_factor = 0;
  bool auto_create_topics_enable = true;
  bool delete_topic_enable = true;
  int32_t min_insync_replicas = 0;
  bool unclean_leader_election_enable = false;

  // ---- consumer groups, offsets, transactions ----
  int32_t offsets_topic_num_partitions = 0;
  int32_t offsets_retention_minutes = 0;
  int64_t offsets_retention_check_interval_ms = 0;
  int32_t offsets_topic_segment_bytes = 0;
  int32_t offset_metadata_max_bytes = 0;
  int32_t group_max_size = 0;
  int32_t group_initial_rebalance_delay_ms = 0;
  int32_t group_min_session_timeout_ms = 0;
  int32_t group_max_session_timeout_ms = 0;
  int32_t transaction_max_timeout_ms = 0;
  int32_t transactional_id_expiration_ms = 0;
  int32_t transaction_state_log_num_partitions = 0;

  int16_t offsets_topic_replication_factor = 3;

  // ---- cluster mode (zookeeper.connect set) ----
  std::optional<std::string> zookeeper_connect;
  std::optional<int32_t> zookeeper_connection_timeout_ms;
  int32_t zookeeper_session_timeout_ms = 18000;
  std::optional<std::string> broker_rack;
  int64_t replica_lag_time_max_ms = 30000;
  int32_t replica_fetch_max_bytes = 1048576;
  int32_t replica_fetch_response_max_bytes = 10485760;
  int32_t replica_fetch_wait_max_ms = 500;
  int32_t replica_fetch_min_bytes = 1;
  int32_t replica_fetch_backoff_ms = 1000;
  int32_t replica_socket_timeout_ms = 30000;
  int64_t replica_high_watermark_checkpoint_interval_ms = 5000;
  bool controlled_shutdown_enable = true;
  int32_t controlled_shutdown_max_retries = 3;
  int64_t controlled_shutdown_retry_backoff_ms = 5000;
  bool auto_leader_rebalance_enable = true;
  int64_t leader_imbalance_check_interval_seconds = 300;
  int32_t leader_imbalance_per_broker_percentage = 10;

  // ---- provenance (DescribeConfigs) ----
  // Every broker-scoped key that was set (file or override), as its canonical string form.
  std::map<std::string, std::string, std::less<>> explicit_values;

  bool is_set(std::string_view key) const { return explicit_values.contains(key); }
  // The key's own value: as set, else its default; nullopt when null. Keys of the table only.
  std::optional<std::string> value_string(std::string_view key) const;

  // All defaults (what an empty server.properties gives).
  static broker_config defaults();
};

struct broker_config_load {
  broker_config config;
  // Unknown keys (ignored, as Kafka does) and keys set that Sluice accepts but ignores.
  std::vector<std::string> warnings;
};

// Builds the config from a parsed server.properties and --override "key=value" strings (applied
// after the file, in order; the last one for a key wins). Errors (invalid_argument) name the key
// and the source ("line N" or "--override"): an unparsable or out-of-range value, an override
// without '=', or inconsistent keys (e.g. group.min.session.timeout.ms above the max).
result<broker_config_load> load_broker_config(const properties& file,
                                              const std::vector<std::string>& overrides = {});

// Reads `path` then calls load_broker_config.
result<broker_config_load> load_broker_config_file(const std::string& path,
                                                   const std::vector<std::string>& overrides = {});

std::string_view to_string(flush_mode m);           // "fsync" / "pagecache"
std::string_view to_string(timestamp_type t);       // "CreateTime" / "LogAppendTime"
std::string_view to_string(compression_setting c);  // "producer", "gzip", ...

}  // namespace sluice::config
