// `sluice config`: DescribeConfigs to show, read-modify-write AlterConfigs to change (librdkafka
// 2.0.2 has no IncrementalAlterConfigs).
#include "cli/config_cmd.h"

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <algorithm>

#include "cli/commands.h"
#include "cli/rk_handle.h"

namespace sluice::cli {

void configure_config_app(CLI::App& app, config_options& o) {
  app.description(
      "Show or change dynamic configs of a topic or broker.\n"
      "  sluice config get --entity-type topics --entity-name t [--all]\n"
      "  sluice config set --entity-type topics --entity-name t --add-config retention.ms=1000 "
      "--delete-config cleanup.policy\n"
      "kafka-configs.sh style --describe/--alter works too.");
  add_common_options(app, o.common);
  app.add_option("action", o.positionals, "get or set");
  app.add_flag("--describe", o.flag_describe, "same as get");
  app.add_flag("--alter", o.flag_alter, "same as set");
  app.add_option("--entity-type", o.entity_type, "topics or brokers");
  app.add_option("--entity-name", o.entity_name, "topic name or broker id");
  app.add_flag("--entity-default", o.entity_default,
               "brokers: the cluster-wide default (not supported by librdkafka 2.0.2)");
  app.add_option("--topic", o.topic_shortcut, "same as --entity-type topics --entity-name T");
  app.add_option("--broker", o.broker_shortcut, "same as --entity-type brokers --entity-name N");
  app.add_option("--add-config", o.add_configs, "k=v[,k2=v2,k3=[a,b]] to set (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--delete-config", o.delete_configs, "k[,k2] to remove (repeatable)")
      ->allow_extra_args(false);
  app.add_flag("--all", o.all, "get: list every config with its source, not only overrides");
  app.add_option("--timeout-ms", o.timeout_ms, "how long to wait for the broker")->capture_default_str();
}

result<void> finalize_config_options(config_options& o) {
  int flags = int{o.flag_describe} + o.flag_alter;
  if (flags > 1) return usage_error("give only one of --describe and --alter");
  std::vector<std::string> rest = o.positionals;
  if (flags == 1) {
    o.action = o.flag_describe ? config_action::get : config_action::set;
  } else if (!rest.empty()) {
    const auto& w = rest.front();
    if (w == "get" || w == "describe") o.action = config_action::get;
    if (w == "set" || w == "alter") o.action = config_action::set;
    if (o.action == config_action::none) {
      return usage_error(fmt::format("unknown action '{}': use get or set", w));
    }
    rest.erase(rest.begin());
  } else {
    return usage_error("missing action: get or set");
  }
  if (!rest.empty()) return usage_error(fmt::format("unexpected argument '{}'", rest.front()));

  if (!o.topic_shortcut.empty() || !o.broker_shortcut.empty()) {
    if (!o.entity_type.empty() || !o.entity_name.empty() ||
        (!o.topic_shortcut.empty() && !o.broker_shortcut.empty())) {
      return usage_error("--topic/--broker replace --entity-type/--entity-name; give one form");
    }
    o.entity_type = o.topic_shortcut.empty() ? "brokers" : "topics";
    o.entity_name = o.topic_shortcut.empty() ? o.broker_shortcut : o.topic_shortcut;
  }
  if (o.entity_type == "topics" || o.entity_type == "topic") {
    o.resource_type = RD_KAFKA_RESOURCE_TOPIC;
    if (o.entity_default) return usage_error("--entity-default only applies to brokers");
    if (o.entity_name.empty()) return usage_error("missing --entity-name (the topic)");
  } else if (o.entity_type == "brokers" || o.entity_type == "broker") {
    o.resource_type = RD_KAFKA_RESOURCE_BROKER;
    if (o.entity_default) {
      // librdkafka 2.0.2 routes a BROKER resource by parsing its name as a broker id; the
      // default entity's empty name makes it fail (and crash in its error path).
      return usage_error(
          "--entity-default is not supported by this client (librdkafka 2.0.2 needs a numeric "
          "broker id); use --entity-name <id>");
    }
    if (o.entity_name.empty()) return usage_error("missing --entity-name (the broker id)");
    auto id = parse_int("--entity-name", o.entity_name);
    if (!id || *id < 0) return usage_error("--entity-name of a broker must be its numeric id");
  } else if (o.entity_type.empty()) {
    return usage_error("missing --entity-type (topics or brokers)");
  } else {
    return usage_error(fmt::format("unsupported --entity-type '{}': use topics or brokers", o.entity_type));
  }

  for (const auto& a : o.add_configs) {
    auto list = parse_config_list(a);
    if (!list) return list.err();
    for (auto& kv : *list) o.add.push_back(std::move(kv));
  }
  for (const auto& d : o.delete_configs) {
    size_t pos = 0;
    while (pos <= d.size()) {
      size_t comma = d.find(',', pos);
      std::string k = d.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      if (k.empty()) return usage_error(fmt::format("empty config name in --delete-config '{}'", d));
      o.remove.push_back(std::move(k));
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
  }
  for (const auto& k : o.remove) {
    bool also_added = std::any_of(o.add.begin(), o.add.end(), [&](auto& kv) { return kv.first == k; });
    if (also_added) return usage_error(fmt::format("'{}' is both added and deleted", k));
  }
  if (o.action == config_action::get && (!o.add.empty() || !o.remove.empty())) {
    return usage_error("--add-config/--delete-config need set (or --alter)");
  }
  if (o.action == config_action::set && o.add.empty() && o.remove.empty()) {
    return usage_error("set needs --add-config or --delete-config");
  }
  if (o.timeout_ms <= 0) return usage_error("--timeout-ms must be > 0");
  return {};
}

namespace {

std::string describe_resource_error(const config_resource_result& r, rd_kafka_ResourceType_t type) {
  std::string detail = r.message.empty() ? rd_kafka_err2str(r.err) : r.message;
  if (r.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
    return fmt::format("topic '{}' does not exist", r.name);
  }
  if (r.err == RD_KAFKA_RESP_ERR_INVALID_CONFIG || r.err == RD_KAFKA_RESP_ERR_INVALID_REQUEST) {
    return fmt::format("invalid config for {}: {}", resource_label(type, r.name), detail);
  }
  return fmt::format("{}: {}: {}", resource_label(type, r.name), rd_kafka_err2name(r.err), detail);
}

int do_get(const config_options& o, const rk_handle& h) {
  auto res = describe_configs(h, o.resource_type, {o.entity_name}, o.timeout_ms);
  if (!res) return report_error(res.err());
  if (res->size() != 1) return report_error(runtime_error("DescribeConfigs returned no result"));
  const auto& r = res->front();
  if (r.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return report_error(runtime_error(describe_resource_error(r, o.resource_type)));
  }
  bool any = false;
  for (const auto& e : r.entries) {
    bool mine = is_override(e, o.resource_type);
    if (!o.all && !mine) continue;
    any = true;
    std::string value = e.value ? *e.value : (e.is_sensitive ? "<sensitive>" : "null");
    if (!o.all) {
      fmt::print("{}={}\n", e.name, value);
      continue;
    }
    fmt::print("{}={}\tsource={}{}{}\n", e.name, value, rd_kafka_ConfigSource_name(e.source),
               e.is_read_only ? "\tread-only" : "", e.is_sensitive ? "\tsensitive" : "");
  }
  if (!any && !o.all) {
    fmt::print(stderr, "sluice: {} has no dynamic config overrides (--all lists every config)\n",
               resource_label(o.resource_type, o.entity_name));
  }
  return exit_ok;
}

int do_set(const config_options& o, const rk_handle& h) {
  std::string label = resource_label(o.resource_type, o.entity_name);
  auto cur = describe_configs(h, o.resource_type, {o.entity_name}, o.timeout_ms);
  if (!cur) return report_error(cur.err());
  if (cur->size() != 1) return report_error(runtime_error("DescribeConfigs returned no result"));
  if (cur->front().err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return report_error(runtime_error(describe_resource_error(cur->front(), o.resource_type)));
  }
  auto full = compute_alter_set(cur->front().entries, o.resource_type, o.add, o.remove, label);
  if (!full) return report_error(full.err());
  auto altered = alter_configs(h, o.resource_type, o.entity_name, *full, o.timeout_ms);
  if (!altered) return report_error(altered.err());
  if (altered->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return report_error(runtime_error(describe_resource_error(*altered, o.resource_type)));
  }
  fmt::print("Completed updating config for {}.\n", label);
  return exit_ok;
}

}  // namespace

int run_config(const config_options& o) {
  conf_builder cb(o.common);
  auto h = cb.build(RD_KAFKA_PRODUCER);
  if (!h) return report_error(h.err());
  auto md = fetch_metadata(*h, "", std::min(o.timeout_ms, default_connect_timeout_ms));
  if (!md) return report_error(md.err());
  return o.action == config_action::get ? do_get(o, *h) : do_set(o, *h);
}

int config_main(int argc, const char* const* argv) {
  CLI::App app{"", "sluice config"};
  config_options o;
  configure_config_app(app, o);
  if (auto code = parse_args(app, argc, argv)) return *code;
  if (auto r = finalize_config_options(o); !r) return report_error(r.err());
  return run_config(o);
}

}  // namespace sluice::cli
