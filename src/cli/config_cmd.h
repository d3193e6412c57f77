// `sluice config get|set` (kafka-configs.sh --describe/--alter) for topics and brokers.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "cli/admin.h"
#include "cli/common.h"

namespace sluice::cli {

enum class config_action { none, get, set };

struct config_options {
  common_options common;
  config_action action = config_action::none;
  std::string entity_type;  // topics|brokers (singular accepted)
  std::string entity_name;
  bool entity_default = false;              // kafka-configs' flag; rejected: librdkafka 2.0.2 cannot send it
  std::vector<std::string> add_configs;     // --add-config k=v,k2=[a,b] (repeatable)
  std::vector<std::string> delete_configs;  // --delete-config k,k2 (repeatable)
  bool all = false;                         // get: show every config, not just overrides
  int timeout_ms = 30'000;

  // Raw parse state.
  std::vector<std::string> positionals;
  bool flag_describe = false, flag_alter = false;
  std::string topic_shortcut, broker_shortcut;

  // Resolved by finalize_config_options.
  rd_kafka_ResourceType_t resource_type = RD_KAFKA_RESOURCE_UNKNOWN;
  config_pairs add;
  std::vector<std::string> remove;
};

void configure_config_app(CLI::App& app, config_options& o);
result<void> finalize_config_options(config_options& o);
int run_config(const config_options& o);

}  // namespace sluice::cli
