// zk_formats: the JSON of Kafka's ZooKeeper znodes (kafka.zk.ZkData), encoded as Kafka writes it and
// decoded from untrusted bytes into result types (docs/zookeeper.md, "Znode formats").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/uuid.h"

namespace sluice::cluster::zk {

// Znode paths (relative to the chroot).
namespace paths {
inline constexpr const char* cluster_id = "/cluster/id";
inline constexpr const char* broker_ids = "/brokers/ids";
inline constexpr const char* topics = "/brokers/topics";
inline constexpr const char* controller = "/controller";
inline constexpr const char* controller_epoch = "/controller_epoch";
inline constexpr const char* topic_configs = "/config/topics";
inline constexpr const char* reassign_partitions = "/admin/reassign_partitions";
std::string broker(int32_t id);                    // /brokers/ids/<id>
std::string topic(const std::string& topic);       // /brokers/topics/<topic>
std::string partitions(const std::string& topic);  // /brokers/topics/<topic>/partitions
std::string partition(const std::string& topic, int32_t p);
std::string partition_state(const std::string& topic, int32_t p);  // .../partitions/<p>/state
std::string topic_config(const std::string& topic);                // /config/topics/<topic>
}  // namespace paths

// Decoders refuse inputs larger than this (ZooKeeper's own jute.maxbuffer default is 1 MiB - 1) and
// JSON nested deeper than 32 levels, before parsing.
inline constexpr size_t max_znode_bytes = 1024 * 1024;

// ---- /brokers/ids/<id> (Kafka's version 5 registration) ----

struct broker_endpoint {
  std::string listener;  // e.g. "PLAINTEXT"
  std::string host;      // "" binds/advertises all interfaces; IPv6 without brackets
  int32_t port = 0;
  std::string security_protocol;  // e.g. "PLAINTEXT"
  // "PLAINTEXT://host:port" ("[v6]:port" for IPv6 hosts), as Kafka's EndPoint.connectionString.
  std::string connection_string() const;
};

struct broker_registration {
  int32_t id = -1;  // not in the JSON: the znode's name
  int32_t version = 5;
  std::vector<broker_endpoint> endpoints;
  std::optional<std::string> rack;
  int32_t jmx_port = -1;
  int64_t timestamp_ms = 0;  // registration time, written as a decimal string
  // The top-level host/port Kafka keeps for old clients: the first PLAINTEXT endpoint, else
  // (nullopt, -1) which Kafka writes as "host":null,"port":-1. Filled by decode; encode derives them.
  std::optional<std::string> host;
  int32_t port = -1;
};
// Writes version 5: listener_security_protocol_map, endpoints, jmx_port, features {}, host, timestamp,
// port, version, with rack after endpoints when set.
std::string encode_broker(const broker_registration& b);
// Accepts versions 1..5 (version 1: host/port only, a PLAINTEXT endpoint).
result<broker_registration> decode_broker(int32_t id, std::string_view json);
// Parses "LISTENER://host:port" (host may be "[v6]"), with the listener's protocol from `protocols`
// or, when absent, the listener name itself if it names a protocol (Kafka's default map).
result<broker_endpoint> parse_endpoint(std::string_view text,
                                       const std::map<std::string, std::string>& protocols);

// ---- /controller and /controller_epoch ----

struct controller_registration {
  int32_t broker_id = -1;
  int64_t timestamp_ms = 0;
  int32_t version = 1;
  std::optional<int32_t> kraft_controller_epoch;  // version 2 (Kafka 3.4+, KIP-866); -1 in ZK mode
};
// {"version":1,"brokerid":N,"timestamp":"<ms>"}; with kraft_controller_epoch set, version 2 and
// "kraftControllerEpoch" as Kafka 3.4+ writes.
std::string encode_controller(const controller_registration& c);
result<controller_registration> decode_controller(std::string_view json);
// The epoch as a decimal string (not JSON), e.g. "7".
std::string encode_controller_epoch(int32_t epoch);
result<int32_t> decode_controller_epoch(std::string_view text);

// ---- /brokers/topics/<topic> ----

struct topic_assignment {
  std::optional<uuid_bytes> topic_id;
  std::map<int32_t, std::vector<int32_t>> partitions;       // partition → replicas, preferred leader first
  std::map<int32_t, std::vector<int32_t>> adding_replicas;  // reassignment in progress (KIP-455)
  std::map<int32_t, std::vector<int32_t>> removing_replicas;
  bool operator==(const topic_assignment&) const = default;
};
// {"partitions":{"0":[1,2,3]},"topic_id":"<22 chars>","adding_replicas":{},"removing_replicas":{},
//  "version":3}; no topic_id key without an id.
std::string encode_topic_assignment(const topic_assignment& t);
// Accepts versions 1..3. Rejects: partition keys that are not decimal int32 >= 0, negative or
// duplicate replica ids, adding/removing entries for partitions not in "partitions", bad topic ids.
result<topic_assignment> decode_topic_assignment(std::string_view json);

// ---- /brokers/topics/<topic>/partitions/<p>/state ----

struct partition_state {
  int32_t leader = -1;  // -1: no leader
  int32_t leader_epoch = 0;
  std::vector<int32_t> isr;
  int32_t controller_epoch = 0;
  // Kafka's LeaderRecoveryState (KIP-704): 0 RECOVERED, 1 RECOVERING (after an unclean election).
  int8_t leader_recovery_state = 0;
  bool operator==(const partition_state&) const = default;
};
// {"controller_epoch":N,"leader":N,"version":1,"leader_epoch":N,"isr":[...]}, plus
// "leader_recovery_state":1 only when RECOVERING (Kafka omits the RECOVERED default).
std::string encode_partition_state(const partition_state& s);
result<partition_state> decode_partition_state(std::string_view json);

// ---- /config/topics/<topic> ----

// {"version":1,"config":{"k":"v",...}}: overrides only, every value a string.
std::string encode_topic_config(const std::map<std::string, std::string>& config);
result<std::map<std::string, std::string>> decode_topic_config(std::string_view json);

// ---- /cluster/id ----

// {"version":"1","id":"<id>"} (the version is a string in Kafka's format).
std::string encode_cluster_id(const std::string& id);
result<std::string> decode_cluster_id(std::string_view json);

// ---- /admin/reassign_partitions (legacy trigger) ----

struct partition_reassignment {
  std::string topic;
  int32_t partition = 0;
  std::vector<int32_t> replicas;
  bool operator==(const partition_reassignment&) const = default;
};
// {"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2,3]}]}
std::string encode_reassignment(const std::vector<partition_reassignment>& r);
result<std::vector<partition_reassignment>> decode_reassignment(std::string_view json);

}  // namespace sluice::cluster::zk
