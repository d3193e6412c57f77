// Reset-offsets plan: pure arithmetic over partition ranges, no broker access.
#include "cli/offset_reset_plan.h"

#include <fmt/core.h>

#include <algorithm>

#include "cli/common.h"

namespace sluice::cli {

result<topic_selection> parse_topic_selection(std::string_view text) {
  topic_selection sel;
  auto colon = text.rfind(':');
  sel.topic = std::string(text.substr(0, colon));
  if (sel.topic.empty()) return usage_error(fmt::format("--topic '{}': missing topic name", text));
  if (colon == std::string_view::npos) return sel;
  std::string_view rest = text.substr(colon + 1);
  if (rest.empty()) return usage_error(fmt::format("--topic '{}': missing partitions after ':'", text));
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view one = rest.substr(0, comma);
    auto p = parse_int(fmt::format("--topic '{}' partition", text), one);
    if (!p) return p.err();
    if (*p < 0 || *p > INT32_MAX) return usage_error(fmt::format("--topic '{}': bad partition {}", text, *p));
    sel.partitions.push_back(static_cast<int32_t>(*p));
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
    if (rest.empty()) return usage_error(fmt::format("--topic '{}': trailing ','", text));
  }
  std::sort(sel.partitions.begin(), sel.partitions.end());
  sel.partitions.erase(std::unique(sel.partitions.begin(), sel.partitions.end()), sel.partitions.end());
  return sel;
}

int64_t clamp_offset(int64_t offset, int64_t log_start, int64_t log_end) {
  return std::clamp(offset, log_start, std::max(log_start, log_end));
}

result<std::vector<planned_offset>> compute_reset_plan(const reset_spec& spec,
                                                       const std::vector<partition_state>& partitions) {
  std::vector<planned_offset> out;
  out.reserve(partitions.size());
  for (const auto& p : partitions) {
    int64_t wanted = 0;
    switch (spec.mode) {
      case reset_mode::to_earliest:
        wanted = p.log_start;
        break;
      case reset_mode::to_latest:
        wanted = p.log_end;
        break;
      case reset_mode::to_offset:
        wanted = spec.value;
        break;
      case reset_mode::to_datetime:
        wanted = p.offset_for_time.value_or(p.log_end);
        break;
      case reset_mode::to_current:
        wanted = p.committed.value_or(p.log_end);
        break;
      case reset_mode::shift_by:
        if (!p.committed) {
          return runtime_error(fmt::format(
              "cannot shift partition {}-{}: the group has no committed offset for it (use --to-offset, "
              "--to-earliest or --to-latest there)",
              p.tp.topic, p.tp.partition));
        }
        // Saturate instead of overflowing on absurd shifts; the clamp below does the rest.
        if (spec.value > 0 && *p.committed > INT64_MAX - spec.value) {
          wanted = INT64_MAX;
        } else if (spec.value < 0 && *p.committed < INT64_MIN - spec.value) {
          wanted = INT64_MIN;
        } else {
          wanted = *p.committed + spec.value;
        }
        break;
    }
    planned_offset po{p.tp, clamp_offset(wanted, p.log_start, p.log_end), std::nullopt};
    if (po.new_offset != wanted) po.clamped_from = wanted;
    out.push_back(std::move(po));
  }
  return out;
}

std::string_view to_string(reset_mode m) {
  switch (m) {
    case reset_mode::to_earliest:
      return "to-earliest";
    case reset_mode::to_latest:
      return "to-latest";
    case reset_mode::to_offset:
      return "to-offset";
    case reset_mode::to_datetime:
      return "to-datetime";
    case reset_mode::shift_by:
      return "shift-by";
    case reset_mode::to_current:
      return "to-current";
  }
  return "?";
}

}  // namespace sluice::cli
