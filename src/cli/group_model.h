// Plain data the group commands pass around: what the broker told us about groups, members and
// partitions, copied out of librdkafka's objects so the logic on top needs no broker to test.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sluice::cli {

struct topic_partition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const topic_partition&) const = default;
};

// One ListGroups entry.
struct group_listing {
  std::string group_id;
  std::string state;    // Kafka's name: "Stable", "Empty", ... ("Unknown" from old brokers)
  bool simple = false;  // no protocol type: a group that only holds committed offsets
};

struct group_member {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string host;
  std::vector<topic_partition> assignment;
};

// One DescribeGroups entry.
struct group_description {
  std::string group_id;
  std::string state;
  bool simple = false;
  std::string assignor;  // the selected protocol, e.g. "range"; "" unless Stable
  int32_t coordinator_id = -1;
  std::string coordinator_host;
  int coordinator_port = 0;
  std::vector<group_member> members;
};

using offset_map = std::map<topic_partition, int64_t>;

// States in which Kafka lets offsets be changed from outside the group.
inline bool group_is_inactive(const std::string& state) { return state == "Empty" || state == "Dead"; }

}  // namespace sluice::cli
