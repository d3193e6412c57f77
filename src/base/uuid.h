// 128-bit ids (topic ids, cluster id) and Kafka's text form for them (URL-safe base64, no padding).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

using uuid_bytes = std::array<uint8_t, 16>;

// A random version-4 UUID from the OS entropy source. Never the all-zero uuid (Kafka's "no id").
uuid_bytes random_uuid();
// Kafka's Uuid.toString(): 22 characters of URL-safe base64 without padding.
std::string uuid_to_string(const uuid_bytes& id);
std::optional<uuid_bytes> uuid_from_string(std::string_view text);
inline bool is_zero(const uuid_bytes& id) {
  for (uint8_t b : id)
    if (b != 0) return false;
  return true;
}

}  // namespace sluice
