// consumer_protocol: a bounds-checked decoder of the "consumer" protocol type's subscription
// (ConsumerProtocolSubscription v0-3), the opaque JoinGroup metadata the coordinator otherwise
// never reads. OffsetDelete needs the topics a consumer group is subscribed to.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sluice::group {

// ConsumerProtocolSubscription, as a consumer sends it inside JoinGroup's protocol metadata:
// int16 version, then a non-flexible struct whose fields only ever get appended (so a newer
// version is read with the newest layout known here, as Kafka does).
struct consumer_subscription {
  struct owned_partitions {
    std::string topic;
    std::vector<int32_t> partitions;
  };
  int16_t version = 0;
  std::vector<std::string> topics;
  std::optional<std::vector<uint8_t>> user_data;  // v0+, nullable
  std::vector<owned_partitions> owned;            // v1+
  int32_t generation_id = -1;                     // v2+
  std::optional<std::string> rack_id;             // v3+, nullable

  static constexpr int16_t newest_version = 3;
};

// Decodes every field of the message's version. nullopt when the bytes are malformed (truncated,
// negative version, a null where none is allowed, a count larger than the input). Untrusted input:
// never throws, never allocates more than the input could justify. Trailing bytes are allowed
// (later versions may append fields).
std::optional<consumer_subscription> decode_subscription(std::span<const uint8_t> data);

// The subscribed topics as Kafka's group coordinator reads them: the v0 prefix (topics, user data)
// whatever the version says, so a member running a newer consumer than we know is still
// understood. nullopt when even that prefix is malformed.
std::optional<std::vector<std::string>> subscribed_topics(std::span<const uint8_t> data);

}  // namespace sluice::group
