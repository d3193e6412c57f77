// request_counters: Kafka requests received, by API key, for the HTTP metrics endpoint.
#pragma once

#include <array>
#include <cstdint>

namespace sluice::broker {

// Plain counters, not atomics: they are only touched on the shard thread (the dispatcher counts,
// the HTTP port reads), so counting costs one increment on the request path.
struct request_counters {
  // Kafka API keys are small (under 100 today); anything outside the table lands in `other`.
  static constexpr int16_t max_key = 127;
  std::array<uint64_t, max_key + 1> by_api{};
  uint64_t other = 0;

  void count(int16_t api_key) {
    if (api_key >= 0 && api_key <= max_key) {
      ++by_api[static_cast<size_t>(api_key)];
    } else {
      ++other;
    }
  }
};

}  // namespace sluice::broker
