// offsets_topic_format: the record keys and values of __consumer_offsets in Kafka's exact binary
// layout (OffsetCommitKey v0-1, OffsetCommitValue v0-4, GroupMetadataKey v2, GroupMetadataValue
// v0-4), so tools that read the topic directly (lag monitors, kafka-console-consumer with the
// offsets formatter) understand what Sluice writes, and the group -> partition mapping. Pure
// functions: no I/O. See docs/formats/consumer-offsets.md.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "group/group_types.h"

namespace sluice::group::offsets_topic {

inline constexpr const char* topic_name = "__consumer_offsets";

// Versions Sluice writes: the ones Kafka 3.x writes (the value versions readable by every Kafka
// tool since 2.1; v4 values are flexible and only written by Kafka once KIP-915 is in use).
inline constexpr int16_t offset_key_version = 1;
inline constexpr int16_t group_key_version = 2;
inline constexpr int16_t offset_value_version = 3;
inline constexpr int16_t group_value_version = 3;

struct offset_key {
  std::string group;
  topic_partition tp;
};
struct group_key {
  std::string group;
};
// A decoded record key. Keys of other record types (KIP-848 consumer-group records, versions 3+)
// decode to std::monostate and are skipped by the loader, as an older Kafka broker would.
using record_key = std::variant<std::monostate, offset_key, group_key>;

std::string encode_offset_key(const std::string& group, const topic_partition& tp);
std::string encode_group_key(const std::string& group);
std::string encode_offset_value(const committed_offset& value);
std::string encode_group_value(const group_snapshot& group);

// Decoders read untrusted bytes: nullopt when malformed or of an unknown version.
std::optional<record_key> decode_key(std::span<const uint8_t> key);
std::optional<committed_offset> decode_offset_value(std::span<const uint8_t> value);
std::optional<group_snapshot> decode_group_value(std::span<const uint8_t> value);

// Java's String.hashCode over the UTF-16 code units of `s` (given as UTF-8; invalid UTF-8 bytes
// count as one code unit each), as Kafka hashes group and transactional ids.
int32_t java_string_hash(std::string_view s);
// Kafka's partitionFor: Utils.abs(hashCode) % partitions (Utils.abs maps INT_MIN to 0).
int32_t partition_for(std::string_view group_id, int32_t partitions);

}  // namespace sluice::group::offsets_topic
