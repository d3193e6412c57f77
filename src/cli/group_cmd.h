// `sluice group list|describe|reset-offsets|delete|delete-offsets` (also kafka-consumer-groups.sh
// style --list, --describe, --reset-offsets, --delete, --delete-offsets).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "cli/common.h"
#include "cli/offset_reset_plan.h"

namespace CLI {
class Option;
}

namespace sluice::cli {

class rk_handle;

enum class group_action { none, list, describe, reset_offsets, remove, delete_offsets };
enum class output_kind { table, json };

struct group_options {
  common_options common;
  group_action action = group_action::none;
  std::vector<std::string> groups;  // --group (repeatable) or positional names
  bool all_groups = false;          // describe --all-groups
  std::vector<std::string> states;  // list: --state filter
  bool wide = false;                // list: GROUP STATE TYPE table
  bool show_members = false, show_state = false, show_offsets = false;  // describe sections
  std::vector<std::string> topics;                                      // --topic t or t:0,1 (repeatable)
  bool all_topics = false;
  bool to_earliest = false, to_latest = false, to_current = false;
  std::string to_offset, shift_by;  // integers, parsed by finalize ("" = not given)
  std::string to_datetime;
  bool dry_run = false, execute = false;
  std::string output = "table";
  int timeout_ms = 30'000;

  // Raw parse state, resolved by finalize_group_options.
  std::vector<std::string> positionals;
  bool flag_list = false, flag_describe = false, flag_reset = false, flag_delete = false,
       flag_delete_offsets = false;
  CLI::Option* state_option = nullptr;  // --state may come without a value (list: show states)

  // Resolved.
  output_kind out = output_kind::table;
  reset_spec spec;
  std::vector<topic_selection> selections;
};

void configure_group_app(CLI::App& app, group_options& o);
// Resolves the action and checks that the flags fit it. Usage errors are errc::invalid_argument.
result<void> finalize_group_options(group_options& o);
int run_group(const group_options& o);

// The reset-offsets flow (group_reset_cmd.cc).
int run_group_reset(const group_options& o, const rk_handle& h);

}  // namespace sluice::cli
