// topic_config: broker-derived topic defaults, and per-topic override resolution and validation.
#include "config/topic_config.h"

#include <algorithm>
#include <functional>
#include <vector>

#include <fmt/format.h>

namespace sluice::config {
namespace {

// Binds one topic key to its field: how to store a parsed value and how to read it back.
struct field {
  std::string_view name;
  std::function<void(topic_config&, const config_value&)> set;
  std::function<config_value(const topic_config&)> get;
};

template <class T>
field int_field(std::string_view name, T topic_config::*member) {
  return {
      name,
      [member](topic_config& c, const config_value& v) { c.*member = static_cast<T>(std::get<int64_t>(v)); },
      [member](const topic_config& c) { return config_value{static_cast<int64_t>(c.*member)}; }};
}

field bool_field(std::string_view name, bool topic_config::*member) {
  return {name, [member](topic_config& c, const config_value& v) { c.*member = std::get<bool>(v); },
          [member](const topic_config& c) { return config_value{c.*member}; }};
}

compression_setting compression_from(const std::string& s) {
  for (auto c : {compression_setting::producer, compression_setting::uncompressed, compression_setting::gzip,
                 compression_setting::snappy, compression_setting::lz4, compression_setting::zstd}) {
    if (to_string(c) == s) return c;
  }
  return compression_setting::producer;
}

const std::vector<field>& fields() {
  static const std::vector<field> table = {
      {"cleanup.policy",
       [](topic_config& c, const config_value& v) {
         const auto& l = std::get<std::vector<std::string>>(v);
         c.cleanup_delete = std::find(l.begin(), l.end(), "delete") != l.end();
         c.cleanup_compact = std::find(l.begin(), l.end(), "compact") != l.end();
       },
       [](const topic_config& c) {
         std::vector<std::string> l;
         if (c.cleanup_compact) l.emplace_back("compact");
         if (c.cleanup_delete) l.emplace_back("delete");
         return config_value{l};
       }},
      {"compression.type",
       [](topic_config& c, const config_value& v) {
         c.compression_type = compression_from(std::get<std::string>(v));
       },
       [](const topic_config& c) { return config_value{std::string(to_string(c.compression_type))}; }},
      int_field("delete.retention.ms", &topic_config::delete_retention_ms),
      int_field("file.delete.delay.ms", &topic_config::file_delete_delay_ms),
      int_field("flush.messages", &topic_config::flush_messages),
      int_field("flush.ms", &topic_config::flush_ms),
      int_field("index.interval.bytes", &topic_config::index_interval_bytes),
      int_field("max.compaction.lag.ms", &topic_config::max_compaction_lag_ms),
      int_field("max.message.bytes", &topic_config::max_message_bytes),
      bool_field("message.downconversion.enable", &topic_config::message_downconversion_enable),
      int_field("message.timestamp.difference.max.ms", &topic_config::message_timestamp_difference_max_ms),
      {"message.timestamp.type",
       [](topic_config& c, const config_value& v) {
         c.message_timestamp_type = std::get<std::string>(v) == "LogAppendTime"
                                        ? timestamp_type::log_append_time
                                        : timestamp_type::create_time;
       },
       [](const topic_config& c) { return config_value{std::string(to_string(c.message_timestamp_type))}; }},
      {"min.cleanable.dirty.ratio",
       [](topic_config& c, const config_value& v) { c.min_cleanable_dirty_ratio = std::get<double>(v); },
       [](const topic_config& c) { return config_value{c.min_cleanable_dirty_ratio}; }},
      int_field("min.compaction.lag.ms", &topic_config::min_compaction_lag_ms),
      int_field("min.insync.replicas", &topic_config::min_insync_replicas),
      bool_field("preallocate", &topic_config::preallocate),
      int_field("retention.bytes", &topic_config::retention_bytes),
      int_field("retention.ms", &topic_config::retention_ms),
      int_field("segment.bytes", &topic_config::segment_bytes),
      int_field("segment.index.bytes", &topic_config::segment_index_bytes),
      int_field("segment.jitter.ms", &topic_config::segment_jitter_ms),
      int_field("segment.ms", &topic_config::segment_ms),
      bool_field("unclean.leader.election.enable", &topic_config::unclean_leader_election_enable),
  };
  return table;
}

const field* find_field(std::string_view name) {
  for (const auto& f : fields()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

}  // namespace

bool is_topic_config_key(std::string_view name) {
  const config_key* key = find_config_key(name);
  return key != nullptr && key->topic_scoped();
}

topic_config topic_config::from_broker(const broker_config& b) {
  topic_config t;
  t.cleanup_delete = b.log_cleanup_delete;
  t.cleanup_compact = b.log_cleanup_compact;
  t.compression_type = b.compression_type;
  t.delete_retention_ms = b.log_cleaner_delete_retention_ms;
  t.file_delete_delay_ms = b.log_segment_delete_delay_ms;
  t.flush_messages = b.log_flush_interval_messages;
  t.flush_ms = b.log_flush_interval_ms;
  t.index_interval_bytes = b.log_index_interval_bytes;
  t.max_compaction_lag_ms = b.log_cleaner_max_compaction_lag_ms;
  t.max_message_bytes = b.message_max_bytes;
  t.message_timestamp_type = b.log_message_timestamp_type;
  t.message_timestamp_difference_max_ms = b.log_message_timestamp_difference_max_ms;
  t.min_cleanable_dirty_ratio = b.log_cleaner_min_cleanable_ratio;
  t.min_compaction_lag_ms = b.log_cleaner_min_compaction_lag_ms;
  t.min_insync_replicas = b.min_insync_replicas;
  t.preallocate = b.log_preallocate;
  t.retention_bytes = b.log_retention_bytes;
  t.retention_ms = b.log_retention_ms;
  t.segment_bytes = b.log_segment_bytes;
  t.segment_index_bytes = b.log_index_size_max_bytes;
  t.segment_jitter_ms = b.log_roll_jitter_ms;
  t.segment_ms = b.log_roll_ms;
  t.unclean_leader_election_enable = b.unclean_leader_election_enable;
  t.message_downconversion_enable = b.log_message_downconversion_enable;
  return t;
}

result<topic_config> topic_config::resolve(const broker_config& broker,
                                           const std::map<std::string, std::string>& overrides) {
  topic_config t = from_broker(broker);
  for (const auto& [name, raw] : overrides) {
    const config_key* key = find_config_key(name);
    const field* f = find_field(name);
    if (key == nullptr || !key->topic_scoped() || f == nullptr) {
      return make_error(errc::invalid_argument, "Unknown topic config name: " + name);
    }
    auto value = parse_config_value(*key, raw);
    if (!value) return value.err();
    f->set(t, value.value());
    t.overrides[name] = format_config_value(value.value()).value_or("");
  }
  if (t.min_compaction_lag_ms > t.max_compaction_lag_ms) {
    return make_error(
        errc::invalid_argument,
        fmt::format("conflict topic config setting min.compaction.lag.ms ({}) > max.compaction.lag.ms ({})",
                    t.min_compaction_lag_ms, t.max_compaction_lag_ms));
  }
  return t;
}

std::optional<std::string> topic_config::value_string(std::string_view key) const {
  const field* f = find_field(key);
  if (f == nullptr) return std::nullopt;
  if (auto it = overrides.find(key); it != overrides.end()) return it->second;  // as given (list order kept)
  return format_config_value(f->get(*this));
}

}  // namespace sluice::config
