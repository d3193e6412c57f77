// Rendering of group listings, descriptions and reset plans as aligned tables or JSON.
#include "cli/group_view.h"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

#include "cli/text_table.h"

namespace sluice::cli {

namespace {

std::string dash_if_empty(const std::string& s) { return s.empty() ? "-" : s; }

std::string opt_num(const std::optional<int64_t>& v) { return v ? fmt::format("{}", *v) : "-"; }

nlohmann::json opt_json(const std::optional<int64_t>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

}  // namespace

std::vector<partition_row> build_partition_rows(const group_description& g, const offset_map& committed,
                                                const offset_map& log_end) {
  std::map<topic_partition, partition_row> rows;
  for (const auto& m : g.members) {
    for (const auto& tp : m.assignment) {
      auto& r = rows[tp];
      r.tp = tp;
      r.consumer_id = m.member_id;
      r.host = m.host;
      r.client_id = m.client_id;
    }
  }
  for (const auto& [tp, off] : committed) {
    auto& r = rows[tp];
    r.tp = tp;
    // A negative stored offset (-1) means "nothing committed" in OffsetFetch.
    if (off >= 0) r.committed = off;
  }
  std::vector<partition_row> out;
  out.reserve(rows.size());
  for (auto& [tp, r] : rows) {
    if (auto it = log_end.find(tp); it != log_end.end() && it->second >= 0) r.log_end = it->second;
    if (r.committed && r.log_end) r.lag = *r.log_end - *r.committed;
    out.push_back(std::move(r));
  }
  return out;
}

std::string render_group_list(const std::vector<group_listing>& groups, bool wide) {
  if (!wide) {
    std::string out;
    for (const auto& g : groups) out += g.group_id + "\n";
    return out;
  }
  std::vector<table_row> rows;
  for (const auto& g : groups) rows.push_back({g.group_id, g.state, g.simple ? "simple" : "consumer"});
  return render_table({"GROUP", "STATE", "TYPE"}, rows);
}

std::string group_list_json(const std::vector<group_listing>& groups) {
  auto arr = nlohmann::json::array();
  for (const auto& g : groups) {
    arr.push_back({{"group", g.group_id}, {"state", g.state}, {"type", g.simple ? "simple" : "consumer"}});
  }
  return arr.dump(2) + "\n";
}

std::string render_group_state(const group_description& g) {
  std::string coord = g.coordinator_id < 0 ? "-"
                                           : fmt::format("{}:{} ({})", g.coordinator_host, g.coordinator_port,
                                                         g.coordinator_id);
  return render_table({"GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE", "TYPE", "#MEMBERS"},
                      {{g.group_id, coord, dash_if_empty(g.assignor), g.state,
                        g.simple ? "simple" : "consumer", fmt::format("{}", g.members.size())}});
}

std::string format_assignment(const std::vector<topic_partition>& tps) {
  std::map<std::string, std::vector<int32_t>> by_topic;
  for (const auto& tp : tps) by_topic[tp.topic].push_back(tp.partition);
  std::string out;
  for (auto& [t, ps] : by_topic) {
    std::sort(ps.begin(), ps.end());
    if (!out.empty()) out += ';';
    out += t + ':';
    for (size_t i = 0; i < ps.size(); ++i) out += fmt::format("{}{}", i ? "," : "", ps[i]);
  }
  return out;
}

std::string render_group_members(const group_description& g) {
  std::vector<const group_member*> ms;
  for (const auto& m : g.members) ms.push_back(&m);
  std::sort(ms.begin(), ms.end(), [](auto* a, auto* b) { return a->member_id < b->member_id; });
  std::vector<table_row> rows;
  for (const auto* m : ms) {
    rows.push_back({g.group_id, m->member_id, m->group_instance_id.value_or("-"), dash_if_empty(m->client_id),
                    dash_if_empty(m->host), fmt::format("{}", m->assignment.size()),
                    dash_if_empty(format_assignment(m->assignment))});
  }
  return render_table(
      {"GROUP", "CONSUMER-ID", "GROUP-INSTANCE-ID", "CLIENT-ID", "HOST", "#PARTITIONS", "ASSIGNMENT"}, rows);
}

std::string render_group_offsets(const std::string& group_id, const std::vector<partition_row>& rows) {
  std::vector<table_row> out;
  for (const auto& r : rows) {
    out.push_back({group_id, r.tp.topic, fmt::format("{}", r.tp.partition), opt_num(r.committed),
                   opt_num(r.log_end), opt_num(r.lag), dash_if_empty(r.consumer_id), dash_if_empty(r.host),
                   dash_if_empty(r.client_id)});
  }
  return render_table({"GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG",
                       "CONSUMER-ID", "HOST", "CLIENT-ID"},
                      out);
}

std::string group_describe_json(const group_description& g, const std::vector<partition_row>& rows) {
  nlohmann::json j;
  j["group"] = g.group_id;
  j["state"] = g.state;
  j["type"] = g.simple ? "simple" : "consumer";
  j["assignor"] = g.assignor;
  j["coordinator"] = g.coordinator_id < 0 ? nlohmann::json()
                                          : nlohmann::json{{"id", g.coordinator_id},
                                                           {"host", g.coordinator_host},
                                                           {"port", g.coordinator_port}};
  auto members = nlohmann::json::array();
  for (const auto& m : g.members) {
    auto parts = nlohmann::json::array();
    for (const auto& tp : m.assignment) parts.push_back({{"topic", tp.topic}, {"partition", tp.partition}});
    members.push_back(
        {{"member_id", m.member_id},
         {"group_instance_id", m.group_instance_id ? nlohmann::json(*m.group_instance_id) : nlohmann::json()},
         {"client_id", m.client_id},
         {"host", m.host},
         {"assignment", parts}});
  }
  j["members"] = members;
  auto offsets = nlohmann::json::array();
  for (const auto& r : rows) {
    offsets.push_back(
        {{"topic", r.tp.topic},
         {"partition", r.tp.partition},
         {"current_offset", opt_json(r.committed)},
         {"log_end_offset", opt_json(r.log_end)},
         {"lag", opt_json(r.lag)},
         {"consumer_id", r.consumer_id.empty() ? nlohmann::json() : nlohmann::json(r.consumer_id)},
         {"host", r.host.empty() ? nlohmann::json() : nlohmann::json(r.host)},
         {"client_id", r.client_id.empty() ? nlohmann::json() : nlohmann::json(r.client_id)}});
  }
  j["offsets"] = offsets;
  return j.dump(2) + "\n";
}

std::string render_reset_plan(const std::string& group_id, const std::vector<planned_offset>& plan) {
  std::vector<table_row> rows;
  for (const auto& p : plan) {
    rows.push_back(
        {group_id, p.tp.topic, fmt::format("{}", p.tp.partition), fmt::format("{}", p.new_offset)});
  }
  return render_table({"GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"}, rows);
}

std::string reset_plan_json(const std::string& group_id, const std::vector<planned_offset>& plan,
                            bool executed) {
  auto arr = nlohmann::json::array();
  for (const auto& p : plan) {
    arr.push_back({{"topic", p.tp.topic}, {"partition", p.tp.partition}, {"new_offset", p.new_offset}});
  }
  nlohmann::json j{{"group", group_id}, {"executed", executed}, {"offsets", arr}};
  return j.dump(2) + "\n";
}

}  // namespace sluice::cli
