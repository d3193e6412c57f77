// settings_from_config: the one adapter from the config module's broker_config to the broker's
// startup settings and per-topic storage settings.
#pragma once

#include "base/result.h"
#include "broker/broker_settings.h"

namespace sluice::config {
struct broker_config;
}

namespace sluice::broker {

// REQUIRES: `config` outlives the returned settings (its resolvers refer to it).
result<broker_settings> settings_from_config(const config::broker_config& config);

}  // namespace sluice::broker
