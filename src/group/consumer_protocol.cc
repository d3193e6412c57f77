// consumer_protocol: ConsumerProtocolSubscription decoding on top of protocol::reader, whose every
// read is bounds-checked and whose array counts are checked against the bytes left.
#include "group/consumer_protocol.h"

#include <algorithm>

#include "protocol/reader.h"

namespace sluice::group {
namespace {

// The fields every version starts with. Topics is a non-nullable []string; UserData nullable bytes.
bool read_v0_prefix(protocol::reader& r, consumer_subscription& out) {
  // A string is at least its 2-byte length.
  const int32_t n = r.read_array_length(/*compact=*/false, /*min_element_size=*/2);
  if (!r.ok() || n < 0) return false;
  out.topics.reserve(static_cast<size_t>(n));
  for (int32_t i = 0; i < n && r.ok(); ++i) r.read_string(out.topics.emplace_back(), false);
  r.read_nullable_bytes(out.user_data, false);
  return r.ok();
}

}  // namespace

std::optional<consumer_subscription> decode_subscription(std::span<const uint8_t> data) {
  protocol::reader r(data);
  consumer_subscription out;
  out.version = r.read_int16();
  if (!r.ok() || out.version < 0 || !read_v0_prefix(r, out)) return std::nullopt;
  const int16_t v = std::min(out.version, consumer_subscription::newest_version);
  if (v >= 1) {
    // Each element is at least a 2-byte topic length and a 4-byte partition count.
    const int32_t n = r.read_array_length(false, 6);
    if (!r.ok() || n < 0) return std::nullopt;
    for (int32_t i = 0; i < n && r.ok(); ++i) {
      auto& o = out.owned.emplace_back();
      r.read_string(o.topic, false);
      const int32_t np = r.read_array_length(false, 4);
      if (!r.ok() || np < 0) return std::nullopt;
      o.partitions.reserve(static_cast<size_t>(np));
      for (int32_t j = 0; j < np; ++j) o.partitions.push_back(r.read_int32());
    }
  }
  if (v >= 2) out.generation_id = r.read_int32();
  if (v >= 3) r.read_nullable_string(out.rack_id, false);
  if (!r.ok()) return std::nullopt;
  return out;
}

std::optional<std::vector<std::string>> subscribed_topics(std::span<const uint8_t> data) {
  protocol::reader r(data);
  consumer_subscription out;
  (void)r.read_int16();  // Kafka's coordinator reads every version with the v0 layout
  if (!r.ok() || !read_v0_prefix(r, out)) return std::nullopt;
  return std::move(out.topics);
}

}  // namespace sluice::group
