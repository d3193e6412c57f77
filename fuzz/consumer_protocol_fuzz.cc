// libFuzzer entry for the ConsumerProtocolSubscription decoder (issue 3): JoinGroup member
// metadata is sent by clients, so decode_subscription and subscribed_topics see arbitrary bytes.
// Sluice has no encoder for the subscription (the coordinator only reads it), so this harness has
// one, written from Kafka's schema. Checks: the v0-prefix reader agrees with the full decoder;
// fields of versions above the message's stay at their defaults; every field has exactly one
// encoding, so what decodes re-encodes to a prefix of the input, and decodes back to an equal value.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>

#include "group/consumer_protocol.h"
#include "protocol/writer.h"

namespace {

using sluice::group::consumer_subscription;
using sluice::group::decode_subscription;
using sluice::group::subscribed_topics;

void check(bool ok) {
  if (!ok) std::abort();
}

std::span<const uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Kafka's ConsumerProtocolSubscription, non-flexible in every version; a version above the newest
// known is written with the newest layout (fields are only ever appended).
std::string encode(const consumer_subscription& s) {
  sluice::protocol::writer w;
  const int16_t v = std::min(s.version, consumer_subscription::newest_version);
  w.write_int16(s.version);
  w.write_array_length(static_cast<int32_t>(s.topics.size()), false);
  for (const auto& t : s.topics) w.write_string(t, false);
  w.write_nullable_bytes(s.user_data, false);
  if (v >= 1) {
    w.write_array_length(static_cast<int32_t>(s.owned.size()), false);
    for (const auto& o : s.owned) {
      w.write_string(o.topic, false);
      w.write_array_length(static_cast<int32_t>(o.partitions.size()), false);
      for (int32_t p : o.partitions) w.write_int32(p);
    }
  }
  if (v >= 2) w.write_int32(s.generation_id);
  if (v >= 3) w.write_nullable_string(s.rack_id, false);
  return std::move(w).take_string();
}

bool same(const consumer_subscription& a, const consumer_subscription& b) {
  if (a.version != b.version || a.topics != b.topics || a.user_data != b.user_data ||
      a.owned.size() != b.owned.size() || a.generation_id != b.generation_id || a.rack_id != b.rack_id)
    return false;
  for (size_t i = 0; i < a.owned.size(); ++i)
    if (a.owned[i].topic != b.owned[i].topic || a.owned[i].partitions != b.owned[i].partitions) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  const auto sub = decode_subscription(bytes);
  const auto topics = subscribed_topics(bytes);
  if (!sub) return 0;

  // The coordinator's v0-prefix read sees the same topics as the full decode.
  check(topics.has_value() && *topics == sub->topics);
  check(sub->version >= 0);
  const consumer_subscription defaults;
  if (sub->version < 1) check(sub->owned.empty());
  if (sub->version < 2) check(sub->generation_id == defaults.generation_id);
  if (sub->version < 3) check(!sub->rack_id.has_value());

  const std::string enc = encode(*sub);
  check(enc.size() <= size && std::memcmp(enc.data(), data, enc.size()) == 0);
  const auto again = decode_subscription(as_bytes(enc));
  check(again.has_value() && same(*again, *sub));
  check(encode(*again) == enc);
  return 0;
}
