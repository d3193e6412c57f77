// admin_checks: shared guards of the admin handlers (messages follow Kafka's controller).
#include "broker/admin_checks.h"

#include <algorithm>
#include <charconv>
#include <vector>

namespace sluice::broker {

std::optional<std::string> manual_assignment_error(std::span<const int32_t> broker_ids, int32_t node_id) {
  if (broker_ids.empty()) return "The manual partition assignment includes an empty replica list.";
  std::vector<int32_t> sorted(broker_ids.begin(), broker_ids.end());
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i] != node_id) {
      return "The manual partition assignment includes broker " + std::to_string(sorted[i]) +
             ", but no such broker is registered.";
    }
    if (i > 0 && sorted[i] == sorted[i - 1]) {
      return "The manual partition assignment includes the broker " + std::to_string(sorted[i]) +
             " more than once.";
    }
  }
  return std::nullopt;
}

std::optional<std::string> broker_resource_name_error(const std::string& name, int32_t node_id) {
  int32_t id = 0;
  const char* first = name.data();
  const char* last = name.data() + name.size();
  auto [ptr, ec] = std::from_chars(first, last, id);
  if (name.empty() || ec != std::errc() || ptr != last) {
    return "Broker id must be an integer, but it is: " + name;
  }
  if (id != node_id) {
    return "Unexpected broker id, expected " + std::to_string(node_id) + ", but received " + name;
  }
  return std::nullopt;
}

config_verdict dynamic_broker_configs_unsupported() {
  return {protocol::error_code::invalid_request,
          "Dynamic broker configs are not supported; set broker configs in server.properties and restart."};
}

}  // namespace sluice::broker
