// `sluice topic`: topic administration through CreateTopics, DeleteTopics, CreatePartitions,
// DescribeConfigs/AlterConfigs and Metadata.
#include "cli/topic_cmd.h"

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <map>

#include "cli/admin.h"
#include "cli/cluster_cmd.h"
#include "cli/commands.h"
#include "cli/rk_handle.h"

namespace sluice::cli {

void configure_topic_app(CLI::App& app, topic_options& o) {
  app.description(
      "Create, list, describe, alter and delete topics.\n"
      "  sluice topic create --topic t --partitions 3 [--config k=v ...]\n"
      "  sluice topic list | describe [t] | delete t | alter t --partitions 6 [--config k=v]\n"
      "kafka-topics.sh style --create/--list/--describe/--alter/--delete works too.");
  add_common_options(app, o.common);
  app.add_option("args", o.positionals, "action (create|list|describe|alter|delete), then topic");
  app.add_flag("--create", o.flag_create, "create topics");
  app.add_flag("--list", o.flag_list, "list topic names");
  app.add_flag("--describe", o.flag_describe, "describe partitions and overridden configs");
  app.add_flag("--alter", o.flag_alter, "add partitions or change configs");
  app.add_flag("--delete", o.flag_delete, "delete topics");
  app.add_option("-t,--topic", o.topics, "topic name (repeatable)")->allow_extra_args(false);
  app.add_option("--partitions", o.partitions, "partition count (create: default broker's)");
  app.add_option("--replication-factor", o.replication_factor,
                 "replication factor (create: default broker's)");
  app.add_option("--config", o.configs, "topic config override k=v (repeatable)")->allow_extra_args(false);
  app.add_option("--delete-config", o.delete_configs, "alter: remove a config override")
      ->allow_extra_args(false);
  app.add_flag("--if-not-exists", o.if_not_exists, "create: succeed if the topic exists");
  app.add_flag("--if-exists", o.if_exists, "alter/delete/describe: succeed if the topic is absent");
  app.add_flag("--exclude-internal", o.exclude_internal, "list/describe: skip topics named __*");
  app.add_flag("--under-replicated-partitions", o.under_replicated_only,
               "describe: only partitions with fewer in-sync replicas than replicas");
  app.add_flag("--unavailable-partitions", o.unavailable_only,
               "describe: only partitions without a live leader");
  app.add_option("--timeout-ms", o.timeout_ms, "how long to wait for the broker")->capture_default_str();
}

namespace {

topic_action action_from_word(const std::string& w) {
  if (w == "create") return topic_action::create;
  if (w == "list" || w == "ls") return topic_action::list;
  if (w == "describe") return topic_action::describe;
  if (w == "alter") return topic_action::alter;
  if (w == "delete" || w == "rm") return topic_action::remove;
  return topic_action::none;
}

}  // namespace

result<void> finalize_topic_options(topic_options& o) {
  int flags = int{o.flag_create} + o.flag_list + o.flag_describe + o.flag_alter + o.flag_delete;
  if (flags > 1) return usage_error("give only one of --create, --list, --describe, --alter, --delete");
  std::vector<std::string> rest = o.positionals;
  if (flags == 1) {
    o.action = o.flag_create     ? topic_action::create
               : o.flag_list     ? topic_action::list
               : o.flag_describe ? topic_action::describe
               : o.flag_alter    ? topic_action::alter
                                 : topic_action::remove;
    // Allow "sluice topic --describe describe"? No: a word matching the flag is just redundant.
    if (!rest.empty() && action_from_word(rest.front()) == o.action) rest.erase(rest.begin());
  } else {
    if (rest.empty()) return usage_error("missing action: create, list, describe, alter or delete");
    o.action = action_from_word(rest.front());
    if (o.action == topic_action::none) {
      return usage_error(
          fmt::format("unknown action '{}': use create, list, describe, alter or delete", rest.front()));
    }
    rest.erase(rest.begin());
  }
  for (auto& t : rest) o.topics.push_back(std::move(t));
  for (const auto& t : o.topics) {
    if (t.empty()) return usage_error("topic name must not be empty");
  }

  bool needs_topic =
      o.action == topic_action::create || o.action == topic_action::alter || o.action == topic_action::remove;
  if (needs_topic && o.topics.empty()) return usage_error("missing --topic");
  if (o.action == topic_action::list && !o.topics.empty()) {
    return usage_error("list takes no topic; use describe");
  }
  if (o.partitions != -1 && o.partitions < 1) return usage_error("--partitions must be >= 1");
  if (o.replication_factor != -1 && o.replication_factor < 1) {
    return usage_error("--replication-factor must be >= 1");
  }
  if (o.timeout_ms <= 0) return usage_error("--timeout-ms must be > 0");
  bool creates = o.action == topic_action::create;
  bool alters = o.action == topic_action::alter;
  if (!creates && !alters && (o.partitions != -1 || !o.configs.empty())) {
    return usage_error("--partitions and --config only apply to create and alter");
  }
  if (!creates && o.replication_factor != -1) {
    return usage_error("--replication-factor only applies to create");
  }
  if (!alters && !o.delete_configs.empty()) return usage_error("--delete-config only applies to alter");
  if (o.action != topic_action::describe && (o.under_replicated_only || o.unavailable_only)) {
    return usage_error("--under-replicated-partitions and --unavailable-partitions only apply to describe");
  }
  if (alters && o.partitions == -1 && o.configs.empty() && o.delete_configs.empty()) {
    return usage_error("alter needs --partitions, --config or --delete-config");
  }
  for (const auto& c : o.configs) {
    if (auto kv = parse_key_value(c); !kv) return kv.err();
  }
  return {};
}

namespace {

int connect_timeout(const topic_options& o) { return std::min(o.timeout_ms, default_connect_timeout_ms); }

bool is_internal(std::string_view name) { return name.rfind("__", 0) == 0; }

std::string join_ids(const int32_t* ids, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += fmt::format("{}{}", i ? "," : "", ids[i]);
  return s;
}

int do_list(const topic_options& o, const rd_kafka_metadata_t& md) {
  std::vector<std::string> names;
  for (int i = 0; i < md.topic_cnt; ++i) {
    std::string_view n = md.topics[i].topic;
    if (o.exclude_internal && is_internal(n)) continue;
    names.emplace_back(n);
  }
  std::sort(names.begin(), names.end());
  for (const auto& n : names) fmt::print("{}\n", n);
  return exit_ok;
}

// Overridden configs ("k=v,k2=v2") of every selected topic, in one DescribeConfigs request; a
// failure is a warning (the partitions are still described).
std::map<std::string, std::string> overridden_configs(
    const topic_options& o, const rk_handle& h,
    const std::vector<const rd_kafka_metadata_topic_t*>& selected) {
  std::vector<std::string> names;
  for (auto* t : selected) names.emplace_back(t->topic);
  std::map<std::string, std::string> configs_by_topic;
  // librdkafka may send this to a controller that just died (its Metadata is cached): the configs
  // are a detail of describe, so do not hang on them for the whole --timeout-ms.
  auto described = describe_configs(h, RD_KAFKA_RESOURCE_TOPIC, names, connect_timeout(o));
  if (!described) {
    fmt::print(stderr, "sluice: warning: cannot read topic configs: {}\n", described.err().message);
    return configs_by_topic;
  }
  for (const auto& r : *described) {
    if (r.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      fmt::print(stderr, "sluice: warning: cannot read configs of topic '{}': {}\n", r.name,
                 r.message.empty() ? rd_kafka_err2str(r.err) : r.message);
      continue;
    }
    std::string s;
    for (const auto& e : r.entries) {
      if (!is_override(e, RD_KAFKA_RESOURCE_TOPIC)) continue;
      s += fmt::format("{}{}={}", s.empty() ? "" : ",", e.name,
                       e.value ? *e.value : (e.is_sensitive ? "<sensitive>" : "null"));
    }
    configs_by_topic[r.name] = s;
  }
  return configs_by_topic;
}

int do_describe(const topic_options& o, const rk_handle& h, const rd_kafka_metadata_t& md) {
  std::vector<const rd_kafka_metadata_topic_t*> selected;
  int rc = exit_ok;
  if (o.topics.empty()) {
    for (int i = 0; i < md.topic_cnt; ++i) {
      if (o.exclude_internal && is_internal(md.topics[i].topic)) continue;
      selected.push_back(&md.topics[i]);
    }
    std::sort(selected.begin(), selected.end(),
              [](auto* a, auto* b) { return std::string_view(a->topic) < b->topic; });
  } else {
    for (const auto& t : o.topics) {
      const auto* mt = find_topic(md, t);
      if (mt == nullptr || mt->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
        if (!o.if_exists) {
          rc = report_error(runtime_error(fmt::format("topic '{}' does not exist", t)));
        }
        continue;
      }
      selected.push_back(mt);
    }
  }
  if (selected.empty()) return rc;

  // With a partition filter, only the matching partition lines are printed (kafka-topics.sh).
  bool filtered = o.under_replicated_only || o.unavailable_only;
  std::map<std::string, std::string> configs_by_topic;
  if (!filtered) configs_by_topic = overridden_configs(o, h, selected);

  for (auto* t : selected) {
    if (t->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      fmt::print(stderr, "sluice: warning: topic '{}': {}\n", t->topic, describe_err(t->err));
    }
    if (!filtered) {
      int rf = t->partition_cnt > 0 ? t->partitions[0].replica_cnt : 0;
      fmt::print("Topic: {}\tPartitionCount: {}\tReplicationFactor: {}\tConfigs: {}\n", t->topic,
                 t->partition_cnt, rf, configs_by_topic[t->topic]);
    }
    std::vector<const rd_kafka_metadata_partition_t*> parts;
    for (int i = 0; i < t->partition_cnt; ++i) parts.push_back(&t->partitions[i]);
    std::sort(parts.begin(), parts.end(), [](auto* a, auto* b) { return a->id < b->id; });
    for (auto* p : parts) {
      auto health = partition_health_of(md, *p);
      if (filtered && !(o.under_replicated_only && health.under_replicated) &&
          !(o.unavailable_only && health.unavailable)) {
        continue;
      }
      std::string leader = p->leader < 0 ? "none" : fmt::format("{}", p->leader);
      // A healthy partition's line is exactly kafka-topics.sh's; a sick one says why at the end.
      std::string status = health.unavailable        ? "\tStatus: offline"
                           : health.under_replicated ? "\tStatus: under-replicated"
                                                     : "";
      fmt::print("\tTopic: {}\tPartition: {}\tLeader: {}\tReplicas: {}\tIsr: {}{}{}\n", t->topic, p->id,
                 leader, join_ids(p->replicas, p->replica_cnt), join_ids(p->isrs, p->isr_cnt),
                 p->err ? fmt::format("\tError: {}", rd_kafka_err2name(p->err)) : "", status);
    }
  }
  return rc;
}

int do_create(const topic_options& o, const rk_handle& h) {
  std::vector<new_topic_spec> specs;
  for (const auto& t : o.topics) {
    new_topic_spec s{t, o.partitions, o.replication_factor, {}};
    for (const auto& c : o.configs) s.configs.push_back(*parse_key_value(c));
    specs.push_back(std::move(s));
  }
  auto res = create_topics(h, specs, o.timeout_ms);
  if (!res) return report_error(res.err());
  int rc = exit_ok;
  for (const auto& r : *res) {
    if (r.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      fmt::print("Created topic {}.\n", r.name);
    } else if (r.err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS && o.if_not_exists) {
      continue;
    } else {
      rc = report_error(runtime_error(topic_error_message("create", r)));
    }
  }
  return rc;
}

int do_delete(const topic_options& o, const rk_handle& h) {
  auto res = delete_topics(h, o.topics, o.timeout_ms);
  if (!res) return report_error(res.err());
  int rc = exit_ok;
  for (const auto& r : *res) {
    if (r.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      fmt::print("Deleted topic {}.\n", r.name);
    } else if (r.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART && o.if_exists) {
      continue;
    } else {
      rc = report_error(runtime_error(topic_error_message("delete", r)));
    }
  }
  return rc;
}

int alter_configs_of(const topic_options& o, const rk_handle& h, const std::string& topic) {
  config_pairs add;
  for (const auto& c : o.configs) add.push_back(*parse_key_value(c));
  auto cur = describe_configs(h, RD_KAFKA_RESOURCE_TOPIC, {topic}, o.timeout_ms);
  if (!cur) return report_error(cur.err());
  if (cur->size() != 1) return report_error(runtime_error("DescribeConfigs returned no result"));
  const auto& r = cur->front();
  if (r.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return report_error(runtime_error(topic_error_message("describe", {topic, r.err, r.message})));
  }
  auto full = compute_alter_set(r.entries, RD_KAFKA_RESOURCE_TOPIC, add, o.delete_configs,
                                resource_label(RD_KAFKA_RESOURCE_TOPIC, topic));
  if (!full) return report_error(full.err());
  auto altered = alter_configs(h, RD_KAFKA_RESOURCE_TOPIC, topic, *full, o.timeout_ms);
  if (!altered) return report_error(altered.err());
  if (altered->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return report_error(
        runtime_error(topic_error_message("alter configs of", {topic, altered->err, altered->message})));
  }
  fmt::print("Updated configs of topic {}.\n", topic);
  return exit_ok;
}

int do_alter(const topic_options& o, const rk_handle& h, const rd_kafka_metadata_t& md) {
  int rc = exit_ok;
  for (const auto& t : o.topics) {
    const auto* mt = find_topic(md, t);
    if (mt == nullptr || mt->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
      if (!o.if_exists) rc = report_error(runtime_error(fmt::format("topic '{}' does not exist", t)));
      continue;
    }
    if (o.partitions != -1) {
      if (o.partitions == mt->partition_cnt) {
        fmt::print("Topic {} already has {} partitions.\n", t, o.partitions);
      } else {
        auto r = create_partitions(h, t, o.partitions, o.timeout_ms);
        if (!r) return report_error(r.err());
        if (r->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
          rc = report_error(runtime_error(topic_error_message("add partitions to", *r)));
          continue;
        }
        fmt::print("Topic {} now has {} partitions.\n", t, o.partitions);
      }
    }
    if (!o.configs.empty() || !o.delete_configs.empty()) {
      if (int c = alter_configs_of(o, h, t); c != exit_ok) rc = c;
    }
  }
  return rc;
}

}  // namespace

int run_topic(const topic_options& o) {
  conf_builder cb(o.common);
  auto h = cb.build(RD_KAFKA_PRODUCER);
  if (!h) return report_error(h.err());
  auto md = fetch_metadata(*h, "", connect_timeout(o));
  if (!md) return report_error(md.err());
  switch (o.action) {
    case topic_action::list:
      return do_list(o, **md);
    case topic_action::describe:
      return do_describe(o, *h, **md);
    case topic_action::create:
      return do_create(o, *h);
    case topic_action::remove:
      return do_delete(o, *h);
    case topic_action::alter:
      return do_alter(o, *h, **md);
    case topic_action::none:
      break;
  }
  return report_error(usage_error("missing action"));
}

int topic_main(int argc, const char* const* argv) {
  CLI::App app{"", "sluice topic"};
  topic_options o;
  configure_topic_app(app, o);
  if (auto code = parse_args(app, argc, argv)) return *code;
  if (auto r = finalize_topic_options(o); !r) return report_error(r.err());
  return run_topic(o);
}

}  // namespace sluice::cli
