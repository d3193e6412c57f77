// config_keys: the rows of the config table, split by scope; internal to config (use config_table()).
#pragma once

#include <vector>

#include "config/config_def.h"

namespace sluice::config {

// Keys settable in server.properties (scope broker or both).
std::vector<config_key> broker_config_keys();
// Keys settable only per topic (scope topic).
std::vector<config_key> topic_config_keys();

}  // namespace sluice::config
