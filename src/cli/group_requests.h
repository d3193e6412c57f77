// Consumer-group requests over librdkafka's admin API (ListGroups, DescribeGroups, OffsetFetch,
// OffsetCommit, DeleteGroups, OffsetDelete) and partition offsets by ListOffsets: one blocking
// call each, results as group_model structs.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "cli/group_model.h"
#include "cli/rk_handle.h"

namespace sluice::cli {

// Per-partition (or per-group) outcome of a write.
struct partition_outcome {
  topic_partition tp;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
};
struct group_outcome {
  std::string group_id;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::string message;
};

// `states`: Kafka state names to keep (ListGroups v4 filter); empty = all. Sorted by group id.
result<std::vector<group_listing>> list_groups(const rk_handle& h, const std::vector<std::string>& states,
                                               int timeout_ms);
// A group the coordinator does not know comes back in state "Dead" with no members (as Kafka).
result<group_description> describe_group(const rk_handle& h, const std::string& group, int timeout_ms);
// Every committed offset of the group (OffsetFetch with all topics).
result<offset_map> committed_offsets(const rk_handle& h, const std::string& group, int timeout_ms);
// Commits `offsets` for the group from outside it (OffsetCommit, generation -1): only accepted
// by the coordinator while the group has no members.
result<std::vector<partition_outcome>> alter_committed_offsets(const rk_handle& h, const std::string& group,
                                                               const offset_map& offsets, int timeout_ms);
result<std::vector<group_outcome>> delete_groups(const rk_handle& h, const std::vector<std::string>& groups,
                                                 int timeout_ms);
result<std::vector<partition_outcome>> delete_committed_offsets(const rk_handle& h, const std::string& group,
                                                                const std::vector<topic_partition>& tps,
                                                                int timeout_ms);

// ListOffsets answer for one partition.
struct listed_offset {
  std::optional<int64_t> offset;  // nullopt: no record at or after the time (or an error)
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
};

// ListOffsets for `tps` at `timestamp`: RD_KAFKA_OFFSET_END (-1) for log end offsets,
// RD_KAFKA_OFFSET_BEGINNING (-2) for log start offsets, or epoch ms for the first offset whose
// timestamp is >= it. Partition errors are in the entries; only a failed request is an error.
result<std::map<topic_partition, listed_offset>> list_offsets(const rk_handle& h,
                                                              const std::vector<topic_partition>& tps,
                                                              int64_t timestamp, int timeout_ms);
// The same, requiring an offset for every partition (errors name the partition): for reset.
result<offset_map> list_offsets_strict(const rk_handle& h, const std::vector<topic_partition>& tps,
                                       int64_t timestamp, int timeout_ms);

// "group 'g' does not exist", "group 'g' is not empty ...": messages for per-group errors.
std::string group_error_message(std::string_view verb, const group_outcome& o);

}  // namespace sluice::cli
