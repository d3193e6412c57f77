// What `sluice group list|describe|reset-offsets` print: the per-partition lag rows of describe
// (kafka-consumer-groups.sh --describe columns) and their text-table and JSON renderings. Pure
// functions of group_model data.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/group_model.h"
#include "cli/offset_reset_plan.h"

namespace sluice::cli {

// One line of `describe`: a partition the group is assigned or has an offset committed for.
struct partition_row {
  topic_partition tp;
  std::optional<int64_t> committed;          // nullopt: nothing committed ('-')
  std::optional<int64_t> log_end;            // nullopt: could not be read ('-')
  std::optional<int64_t> lag;                // log_end - committed when both are known
  std::string consumer_id, host, client_id;  // of the member assigned the partition; "" when none
};

// Union of the members' assignments and the committed offsets, sorted by topic and partition.
std::vector<partition_row> build_partition_rows(const group_description& g, const offset_map& committed,
                                                const offset_map& log_end);

std::string render_group_list(const std::vector<group_listing>& groups, bool wide);
std::string group_list_json(const std::vector<group_listing>& groups);

// "GROUP  COORDINATOR (ID)  ASSIGNMENT-STRATEGY  STATE  #MEMBERS" block.
std::string render_group_state(const group_description& g);
// One line per member: id, instance id, client id, host, partition count and assignment.
std::string render_group_members(const group_description& g);
// GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID.
std::string render_group_offsets(const std::string& group_id, const std::vector<partition_row>& rows);
std::string group_describe_json(const group_description& g, const std::vector<partition_row>& rows);

// GROUP TOPIC PARTITION NEW-OFFSET.
std::string render_reset_plan(const std::string& group_id, const std::vector<planned_offset>& plan);
std::string reset_plan_json(const std::string& group_id, const std::vector<planned_offset>& plan,
                            bool executed);

// "t:0,1,2;u:0" grouping of a partition list, for the members table.
std::string format_assignment(const std::vector<topic_partition>& tps);

}  // namespace sluice::cli
