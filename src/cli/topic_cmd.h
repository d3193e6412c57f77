// `sluice topic create|list|describe|alter|delete` (also kafka-topics.sh style --create etc.).
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "cli/common.h"

namespace sluice::cli {

enum class topic_action { none, create, list, describe, alter, remove };

struct topic_options {
  common_options common;
  topic_action action = topic_action::none;
  std::vector<std::string> topics;
  int partitions = -1;                      // -1: not given
  int replication_factor = -1;              // -1: not given (broker default)
  std::vector<std::string> configs;         // --config k=v
  std::vector<std::string> delete_configs;  // --delete-config k (alter)
  bool if_not_exists = false;
  bool if_exists = false;
  bool exclude_internal = false;
  bool under_replicated_only = false;  // describe: --under-replicated-partitions
  bool unavailable_only = false;       // describe: --unavailable-partitions
  int timeout_ms = 30'000;

  // Raw parse state, resolved by finalize_topic_options.
  std::vector<std::string> positionals;
  bool flag_create = false, flag_list = false, flag_describe = false, flag_alter = false, flag_delete = false;
};

void configure_topic_app(CLI::App& app, topic_options& o);
// Resolves the action (positional word or --create style flag), takes a positional topic name,
// and checks that the flags fit the action. Usage errors come back as errc::invalid_argument.
result<void> finalize_topic_options(topic_options& o);
int run_topic(const topic_options& o);

}  // namespace sluice::cli
