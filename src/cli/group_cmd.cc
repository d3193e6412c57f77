// `sluice group`: consumer-group administration (list, describe with lag, delete, delete
// offsets); options and dispatch. The reset-offsets flow lives in group_reset_cmd.cc.
#include "cli/group_cmd.h"

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <set>

#include "cli/commands.h"
#include "cli/group_requests.h"
#include "cli/group_view.h"
#include "cli/iso_datetime.h"
#include "cli/rk_handle.h"
#include "cli/text_table.h"

namespace sluice::cli {

void configure_group_app(CLI::App& app, group_options& o) {
  app.description(
      "List, describe, reset offsets of and delete consumer groups.\n"
      "  sluice group list [--state Stable,Empty] [--wide]\n"
      "  sluice group describe --group g [--members|--state|--offsets] [--output json]\n"
      "  sluice group reset-offsets --group g --topic t[:0,1] | --all-topics\n"
      "        --to-earliest|--to-latest|--to-offset N|--shift-by N|--to-current\n"
      "        |--to-datetime 2024-01-31T12:00:00.000[Z|+01:00]   [--dry-run (default) | --execute]\n"
      "  sluice group delete --group g [--group g2]\n"
      "  sluice group delete-offsets --group g --topic t[:0,1]\n"
      "kafka-consumer-groups.sh style --list/--describe/--reset-offsets/--delete/--delete-offsets works "
      "too.");
  add_common_options(app, o.common);
  app.add_option("args", o.positionals,
                 "action (list|describe|reset-offsets|delete|delete-offsets), then group ids");
  app.add_flag("--list", o.flag_list, "list groups");
  app.add_flag("--describe", o.flag_describe, "describe groups: state, members, offsets and lag");
  app.add_flag("--reset-offsets", o.flag_reset, "reset the group's committed offsets");
  app.add_flag("--delete", o.flag_delete, "delete groups (they must have no members)");
  app.add_flag("--delete-offsets", o.flag_delete_offsets, "delete committed offsets of topics");
  app.add_option("-g,--group", o.groups, "group id (repeatable)")->allow_extra_args(false);
  app.add_flag("--all-groups", o.all_groups, "describe: every group");
  o.state_option = app.add_option("--state", o.states,
                                  "list: keep groups in these states (comma-separated; without a value: show "
                                  "states); describe: show only the group's state")
                       ->expected(0, 1)
                       ->allow_extra_args(false);
  app.add_flag("-w,--wide", o.wide, "list: show state and type");
  app.add_flag("--members", o.show_members, "describe: show only the members");
  app.add_flag("--offsets", o.show_offsets, "describe: show only the partitions' offsets and lag");
  app.add_option("-t,--topic", o.topics, "reset/delete-offsets: topic, or topic:p1,p2 (repeatable)")
      ->allow_extra_args(false);
  app.add_flag("--all-topics", o.all_topics, "reset: every topic the group has committed offsets for");
  app.add_flag("--to-earliest", o.to_earliest, "reset to the log start offset");
  app.add_flag("--to-latest", o.to_latest, "reset to the log end offset");
  app.add_flag("--to-current", o.to_current, "reset to the committed offset (log end where none)");
  app.add_option("--to-offset", o.to_offset, "reset to this offset (clamped to the log range)");
  app.add_option("--shift-by", o.shift_by, "move the committed offset by N (may be negative; clamped)");
  app.add_option("--to-datetime", o.to_datetime,
                 "reset to the first offset at or after YYYY-MM-DDTHH:mm:SS[.sss][Z|+HH:MM] (local "
                 "time without a zone; log end when no record is that recent)");
  app.add_flag("--dry-run", o.dry_run, "reset: only print the new offsets (the default)");
  app.add_flag("--execute", o.execute, "reset: apply the new offsets");
  app.add_option("--output", o.output, "table or json")->capture_default_str();
  app.add_option("--timeout-ms", o.timeout_ms, "how long to wait for each broker answer")
      ->capture_default_str();
}

namespace {

group_action action_from_word(const std::string& w) {
  if (w == "list" || w == "ls") return group_action::list;
  if (w == "describe") return group_action::describe;
  if (w == "reset-offsets" || w == "reset") return group_action::reset_offsets;
  if (w == "delete" || w == "rm") return group_action::remove;
  if (w == "delete-offsets") return group_action::delete_offsets;
  return group_action::none;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

result<void> resolve_action(group_options& o) {
  int flags = int{o.flag_list} + o.flag_describe + o.flag_reset + o.flag_delete + o.flag_delete_offsets;
  if (flags > 1) {
    return usage_error("give only one of --list, --describe, --reset-offsets, --delete, --delete-offsets");
  }
  std::vector<std::string> rest = o.positionals;
  if (flags == 1) {
    o.action = o.flag_list       ? group_action::list
               : o.flag_describe ? group_action::describe
               : o.flag_reset    ? group_action::reset_offsets
               : o.flag_delete   ? group_action::remove
                                 : group_action::delete_offsets;
    if (!rest.empty() && action_from_word(rest.front()) == o.action) rest.erase(rest.begin());
  } else {
    if (rest.empty())
      return usage_error("missing action: list, describe, reset-offsets, delete or delete-offsets");
    o.action = action_from_word(rest.front());
    if (o.action == group_action::none) {
      return usage_error(fmt::format(
          "unknown action '{}': use list, describe, reset-offsets, delete or delete-offsets", rest.front()));
    }
    rest.erase(rest.begin());
  }
  for (auto& g : rest) o.groups.push_back(std::move(g));
  return {};
}

result<void> resolve_reset_mode(group_options& o) {
  int modes = int{o.to_earliest} + o.to_latest + o.to_current + !o.to_offset.empty() + !o.shift_by.empty() +
              !o.to_datetime.empty();
  bool resets = o.action == group_action::reset_offsets;
  if (!resets) {
    if (modes > 0 || o.dry_run || o.execute || o.all_topics) {
      return usage_error(
          "--to-*, --shift-by, --all-topics, --dry-run and --execute only apply to reset-offsets");
    }
    return {};
  }
  if (modes != 1) {
    return usage_error(
        "reset-offsets needs exactly one of --to-earliest, --to-latest, --to-offset, --shift-by, "
        "--to-datetime, "
        "--to-current");
  }
  if (o.dry_run && o.execute) return usage_error("give either --dry-run or --execute, not both");
  if (o.all_topics == !o.topics.empty())
    return usage_error("reset-offsets needs either --topic or --all-topics");
  if (o.groups.size() != 1) return usage_error("reset-offsets takes exactly one --group");
  if (o.to_earliest) o.spec = {reset_mode::to_earliest, 0};
  if (o.to_latest) o.spec = {reset_mode::to_latest, 0};
  if (o.to_current) o.spec = {reset_mode::to_current, 0};
  if (!o.to_offset.empty()) {
    auto v = parse_int("--to-offset", o.to_offset);
    if (!v) return v.err();
    if (*v < 0) return usage_error("--to-offset must be >= 0");
    o.spec = {reset_mode::to_offset, *v};
  }
  if (!o.shift_by.empty()) {
    auto v = parse_int("--shift-by", o.shift_by);
    if (!v) return v.err();
    o.spec = {reset_mode::shift_by, *v};
  }
  if (!o.to_datetime.empty()) {
    auto t = parse_iso_datetime(o.to_datetime);
    if (!t) return t.err();
    o.spec = {reset_mode::to_datetime, *t};
  }
  return {};
}

}  // namespace

result<void> finalize_group_options(group_options& o) {
  if (auto r = resolve_action(o); !r) return r;
  for (const auto& g : o.groups) {
    if (g.empty()) return usage_error("group id must not be empty");
  }
  if (o.output == "json") {
    o.out = output_kind::json;
  } else if (o.output == "table") {
    o.out = output_kind::table;
  } else {
    return usage_error(fmt::format("--output must be table or json, got '{}'", o.output));
  }
  if (o.timeout_ms <= 0) return usage_error("--timeout-ms must be > 0");
  const bool state_given = o.state_option != nullptr && o.state_option->count() > 0;
  const bool list = o.action == group_action::list, describe = o.action == group_action::describe;
  // "--state Stable,Empty" and "--state Stable --state Empty" both work (commas split here: a
  // CLI11 delimiter would count each piece against the option's one-value limit).
  std::vector<std::string> states;
  for (const auto& s : o.states) {
    for (const auto& one : split_list(s)) states.push_back(one);
  }
  o.states = std::move(states);
  if (list) {
    if (!o.groups.empty()) return usage_error("list takes no group; use describe");
    if (state_given) o.wide = true;  // kafka-consumer-groups.sh --list --state shows the states
  } else {
    if (o.wide) return usage_error("--wide only applies to list");
    if (state_given && (!describe || !o.states.empty())) {
      return usage_error("--state S only applies to list; describe takes --state without a value");
    }
  }
  if (describe) {
    o.show_state = state_given;
    if (int{o.show_members} + o.show_state + o.show_offsets > 1) {
      return usage_error("give only one of --members, --state, --offsets");
    }
    if (o.all_groups && !o.groups.empty()) return usage_error("give either --group or --all-groups");
    if (!o.all_groups && o.groups.empty()) return usage_error("describe needs --group or --all-groups");
  } else {
    if (o.show_members || o.show_offsets)
      return usage_error("--members and --offsets only apply to describe");
    if (o.all_groups) return usage_error("--all-groups only applies to describe");
  }
  if ((o.action == group_action::remove) && o.groups.empty()) return usage_error("delete needs --group");
  if (o.action == group_action::remove && !o.topics.empty()) {
    return usage_error("delete removes whole groups; use delete-offsets --topic to remove a topic's offsets");
  }
  if (o.action == group_action::delete_offsets) {
    if (o.groups.size() != 1) return usage_error("delete-offsets takes exactly one --group");
    if (o.topics.empty()) return usage_error("delete-offsets needs --topic");
  }
  if ((list || describe) && !o.topics.empty())
    return usage_error("--topic only applies to reset-offsets and delete-offsets");
  if (auto r = resolve_reset_mode(o); !r) return r;
  for (const auto& t : o.topics) {
    auto sel = parse_topic_selection(t);
    if (!sel) return sel.err();
    o.selections.push_back(std::move(*sel));
  }
  return {};
}

namespace {

int connect_timeout(const group_options& o) { return std::min(o.timeout_ms, default_connect_timeout_ms); }

int do_list(const group_options& o, const rk_handle& h) {
  auto groups = list_groups(h, o.states, o.timeout_ms);
  if (!groups) return report_error(groups.err());
  std::fputs(o.out == output_kind::json ? group_list_json(*groups).c_str()
                                        : render_group_list(*groups, o.wide).c_str(),
             stdout);
  return exit_ok;
}

// Describes one group; `first` separates groups by a blank line in table output.
int describe_one(const group_options& o, const rk_handle& h, const std::string& group, bool first) {
  auto g = describe_group(h, group, o.timeout_ms);
  if (!g) return report_error(g.err());
  auto committed = committed_offsets(h, group, o.timeout_ms);
  if (!committed) return report_error(committed.err());
  if (g->state == "Dead" && g->members.empty() && committed->empty()) {
    return report_error(runtime_error(fmt::format("group '{}' does not exist", group), errc::not_found));
  }
  std::set<topic_partition> tps;
  for (const auto& m : g->members) tps.insert(m.assignment.begin(), m.assignment.end());
  for (const auto& [tp, off] : *committed) tps.insert(tp);
  offset_map ends;
  if (!tps.empty()) {
    auto listed = list_offsets(h, {tps.begin(), tps.end()}, RD_KAFKA_OFFSET_END, o.timeout_ms);
    if (!listed) return report_error(listed.err());
    for (const auto& [tp, lo] : *listed) {
      if (lo.offset) {
        ends[tp] = *lo.offset;
      } else {
        // e.g. a deleted topic the group still has offsets for: show '-' but say why.
        fmt::print(stderr, "sluice: warning: no log end offset for {}-{}: {}\n", tp.topic, tp.partition,
                   describe_err(lo.err));
      }
    }
  }
  auto rows = build_partition_rows(*g, *committed, ends);
  if (o.out == output_kind::json) {
    std::fputs(group_describe_json(*g, rows).c_str(), stdout);
    return exit_ok;
  }
  const bool all = !o.show_members && !o.show_state && !o.show_offsets;
  std::string text = first ? "" : "\n";
  if (all || o.show_state) text += render_group_state(*g);
  if (all || o.show_members) {
    if (all) text += "\n";
    text += g->members.empty() ? fmt::format("Consumer group '{}' has no active members.\n", group)
                               : render_group_members(*g);
  }
  if (all || o.show_offsets) {
    if (all) text += "\n";
    text += rows.empty()
                ? fmt::format("Consumer group '{}' has no committed offsets or assigned partitions.\n", group)
                : render_group_offsets(group, rows);
  }
  std::fputs(text.c_str(), stdout);
  return exit_ok;
}

int do_describe(const group_options& o, const rk_handle& h) {
  std::vector<std::string> groups = o.groups;
  if (o.all_groups) {
    auto listed = list_groups(h, {}, o.timeout_ms);
    if (!listed) return report_error(listed.err());
    for (const auto& g : *listed) groups.push_back(g.group_id);
  }
  int rc = exit_ok;
  bool first = true;
  for (const auto& g : groups) {
    if (int r = describe_one(o, h, g, first); r != exit_ok) {
      rc = r;
    } else {
      first = false;
    }
  }
  return rc;
}

int do_delete(const group_options& o, const rk_handle& h) {
  auto res = delete_groups(h, o.groups, o.timeout_ms);
  if (!res) return report_error(res.err());
  int rc = exit_ok;
  for (const auto& r : *res) {
    if (r.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      fmt::print("Deleted consumer group '{}'.\n", r.group_id);
    } else {
      rc = report_error(runtime_error(group_error_message("delete", r)));
    }
  }
  return rc;
}

int do_delete_offsets(const group_options& o, const rk_handle& h) {
  const std::string& group = o.groups.front();
  std::vector<topic_partition> tps;
  std::optional<offset_map> committed;
  for (const auto& sel : o.selections) {
    if (!sel.partitions.empty()) {
      for (int32_t p : sel.partitions) tps.push_back({sel.topic, p});
      continue;
    }
    // Whole topic: its partitions from Metadata, or (topic already deleted) the partitions the
    // group still has offsets for.
    auto md = fetch_metadata(h, sel.topic, connect_timeout(o));
    const rd_kafka_metadata_topic_t* t = md ? find_topic(**md, sel.topic) : nullptr;
    if (t != nullptr && t->err == RD_KAFKA_RESP_ERR_NO_ERROR && t->partition_cnt > 0) {
      for (int i = 0; i < t->partition_cnt; ++i) tps.push_back({sel.topic, t->partitions[i].id});
      continue;
    }
    if (!committed) {
      auto c = committed_offsets(h, group, o.timeout_ms);
      if (!c) return report_error(c.err());
      committed = std::move(*c);
    }
    size_t before = tps.size();
    for (const auto& [tp, off] : *committed) {
      if (tp.topic == sel.topic) tps.push_back(tp);
    }
    if (tps.size() == before) {
      return report_error(runtime_error(
          fmt::format("topic '{}' does not exist and group '{}' has no offsets for it", sel.topic, group)));
    }
  }
  std::sort(tps.begin(), tps.end());
  auto res = delete_committed_offsets(h, group, tps, o.timeout_ms);
  if (!res) return report_error(res.err());
  int rc = exit_ok;
  std::vector<table_row> rows;
  for (const auto& r : *res) {
    bool ok = r.err == RD_KAFKA_RESP_ERR_NO_ERROR;
    if (!ok) rc = exit_failure;
    rows.push_back(
        {r.tp.topic, fmt::format("{}", r.tp.partition), ok ? "Successful" : rd_kafka_err2name(r.err)});
  }
  std::fputs(render_table({"TOPIC", "PARTITION", "STATUS"}, rows).c_str(), stdout);
  if (rc != exit_ok) {
    std::fflush(stdout);
    fmt::print(
        stderr,
        "sluice: some offsets of group '{}' were not deleted (GROUP_SUBSCRIBED_TO_TOPIC: a member still "
        "consumes the topic)\n",
        group);
  }
  return rc;
}

}  // namespace

int run_group(const group_options& o) {
  conf_builder cb(o.common);
  // ListOffsets for lag must see every appended record, as Kafka's tool does.
  cb.set("isolation.level", "read_uncommitted");
  auto h = cb.build(RD_KAFKA_CONSUMER);
  if (!h) return report_error(h.err());
  auto md = fetch_metadata(*h, "", connect_timeout(o));
  if (!md) return report_error(md.err());
  switch (o.action) {
    case group_action::list:
      return do_list(o, *h);
    case group_action::describe:
      return do_describe(o, *h);
    case group_action::reset_offsets:
      return run_group_reset(o, *h);
    case group_action::remove:
      return do_delete(o, *h);
    case group_action::delete_offsets:
      return do_delete_offsets(o, *h);
    case group_action::none:
      break;
  }
  return report_error(usage_error("missing action"));
}

int group_main(int argc, const char* const* argv) {
  CLI::App app{"", "sluice group"};
  group_options o;
  configure_group_app(app, o);
  if (auto code = parse_args(app, argc, argv)) return *code;
  if (auto r = finalize_group_options(o); !r) return report_error(r.err());
  return run_group(o);
}

}  // namespace sluice::cli
