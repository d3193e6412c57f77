// broker_config: merges server.properties with --override values, validates every key against the
// config table, and resolves Kafka's precedence rules into typed fields.
#include "config/broker_config.h"

#include <algorithm>
#include <cassert>
#include <map>

#include <fmt/format.h>

namespace sluice::config {
namespace {

constexpr int64_t ms_per_minute = 60 * 1000;
constexpr int64_t ms_per_hour = 60 * ms_per_minute;

// The explicitly set, parsed values; everything else reads the table's default.
class value_reader {
 public:
  std::map<std::string, config_value, std::less<>> set;

  config_value get(std::string_view name) const {
    if (auto it = set.find(name); it != set.end()) return it->second;
    const config_key* key = find_config_key(name);
    assert(key != nullptr && "broker_config reads a key missing from the table");
    return key ? default_config_value(*key) : config_value{};
  }
  // REQUIRES (for the non-optional readers): the key has a non-null default or is set.
  int64_t i64(std::string_view name) const { return std::get<int64_t>(get(name)); }
  int32_t i32(std::string_view name) const { return static_cast<int32_t>(i64(name)); }
  bool flag(std::string_view name) const { return std::get<bool>(get(name)); }
  double f64(std::string_view name) const { return std::get<double>(get(name)); }
  std::string str(std::string_view name) const { return std::get<std::string>(get(name)); }
  std::vector<std::string> list(std::string_view name) const {
    return std::get<std::vector<std::string>>(get(name));
  }
  std::optional<int64_t> opt_i64(std::string_view name) const {
    auto v = get(name);
    if (auto* n = std::get_if<int64_t>(&v)) return *n;
    return std::nullopt;
  }
  std::optional<std::string> opt_str(std::string_view name) const {
    auto v = get(name);
    if (auto* s = std::get_if<std::string>(&v)) return *s;
    return std::nullopt;
  }
};

error config_error(std::string message) { return make_error(errc::invalid_argument, std::move(message)); }

std::vector<std::string> split_dirs(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    auto b = item.find_first_not_of(" \t");
    auto e = item.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

compression_setting parse_compression(const std::string& s) {
  if (s == "gzip") return compression_setting::gzip;
  if (s == "snappy") return compression_setting::snappy;
  if (s == "lz4") return compression_setting::lz4;
  if (s == "zstd") return compression_setting::zstd;
  if (s == "uncompressed") return compression_setting::uncompressed;
  return compression_setting::producer;  // the validator admits nothing else
}

// Fills the typed fields from validated values and applies cross-key rules.
result<broker_config> resolve(const value_reader& v) {
  broker_config c;

  // broker.id: Kafka's -1 means "generated"; on a single node that is node.id, else 0.
  // The table's default (0) is what an unset broker.id resolves to, so "unset" is read as -1 here.
  int64_t broker_id = v.set.contains("broker.id") ? v.i64("broker.id") : -1;
  int64_t node_id = v.i64("node.id");
  if (broker_id < -1) return config_error("broker.id must be greater than or equal to -1");
  if (broker_id >= 0 && node_id >= 0 && broker_id != node_id) {
    return config_error(
        fmt::format("broker.id ({}) and node.id ({}) must be equal when both are set", broker_id, node_id));
  }
  c.broker_id = static_cast<int32_t>(broker_id >= 0 ? broker_id : node_id >= 0 ? node_id : 0);

  auto protocols =
      parse_security_protocol_map("listener.security.protocol.map", v.str("listener.security.protocol.map"));
  if (!protocols) return protocols.err();
  c.listener_security_protocol_map = protocols.value();
  auto listeners = parse_listeners("listeners", v.str("listeners"), c.listener_security_protocol_map);
  if (!listeners) return listeners.err();
  if (listeners->empty()) return config_error("listeners must name at least one listener");
  c.listeners = std::move(listeners.value());
  if (auto adv = v.opt_str("advertised.listeners")) {
    auto parsed = parse_listeners("advertised.listeners", *adv, c.listener_security_protocol_map);
    if (!parsed) return parsed.err();
    for (const auto& l : *parsed) {
      if (l.host == "0.0.0.0" || l.host == "::") {
        return config_error("advertised.listeners cannot use the non-routable meta-address " + l.host);
      }
      bool known = false;
      for (const auto& own : c.listeners) known = known || own.name == l.name;
      if (!known) return config_error("advertised.listeners names " + l.name + ", which is not in listeners");
    }
    c.advertised_listeners = parsed->empty() ? c.listeners : std::move(parsed.value());
  } else {
    c.advertised_listeners = c.listeners;
  }
  c.socket_request_max_bytes = v.i32("socket.request.max.bytes");
  c.connections_max_idle_ms = v.i64("connections.max.idle.ms");
  c.max_connections = v.i32("max.connections");
  c.max_inflight_requests_per_connection = v.i32("sluice.max.inflight.requests.per.connection");
  c.shards = v.i32("sluice.shards");
  if (auto http = v.str("sluice.http.listener"); !http.empty()) {
    auto hp = parse_host_port("sluice.http.listener", http);
    if (!hp) return hp.err();
    c.http_listener = hp.value();
  }
  c.num_network_threads = v.i32("num.network.threads");
  c.num_io_threads = v.i32("num.io.threads");

  c.log_dirs = split_dirs(v.opt_str("log.dirs").value_or(v.str("log.dir")));
  if (c.log_dirs.empty()) return config_error("log.dirs (or log.dir) must name at least one directory");
  c.log_segment_bytes = v.i32("log.segment.bytes");
  c.log_roll_ms = v.opt_i64("log.roll.ms").value_or(v.i64("log.roll.hours") * ms_per_hour);
  c.log_roll_jitter_ms =
      v.opt_i64("log.roll.jitter.ms").value_or(v.i64("log.roll.jitter.hours") * ms_per_hour);
  // Kafka: log.retention.ms wins over .minutes, which wins over .hours; any negative means unlimited.
  int64_t retention = 0;
  if (auto ms = v.opt_i64("log.retention.ms")) {
    retention = *ms;
  } else if (auto minutes = v.opt_i64("log.retention.minutes")) {
    retention = *minutes * ms_per_minute;
  } else {
    retention = v.i64("log.retention.hours") * ms_per_hour;
  }
  c.log_retention_ms = retention < 0 ? -1 : retention;
  c.log_retention_bytes = v.i64("log.retention.bytes");
  c.log_retention_check_interval_ms = v.i64("log.retention.check.interval.ms");
  c.log_segment_delete_delay_ms = v.i64("log.segment.delete.delay.ms");
  c.log_index_interval_bytes = v.i32("log.index.interval.bytes");
  c.log_index_size_max_bytes = v.i32("log.index.size.max.bytes");
  c.log_flush_interval_messages = v.i64("log.flush.interval.messages");
  c.log_flush_scheduler_interval_ms = v.i64("log.flush.scheduler.interval.ms");
  c.log_flush_interval_ms = v.opt_i64("log.flush.interval.ms").value_or(c.log_flush_scheduler_interval_ms);
  c.log_flush_mode =
      v.str("sluice.log.flush.mode") == "pagecache" ? flush_mode::pagecache : flush_mode::fsync;
  c.log_fd_cache_size = v.i32("sluice.log.fd.cache.size");
  c.log_preallocate = v.flag("log.preallocate");
  c.log_message_timestamp_type = v.str("log.message.timestamp.type") == "LogAppendTime"
                                     ? timestamp_type::log_append_time
                                     : timestamp_type::create_time;
  c.log_message_timestamp_difference_max_ms = v.i64("log.message.timestamp.difference.max.ms");
  c.log_message_downconversion_enable = v.flag("log.message.downconversion.enable");
  auto policy = v.list("log.cleanup.policy");
  c.log_cleanup_delete = std::find(policy.begin(), policy.end(), "delete") != policy.end();
  c.log_cleanup_compact = std::find(policy.begin(), policy.end(), "compact") != policy.end();
  c.log_cleaner_enable = v.flag("log.cleaner.enable");
  c.log_cleaner_delete_retention_ms = v.i64("log.cleaner.delete.retention.ms");
  c.log_cleaner_min_compaction_lag_ms = v.i64("log.cleaner.min.compaction.lag.ms");
  c.log_cleaner_max_compaction_lag_ms = v.i64("log.cleaner.max.compaction.lag.ms");
  c.log_cleaner_min_cleanable_ratio = v.f64("log.cleaner.min.cleanable.ratio");
  c.log_cleaner_threads = v.i32("log.cleaner.threads");
  c.log_cleaner_backoff_ms = v.i64("log.cleaner.backoff.ms");
  c.log_cleaner_dedupe_buffer_size = v.i64("log.cleaner.dedupe.buffer.size");
  c.log_cleaner_io_buffer_load_factor = v.f64("log.cleaner.io.buffer.load.factor");
  c.log_cleaner_io_max_bytes_per_second = v.f64("log.cleaner.io.max.bytes.per.second");
  c.compression_type = parse_compression(v.str("compression.type"));
  c.message_max_bytes = v.i32("message.max.bytes");

  c.num_partitions = v.i32("num.partitions");
  c.default_replication_factor = v.i32("default.replication.factor");
  c.auto_create_topics_enable = v.flag("auto.create.topics.enable");
  c.delete_topic_enable = v.flag("delete.topic.enable");
  c.min_insync_replicas = v.i32("min.insync.replicas");
  c.unclean_leader_election_enable = v.flag("unclean.leader.election.enable");

  c.offsets_topic_num_partitions = v.i32("offsets.topic.num.partitions");
  c.offsets_retention_minutes = v.i32("offsets.retention.minutes");
  c.offsets_retention_check_interval_ms = v.i64("offsets.retention.check.interval.ms");
  c.offsets_topic_segment_bytes = v.i32("offsets.topic.segment.bytes");
  c.offset_metadata_max_bytes = v.i32("offset.metadata.max.bytes");
  c.group_max_size = v.i32("group.max.size");
  c.group_initial_rebalance_delay_ms = v.i32("group.initial.rebalance.delay.ms");
  c.group_min_session_timeout_ms = v.i32("group.min.session.timeout.ms");
  c.group_max_session_timeout_ms = v.i32("group.max.session.timeout.ms");
  if (c.group_min_session_timeout_ms > c.group_max_session_timeout_ms) {
    return config_error(
        fmt::format("group.min.session.timeout.ms ({}) must not exceed group.max.session.timeout.ms ({})",
                    c.group_min_session_timeout_ms, c.group_max_session_timeout_ms));
  }
  c.transaction_max_timeout_ms = v.i32("transaction.max.timeout.ms");
  c.transactional_id_expiration_ms = v.i32("transactional.id.expiration.ms");
  c.transaction_state_log_num_partitions = v.i32("transaction.state.log.num.partitions");
  c.offsets_topic_replication_factor = static_cast<int16_t>(v.i64("offsets.topic.replication.factor"));
  c.zookeeper_connect = v.opt_str("zookeeper.connect");
  if (auto t = v.opt_i64("zookeeper.connection.timeout.ms"))
    c.zookeeper_connection_timeout_ms = static_cast<int32_t>(*t);
  c.zookeeper_session_timeout_ms = v.i32("zookeeper.session.timeout.ms");
  c.broker_rack = v.opt_str("broker.rack");
  c.replica_lag_time_max_ms = v.i64("replica.lag.time.max.ms");
  c.replica_fetch_max_bytes = v.i32("replica.fetch.max.bytes");
  c.replica_fetch_response_max_bytes = v.i32("replica.fetch.response.max.bytes");
  c.replica_fetch_wait_max_ms = v.i32("replica.fetch.wait.max.ms");
  c.replica_fetch_min_bytes = v.i32("replica.fetch.min.bytes");
  c.replica_fetch_backoff_ms = v.i32("replica.fetch.backoff.ms");
  c.replica_socket_timeout_ms = v.i32("replica.socket.timeout.ms");
  c.replica_high_watermark_checkpoint_interval_ms = v.i64("replica.high.watermark.checkpoint.interval.ms");
  c.controlled_shutdown_enable = v.flag("controlled.shutdown.enable");
  c.controlled_shutdown_max_retries = v.i32("controlled.shutdown.max.retries");
  c.controlled_shutdown_retry_backoff_ms = v.i64("controlled.shutdown.retry.backoff.ms");
  c.auto_leader_rebalance_enable = v.flag("auto.leader.rebalance.enable");
  c.leader_imbalance_check_interval_seconds = v.i64("leader.imbalance.check.interval.seconds");
  c.leader_imbalance_per_broker_percentage = v.i32("leader.imbalance.per.broker.percentage");
  return c;
}

struct raw_setting {
  std::string value;
  std::string origin;  // "line N" or "--override"
};

}  // namespace

std::optional<std::string> broker_config::value_string(std::string_view key) const {
  if (auto it = explicit_values.find(key); it != explicit_values.end()) return it->second;
  const config_key* k = find_config_key(key);
  if (!k) return std::nullopt;
  return format_config_value(default_config_value(*k));
}

broker_config broker_config::defaults() {
  auto loaded = load_broker_config(properties{});
  assert(loaded.ok() && "the table's defaults must form a valid config");
  return std::move(loaded.value().config);
}

result<broker_config_load> load_broker_config(const properties& file,
                                              const std::vector<std::string>& overrides) {
  std::map<std::string, raw_setting> raw;
  for (const auto& e : file)
    raw[e.key] = raw_setting{e.value, e.line > 0 ? "line " + std::to_string(e.line) : "file"};
  for (const auto& o : overrides) {
    size_t eq = o.find('=');
    std::string key = eq == std::string::npos ? std::string() : o.substr(0, eq);
    auto b = key.find_first_not_of(" \t");
    key = b == std::string::npos ? std::string() : key.substr(b, key.find_last_not_of(" \t") - b + 1);
    if (key.empty()) return config_error("--override '" + o + "' is not of the form key=value");
    raw[key] = raw_setting{o.substr(eq + 1), "--override"};
  }

  broker_config_load out;
  value_reader reader;
  for (const auto& [name, setting] : raw) {
    const config_key* key = find_config_key(name);
    if (key == nullptr) {
      out.warnings.push_back(fmt::format("unknown configuration '{}' ({}) ignored", name, setting.origin));
      continue;
    }
    if (!key->broker_scoped()) {
      out.warnings.push_back(
          fmt::format("'{}' ({}) is a topic configuration; ignored in the broker configuration "
                      "(its broker-wide default is {})",
                      name, setting.origin, key->synonyms.empty() ? "-" : key->synonyms.front()));
      continue;
    }
    auto value = parse_config_value(*key, setting.value);
    if (!value) return config_error(value.err().message + " (" + setting.origin + ")");
    if (key->support == key_support::ignored) {
      out.warnings.push_back(fmt::format("'{}' ({}) is accepted for compatibility and has no effect: {}",
                                         name, setting.origin, key->note));
    }
    out.config.explicit_values[name] = format_config_value(value.value()).value_or("");
    reader.set[name] = std::move(value.value());
  }
  auto resolved = resolve(reader);
  if (!resolved) return resolved.err();
  resolved->explicit_values = std::move(out.config.explicit_values);
  out.config = std::move(resolved.value());
  return out;
}

result<broker_config_load> load_broker_config_file(const std::string& path,
                                                   const std::vector<std::string>& overrides) {
  auto props = load_properties_file(path);
  if (!props) return props.err();
  return load_broker_config(props.value(), overrides);
}

std::string_view to_string(flush_mode m) { return m == flush_mode::fsync ? "fsync" : "pagecache"; }

std::string_view to_string(timestamp_type t) {
  return t == timestamp_type::create_time ? "CreateTime" : "LogAppendTime";
}

std::string_view to_string(compression_setting c) {
  switch (c) {
    case compression_setting::producer:
      return "producer";
    case compression_setting::uncompressed:
      return "uncompressed";
    case compression_setting::gzip:
      return "gzip";
    case compression_setting::snappy:
      return "snappy";
    case compression_setting::lz4:
      return "lz4";
    case compression_setting::zstd:
      return "zstd";
  }
  return "producer";
}

}  // namespace sluice::config
