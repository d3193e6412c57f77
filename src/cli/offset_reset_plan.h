// `group reset-offsets`: which partitions to reset (--topic T:0,1 / --all-topics) and the pure
// computation of each new offset from the partition's log range and committed offset, with
// kafka-consumer-groups.sh's rules (clamping, fallbacks).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "cli/group_model.h"

namespace sluice::cli {

enum class reset_mode { to_earliest, to_latest, to_offset, to_datetime, shift_by, to_current };

struct reset_spec {
  reset_mode mode = reset_mode::to_current;
  int64_t value = 0;  // to_offset: the offset; shift_by: the delta; to_datetime: epoch ms
};

// "--topic" argument: "t" (every partition) or "t:0,2,5".
struct topic_selection {
  std::string topic;
  std::vector<int32_t> partitions;  // empty = all
};
result<topic_selection> parse_topic_selection(std::string_view text);

// What the broker told us about one partition to reset.
struct partition_state {
  topic_partition tp;
  int64_t log_start = 0;
  int64_t log_end = 0;
  std::optional<int64_t> committed;
  // --to-datetime: the first offset whose timestamp is >= the time; nullopt when there is none.
  std::optional<int64_t> offset_for_time;
};

struct planned_offset {
  topic_partition tp;
  int64_t new_offset = 0;
  // Set when the requested offset was outside [log_start, log_end] and was moved to the edge:
  // the offset asked for, so the caller can warn.
  std::optional<int64_t> clamped_from;
};

// Moves an offset into [log_start, log_end]: below the start means "from the oldest record",
// above the end means "after the newest", as Kafka's tool does.
int64_t clamp_offset(int64_t offset, int64_t log_start, int64_t log_end);

// New offsets, in the order of `partitions`. --shift-by needs a committed offset on every
// partition (error naming the first one without); --to-current keeps committed offsets and
// sends partitions without one to the log end; --to-datetime falls back to the log end when no
// record is that recent.
result<std::vector<planned_offset>> compute_reset_plan(const reset_spec& spec,
                                                       const std::vector<partition_state>& partitions);

std::string_view to_string(reset_mode m);

}  // namespace sluice::cli
