// snapshot: a plain copy of what the HTTP endpoints show (identity, partitions, groups with
// offsets and lag), taken from the broker on the shard thread; the renderers only read it.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "broker/broker_stats.h"
#include "broker/request_counters.h"

namespace sluice::broker {
class broker;
}

namespace sluice::http {

struct partition_view {
  int32_t partition = 0;
  int64_t log_start_offset = 0;
  int64_t log_end_offset = 0;
  int64_t size_bytes = 0;
  int64_t segments = 0;
};

struct topic_view {
  std::string name;
  std::string id;  // base64 (Kafka's topic id form)
  int32_t partition_count = 0;
  bool internal = false;
  std::map<std::string, std::string> config_overrides;
  std::vector<partition_view> partitions;  // hosted partitions, by index
};

struct group_offset_view {
  std::string topic;
  int32_t partition = 0;
  int64_t committed_offset = -1;
  std::optional<std::string> metadata;
  std::optional<int64_t> log_end_offset;  // nullopt when the partition is not hosted (deleted topic)
  std::optional<int64_t> lag;             // log end offset - committed offset
};

struct group_member_view {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  std::vector<std::string> subscribed_topics;  // "consumer" groups while Stable; else empty
};

struct group_view {
  std::string group_id;
  std::string state;          // Kafka's name: "Empty", "Stable", ...
  std::string protocol_type;  // "" when none
  std::string protocol;       // the assignor when Stable, else ""
  std::vector<group_member_view> members;
  std::vector<group_offset_view> offsets;  // by topic, partition
};

struct broker_info {
  int32_t node_id = 0;
  std::string cluster_id;
  std::string version;
  std::string advertised_host;
  int32_t advertised_port = 0;
  std::optional<std::string> http_listener;  // as configured (host:port), for /v1/status
  uint16_t http_port = 0;                    // the bound HTTP port
  broker::broker_stats stats;
};

// What one call collects; the endpoints ask only for what they render.
struct snapshot_scope {
  bool topics = true;
  bool groups = true;
  bool group_details = true;  // members and offsets (lag), not just id and state
  std::optional<std::string> only_topic;
  std::optional<std::string> only_group;
};

struct broker_snapshot {
  broker_info info;
  std::vector<topic_view> topics;  // by name; __consumer_offsets included
  std::vector<group_view> groups;  // by id
  size_t partition_count = 0;      // hosted partitions over all topics
  size_t group_count = 0;          // groups the coordinator knows (all states)
  broker::request_counters requests;
};

// The version reported as sluice_broker_info{version=...} and in /v1/status.
const char* sluice_version();

// REQUIRES: the broker is started; called on its shard thread.
broker_snapshot take_snapshot(const broker::broker& b, const snapshot_scope& scope, uint16_t http_port);

}  // namespace sluice::http
