// `sluice cluster`: brokers and cluster health from Metadata (+ DescribeConfigs for racks), and the
// ElectLeaders / partition reassignment calls, which librdkafka 2.0.2 cannot send.
#include "cli/cluster_cmd.h"

#include <fmt/core.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <string_view>

#include "cli/admin.h"
#include "cli/commands.h"
#include "cli/rk_handle.h"
#include "cli/text_table.h"

namespace sluice::cli {

partition_health partition_health_of(const rd_kafka_metadata_t& md, const rd_kafka_metadata_partition_t& p) {
  partition_health h;
  bool leader_live = false;
  for (int i = 0; i < md.broker_cnt && p.leader >= 0; ++i) leader_live |= md.brokers[i].id == p.leader;
  h.unavailable = !leader_live;
  h.under_replicated = p.isr_cnt < p.replica_cnt;
  return h;
}

cluster_summary summarize(const rd_kafka_metadata_t& md) {
  cluster_summary s;
  s.brokers = md.broker_cnt;
  for (int i = 0; i < md.topic_cnt; ++i) {
    const auto& t = md.topics[i];
    if (t.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) continue;
    ++s.topics;
    if (std::string_view(t.topic).rfind("__", 0) == 0) ++s.internal_topics;
    for (int j = 0; j < t.partition_cnt; ++j) {
      ++s.partitions;
      auto h = partition_health_of(md, t.partitions[j]);
      s.offline += h.unavailable;
      s.under_replicated += h.under_replicated;
    }
  }
  return s;
}

void configure_cluster_app(CLI::App& app, cluster_options& o) {
  app.description(
      "Show the cluster's brokers and health. elect-leaders and reassign check their flags, then\n"
      "fail (exit 2): librdkafka 2.0.2 has no admin call for those APIs.\n"
      "  sluice cluster brokers [--output json]\n"
      "  sluice cluster describe [--output json]\n"
      "  sluice cluster elect-leaders [--topic t [--partition p]] [--election-type preferred|unclean]\n"
      "  sluice cluster reassign --topic t --partition p --replicas 1,2,3 | --list | --cancel --topic t "
      "--partition p");
  add_common_options(app, o.common);
  app.add_option("action", o.positionals, "brokers | describe | elect-leaders | reassign");
  app.add_option("--output", o.output, "brokers/describe: table or json")->capture_default_str();
  app.add_option("--timeout-ms", o.timeout_ms, "how long to wait for the broker")->capture_default_str();
  app.add_option("-t,--topic", o.topic, "elect-leaders/reassign: topic");
  app.add_option("--partition", o.partition, "elect-leaders/reassign: partition");
  app.add_option("--election-type", o.election_type, "elect-leaders: preferred or unclean")
      ->capture_default_str();
  app.add_flag("--all-topic-partitions", o.all_topic_partitions,
               "elect-leaders: every partition (the default)");
  app.add_option("--replicas", o.replicas, "reassign: the new replica list, e.g. 1,2,3 (first = preferred)");
  app.add_flag("--list", o.list, "reassign: list reassignments in progress");
  app.add_flag("--cancel", o.cancel, "reassign: cancel the partition's reassignment");
}

namespace {

cluster_action action_from_word(std::string_view w) {
  if (w == "brokers") return cluster_action::brokers;
  if (w == "describe") return cluster_action::describe;
  if (w == "elect-leaders") return cluster_action::elect_leaders;
  if (w == "reassign") return cluster_action::reassign;
  return cluster_action::none;
}

result<std::vector<int>> parse_replica_list(std::string_view text) {
  std::vector<int> ids;
  std::set<int> seen;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string_view item = text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    auto v = parse_int("--replicas", item);
    if (!v) return v.err();
    if (*v < 0 || *v > INT32_MAX) return usage_error(fmt::format("--replicas: bad broker id '{}'", item));
    if (!seen.insert(static_cast<int>(*v)).second) {
      return usage_error(fmt::format("--replicas: broker {} is listed twice", *v));
    }
    ids.push_back(static_cast<int>(*v));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return ids;
}

}  // namespace

result<void> finalize_cluster_options(cluster_options& o) {
  if (o.positionals.empty())
    return usage_error("missing action: brokers, describe, elect-leaders or reassign");
  if (o.positionals.size() > 1) return usage_error(fmt::format("unexpected argument '{}'", o.positionals[1]));
  o.action = action_from_word(o.positionals.front());
  if (o.action == cluster_action::none) {
    return usage_error(fmt::format("unknown action '{}': use brokers, describe, elect-leaders or reassign",
                                   o.positionals.front()));
  }
  if (o.timeout_ms <= 0) return usage_error("--timeout-ms must be > 0");
  if (o.output != "table" && o.output != "json") {
    return usage_error(fmt::format("--output must be table or json, got '{}'", o.output));
  }
  if (o.partition && *o.partition < 0) return usage_error("--partition must be >= 0");
  if (o.partition && o.topic.empty()) return usage_error("--partition needs --topic");
  bool shows = o.action == cluster_action::brokers || o.action == cluster_action::describe;
  bool elects = o.action == cluster_action::elect_leaders;
  bool reassigns = o.action == cluster_action::reassign;
  if (shows && (!o.topic.empty() || o.partition)) return usage_error("--topic/--partition do not apply here");
  if (!elects && (o.all_topic_partitions || o.election_type != "preferred")) {
    return usage_error("--election-type and --all-topic-partitions only apply to elect-leaders");
  }
  if (!reassigns && (!o.replicas.empty() || o.list || o.cancel)) {
    return usage_error("--replicas, --list and --cancel only apply to reassign");
  }
  if (elects) {
    if (o.election_type != "preferred" && o.election_type != "unclean") {
      return usage_error(
          fmt::format("--election-type must be preferred or unclean, got '{}'", o.election_type));
    }
    if (o.all_topic_partitions && !o.topic.empty()) {
      return usage_error("give either --all-topic-partitions or --topic");
    }
  }
  if (reassigns) {
    int modes = int{!o.replicas.empty()} + o.list + o.cancel;
    if (modes != 1) return usage_error("reassign needs exactly one of --replicas, --list, --cancel");
    if (o.list) {
      o.mode = reassign_mode::list;
      if (o.partition) return usage_error("reassign --list takes at most --topic");
    } else {
      o.mode = o.cancel ? reassign_mode::cancel : reassign_mode::execute;
      if (o.topic.empty() || !o.partition) return usage_error("reassign needs --topic and --partition");
      if (!o.replicas.empty()) {
        auto ids = parse_replica_list(o.replicas);
        if (!ids) return ids.err();
        o.replica_ids = std::move(*ids);
      }
    }
  }
  return {};
}

namespace {

int connect_timeout(const cluster_options& o) { return std::min(o.timeout_ms, default_connect_timeout_ms); }

constexpr int rack_timeout_ms = 5'000;

struct broker_row {
  int id = -1;
  std::string host;
  int port = 0;
  std::optional<std::string> rack;  // nullopt: no broker.rack
  bool rack_known = true;           // false: DescribeConfigs failed
  bool controller = false;
};

// broker.rack of one broker through DescribeConfigs on its broker resource (librdkafka 2.0.2's
// Metadata does not expose racks). nullopt inside the result: the broker has no rack.
result<std::optional<std::string>> broker_rack(const rk_handle& h, int id, int timeout_ms) {
  auto r = describe_configs(h, RD_KAFKA_RESOURCE_BROKER, {std::to_string(id)}, timeout_ms);
  if (!r) return r.err();
  if (r->size() != 1) return runtime_error("DescribeConfigs returned no result");
  const auto& res = r->front();
  if (res.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return runtime_error(res.message.empty() ? describe_err(res.err) : res.message);
  }
  for (const auto& e : res.entries) {
    if (e.name == "broker.rack") {
      if (!e.value || e.value->empty()) return std::optional<std::string>{};
      return std::optional<std::string>{*e.value};
    }
  }
  return std::optional<std::string>{};
}

int32_t controller_of(const rk_handle& h, int timeout_ms) {
  return rd_kafka_controllerid(h.get(), timeout_ms);
}

std::string cluster_id_of(const rk_handle& h, int timeout_ms) {
  char* id = rd_kafka_clusterid(h.get(), timeout_ms);
  if (id == nullptr) return "";
  std::string s(id);
  rd_kafka_mem_free(h.get(), id);
  return s;
}

int do_brokers(const cluster_options& o, const rk_handle& h, const rd_kafka_metadata_t& md) {
  int32_t controller = controller_of(h, connect_timeout(o));
  std::vector<broker_row> rows;
  for (int i = 0; i < md.broker_cnt; ++i) {
    broker_row r{
        md.brokers[i].id, md.brokers[i].host, md.brokers[i].port, {}, true, md.brokers[i].id == controller};
    // A broker that just died stays in Metadata until its session expires: do not wait long on it.
    auto rack = broker_rack(h, r.id, std::min(o.timeout_ms, rack_timeout_ms));
    if (rack) {
      r.rack = *rack;
    } else {
      r.rack_known = false;
      fmt::print(stderr, "sluice: warning: cannot read broker.rack of broker {}: {}\n", r.id,
                 rack.err().message);
    }
    rows.push_back(std::move(r));
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  if (o.output == "json") {
    auto arr = nlohmann::json::array();
    for (const auto& r : rows) {
      nlohmann::json j{{"id", r.id}, {"host", r.host}, {"port", r.port}, {"controller", r.controller}};
      j["rack"] = r.rack ? nlohmann::json(*r.rack) : nlohmann::json(nullptr);
      arr.push_back(std::move(j));
    }
    fmt::print("{}\n", arr.dump());
    return exit_ok;
  }
  std::vector<table_row> table;
  for (const auto& r : rows) {
    table.push_back({std::to_string(r.id), fmt::format("{}:{}", r.host, r.port),
                     !r.rack_known ? "?"
                     : r.rack      ? *r.rack
                                   : "-",
                     r.controller ? "*" : ""});
  }
  std::fputs(render_table({"ID", "ADDRESS", "RACK", "CONTROLLER"}, table).c_str(), stdout);
  return exit_ok;
}

int do_describe(const cluster_options& o, const rk_handle& h, const rd_kafka_metadata_t& md) {
  int32_t controller = controller_of(h, connect_timeout(o));
  std::string cluster_id = cluster_id_of(h, connect_timeout(o));
  auto s = summarize(md);
  std::string controller_addr;
  for (int i = 0; i < md.broker_cnt; ++i) {
    if (md.brokers[i].id == controller)
      controller_addr = fmt::format("{}:{}", md.brokers[i].host, md.brokers[i].port);
  }
  if (o.output == "json") {
    nlohmann::json j{
        {"cluster_id", cluster_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(cluster_id)},
        {"controller", controller >= 0 ? nlohmann::json(controller) : nlohmann::json(nullptr)},
        {"brokers", s.brokers},
        {"topics", s.topics},
        {"internal_topics", s.internal_topics},
        {"partitions", s.partitions},
        {"under_replicated_partitions", s.under_replicated},
        {"offline_partitions", s.offline}};
    fmt::print("{}\n", j.dump());
    return exit_ok;
  }
  fmt::print("ClusterId: {}\n", cluster_id.empty() ? "-" : cluster_id);
  if (controller >= 0) {
    fmt::print("Controller: {}{}\n", controller,
               controller_addr.empty() ? "" : fmt::format(" ({})", controller_addr));
  } else {
    fmt::print("Controller: none\n");
  }
  fmt::print("Brokers: {}\n", s.brokers);
  fmt::print("Topics: {} ({} internal)\n", s.topics, s.internal_topics);
  fmt::print("Partitions: {}\n", s.partitions);
  fmt::print("UnderReplicatedPartitions: {}\n", s.under_replicated);
  fmt::print("OfflinePartitions: {}\n", s.offline);
  return exit_ok;
}

// librdkafka 2.0.2 (Debian 12) has neither rd_kafka_ElectLeaders nor any partition reassignment
// call, and offers no way to send an arbitrary request. The broker serves both APIs.
int not_supported(std::string_view what, std::string_view api) {
  fmt::print(stderr,
             "sluice: cluster {}: not supported by this librdkafka ({}): it has no {} admin call; the "
             "broker serves {} (e.g. Kafka's own tools can send it)\n",
             what, rd_kafka_version_str(), api, api);
  return exit_usage;
}

}  // namespace

int run_cluster(const cluster_options& o) {
  if (o.action == cluster_action::elect_leaders) return not_supported("elect-leaders", "ElectLeaders");
  if (o.action == cluster_action::reassign) {
    return not_supported("reassign", o.mode == reassign_mode::list ? "ListPartitionReassignments"
                                                                   : "AlterPartitionReassignments");
  }
  conf_builder cb(o.common);
  auto h = cb.build(RD_KAFKA_PRODUCER);
  if (!h) return report_error(h.err());
  auto md = fetch_metadata(*h, "", connect_timeout(o));
  if (!md) return report_error(md.err());
  switch (o.action) {
    case cluster_action::brokers:
      return do_brokers(o, *h, **md);
    case cluster_action::describe:
      return do_describe(o, *h, **md);
    default:
      break;
  }
  return report_error(usage_error("missing action"));
}

int cluster_main(int argc, const char* const* argv) {
  CLI::App app{"", "sluice cluster"};
  cluster_options o;
  configure_cluster_app(app, o);
  if (auto code = parse_args(app, argc, argv)) return *code;
  if (auto r = finalize_cluster_options(o); !r) return report_error(r.err());
  return run_cluster(o);
}

}  // namespace sluice::cli
