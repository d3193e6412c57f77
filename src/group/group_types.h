// group_types: the coordinator's request/result vocabulary, independent of wire versions.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "protocol/error_code.h"

namespace sluice::group {

using protocol::error_code;
using bytes = std::vector<uint8_t>;

struct protocol_entry {
  std::string name;
  bytes metadata;
  bool operator==(const protocol_entry&) const = default;
};

struct join_request {
  std::string group_id;
  std::string member_id;  // empty = new member
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = -1;  // -1 (v0) = use the session timeout
  std::string protocol_type;
  std::vector<protocol_entry> protocols;
  bool require_known_member_id = false;   // JoinGroup v4+: answer MEMBER_ID_REQUIRED first
  bool supports_skip_assignment = false;  // JoinGroup v9+
};

struct join_member {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  bytes metadata;
};

struct join_result {
  error_code error = error_code::none;
  int32_t generation_id = -1;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  std::string leader;
  std::string member_id;
  bool skip_assignment = false;
  std::vector<join_member> members;  // only for the leader
};
using join_callback = std::function<void(join_result)>;

struct member_assignment {
  std::string member_id;
  bytes assignment;
};

struct sync_request {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::optional<std::string> protocol_type;  // v5+
  std::optional<std::string> protocol_name;  // v5+
  std::vector<member_assignment> assignments;
};

struct sync_result {
  error_code error = error_code::none;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  bytes assignment;
};
using sync_callback = std::function<void(sync_result)>;

struct heartbeat_request {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
};

struct leave_member {
  std::string member_id;  // may be empty when group_instance_id is given
  std::optional<std::string> group_instance_id;
};

struct leave_result {
  error_code error = error_code::none;  // group-level
  std::vector<error_code> members;      // one per requested member, in order
};

// A committed offset as the group stores it (OffsetCommitValue v3 content).
struct committed_offset {
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::optional<std::string> metadata;
  int64_t commit_timestamp_ms = 0;
};

struct topic_partition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const topic_partition&) const = default;
};

struct commit_request {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::vector<std::pair<topic_partition, committed_offset>> offsets;
};

struct fetch_topic {
  std::string name;
  std::vector<int32_t> partitions;
};

struct fetched_offset {
  topic_partition tp;
  committed_offset value;  // offset -1 when nothing is committed
  error_code error = error_code::none;
};

struct fetch_result {
  error_code error = error_code::none;
  std::vector<fetched_offset> offsets;  // in request order; all committed when topics was null
};

// ListGroups entry.
struct group_listing {
  std::string group_id;
  std::string protocol_type;
  std::string state;  // Kafka's name: "Empty", "PreparingRebalance", ...
};

struct described_member {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  bytes metadata;    // of the selected protocol (empty unless Stable, as in Kafka)
  bytes assignment;  // empty unless Stable
};

// DescribeGroups entry.
struct group_description {
  error_code error = error_code::none;
  std::string group_id;
  std::string state;          // "Dead" for unknown groups
  std::string protocol_type;  // "" when none
  std::string protocol_data;  // the selected protocol (assignor) name when Stable, else ""
  std::vector<described_member> members;
};

struct offset_delete_result {
  error_code error = error_code::none;  // group-level
  std::vector<error_code> partitions;   // one per requested partition, in order
};

// A member as GroupMetadataValue (v3/v4) stores it.
struct member_snapshot {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  int32_t rebalance_timeout_ms = 0;
  int32_t session_timeout_ms = 0;
  bytes subscription;  // metadata of the selected protocol
  bytes assignment;
};

// A group as GroupMetadataValue stores it.
struct group_snapshot {
  std::string protocol_type;
  int32_t generation = 0;
  std::optional<std::string> protocol_name;
  std::optional<std::string> leader;
  int64_t current_state_timestamp_ms = -1;
  std::vector<member_snapshot> members;
};

// Hook for persisting group state (the __consumer_offsets writer, next step). Called on the shard
// thread after the in-memory state changed; implementations must not call back into the
// coordinator synchronously.
class group_persistence {
 public:
  virtual ~group_persistence() = default;
  virtual void offsets_committed(
      const std::string& group_id,
      const std::vector<std::pair<topic_partition, committed_offset>>& offsets) = 0;
  // A new generation's assignment was stored (leader's SyncGroup) or the group became Empty; the
  // implementation reads coordinator.snapshot(group_id).
  virtual void group_changed(const std::string& group_id) = 0;
  // Offsets removed (OffsetDelete, expiry, group deletion): write their tombstones.
  virtual void offsets_removed(const std::string& group_id,
                               const std::vector<topic_partition>& partitions) = 0;
  // The group is gone (DeleteGroups, or Empty with no offsets left): tombstone its metadata.
  virtual void group_removed(const std::string& group_id) = 0;
};

struct coordinator_config {
  int32_t initial_rebalance_delay_ms = 3000;
  int32_t min_session_timeout_ms = 6000;
  int32_t max_session_timeout_ms = 1800000;
  int32_t max_group_size = 0x7fffffff;  // group.max.size: unlimited by default
  int32_t max_metadata_bytes = 4096;    // offset.metadata.max.bytes
};

}  // namespace sluice::group
