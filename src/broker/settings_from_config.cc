// settings_from_config: broker_config → broker_settings, and topic overrides → storage::log_config.
#include "broker/settings_from_config.h"

#include <spdlog/spdlog.h>

#include "cluster/topic_table.h"
#include "config/broker_config.h"
#include "config/topic_config.h"
#include "storage/log_config.h"

namespace sluice::broker {
namespace {

storage::log_config to_log_config(const config::topic_config& t, const config::broker_config& b) {
  storage::log_config c;
  c.segment_bytes = t.segment_bytes;
  c.segment_ms = t.segment_ms;
  c.retention_ms = t.retention_ms;
  c.retention_bytes = t.retention_bytes;
  c.index_interval_bytes = t.index_interval_bytes;
  c.segment_index_bytes = t.segment_index_bytes;
  c.max_message_bytes = t.max_message_bytes;
  c.message_timestamp_type = t.message_timestamp_type == config::timestamp_type::log_append_time
                                 ? storage::timestamp_type::log_append_time
                                 : storage::timestamp_type::create_time;
  c.flush_messages = t.flush_messages;
  c.flush_ms = t.flush_ms;
  c.file_delete_delay_ms = t.file_delete_delay_ms;
  switch (t.compression_type) {
    case config::compression_setting::producer:
      c.compression_codec = -1;
      break;
    case config::compression_setting::uncompressed:
      c.compression_codec = 0;
      break;
    case config::compression_setting::gzip:
      c.compression_codec = 1;
      break;
    case config::compression_setting::snappy:
      c.compression_codec = 2;
      break;
    case config::compression_setting::lz4:
      c.compression_codec = 3;
      break;
    case config::compression_setting::zstd:
      c.compression_codec = 4;
      break;
  }
  c.cleanup_delete = t.cleanup_delete;
  c.cleanup_compact = t.cleanup_compact;
  c.delete_retention_ms = t.delete_retention_ms;
  c.min_cleanable_dirty_ratio = t.min_cleanable_dirty_ratio;
  c.min_compaction_lag_ms = t.min_compaction_lag_ms;
  c.max_compaction_lag_ms = t.max_compaction_lag_ms;
  return c;
}

}  // namespace

result<broker_settings> settings_from_config(const config::broker_config& cfg) {
  broker_settings s;
  s.node_id = cfg.broker_id;
  s.rack = cfg.broker_rack.value_or("");
  if (cfg.listeners.empty()) return make_error(errc::invalid_argument, "listeners is empty");
  const auto& listen = cfg.listeners.front();
  if (listen.security_protocol != "PLAINTEXT") {
    return make_error(errc::invalid_argument, "listener " + listen.name + " uses " +
                                                  listen.security_protocol +
                                                  "; only PLAINTEXT is supported so far");
  }
  if (cfg.listeners.size() > 1) spdlog::warn("only the first listener ({}) is served so far", listen.name);
  s.listen_host = listen.host.empty() ? "0.0.0.0" : listen.host;
  s.listen_port = listen.port;
  const auto& adv = cfg.advertised_listeners.empty() ? listen : cfg.advertised_listeners.front();
  s.advertised_host = adv.host.empty() ? "127.0.0.1" : adv.host;
  s.advertised_port = adv.port;
  if (cfg.log_dirs.empty()) return make_error(errc::invalid_argument, "log.dirs is empty");
  s.data_dir = cfg.log_dirs.front();
  if (cfg.log_dirs.size() > 1) spdlog::warn("only the first of log.dirs ({}) is used so far", s.data_dir);
  s.socket_request_max_bytes = cfg.socket_request_max_bytes;
  s.max_connections = static_cast<size_t>(cfg.max_connections);
  s.max_inflight_per_connection = static_cast<size_t>(cfg.max_inflight_requests_per_connection);
  s.idle_timeout = std::chrono::milliseconds(cfg.connections_max_idle_ms);
  s.fsync_acks = cfg.log_flush_mode == config::flush_mode::fsync;
  s.shards = static_cast<size_t>(cfg.shards);
  s.fd_cache_size = static_cast<size_t>(cfg.log_fd_cache_size);
  s.retention_check_interval_ms = cfg.log_retention_check_interval_ms;
  s.flush_scheduler_interval_ms = cfg.log_flush_scheduler_interval_ms;
  s.topics.num_partitions = cfg.num_partitions;
  s.topics.default_replication_factor = static_cast<int16_t>(cfg.default_replication_factor);
  s.topics.auto_create = cfg.auto_create_topics_enable;
  s.topics.delete_enabled = cfg.delete_topic_enable;
  s.cleaner.enable = cfg.log_cleaner_enable && cfg.log_cleaner_threads > 0;
  s.cleaner.threads = cfg.log_cleaner_threads;
  s.cleaner.backoff_ms = cfg.log_cleaner_backoff_ms;
  s.cleaner.dedupe_buffer_size = cfg.log_cleaner_dedupe_buffer_size;
  s.cleaner.io_buffer_load_factor = cfg.log_cleaner_io_buffer_load_factor;
  s.cleaner.io_max_bytes_per_second = cfg.log_cleaner_io_max_bytes_per_second;
  s.cleaner.data_dir = s.data_dir;
  const config::broker_config* b = &cfg;
  s.resolve_log_config = [b](const cluster::topic_info& topic) {
    auto t = config::topic_config::resolve(*b, topic.config_overrides);
    if (!t.ok()) {
      // Overrides were validated when set; a bad one on disk falls back to the broker defaults.
      spdlog::error("topic {}: {}; using broker defaults", topic.name, t.err().message);
      return to_log_config(config::topic_config::from_broker(*b), *b);
    }
    return to_log_config(*t, *b);
  };
  s.validate_topic_config = [b](const std::map<std::string, std::string>& overrides) -> std::string {
    auto t = config::topic_config::resolve(*b, overrides);
    return t.ok() ? std::string() : t.err().message;
  };
  return s;
}

}  // namespace sluice::broker
