// IncrementalAlterConfigs (key 44): SET / DELETE / APPEND / SUBTRACT operations on a TOPIC's
// overrides (APPEND and SUBTRACT on list-typed configs only), validated as a whole and then
// applied to its logs; BROKER configs cannot be changed at runtime yet.
#include <algorithm>
#include <map>
#include <set>

#include "broker/admin_checks.h"
#include "broker/broker_state.h"
#include "broker/error_mapping.h"
#include "broker/handlers.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "broker/topic_admin.h"
#include "cluster/topic_name.h"
#include "cluster/topic_table.h"
#include "config/config_def.h"
#include "config/topic_config.h"
#include "protocol/generated/incremental_alter_configs.h"

namespace sluice::broker {
namespace {
using protocol::error_code;
using request = protocol::incremental_alter_configs_request;
using response = protocol::incremental_alter_configs_response;

// AlterConfigOp.OpType ids.
constexpr int8_t op_set = 0;
constexpr int8_t op_delete = 1;
constexpr int8_t op_append = 2;
constexpr int8_t op_subtract = 3;

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(start, comma - start);
    const auto first = item.find_first_not_of(" \t");
    const auto last = item.find_last_not_of(" \t");
    if (first != std::string::npos) out.push_back(item.substr(first, last - first + 1));
    start = comma + 1;
  }
  return out;
}

std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
  return out;
}

// The list a topic has now for `key`: its override, else the value it gets from the broker (Kafka
// falls back to the key's static default; the broker-derived value is what DescribeConfigs shows).
std::vector<std::string> current_list(broker_state& s, const std::map<std::string, std::string>& overrides,
                                      const std::string& key) {
  if (auto it = overrides.find(key); it != overrides.end()) return split_list(it->second);
  return split_list(config::topic_config::from_broker(s.config).value_string(key).value_or(""));
}

// Applies the operations to a copy of the topic's overrides (Kafka's prepareIncrementalConfigs).
config_verdict apply_ops(broker_state& s, const request::resource& r,
                         std::map<std::string, std::string>& overrides) {
  for (const auto& c : r.configs) {
    switch (c.config_operation) {
      case op_set:
        overrides[c.name] = *c.value;
        break;
      case op_delete:
        overrides.erase(c.name);
        break;
      case op_append:
      case op_subtract: {
        const bool append = c.config_operation == op_append;
        const auto* key = config::find_config_key(c.name);
        if (!key || !key->topic_scoped())
          return {error_code::invalid_config, "Unknown config name: " + c.name};
        if (key->type != config::config_type::list) {
          return {error_code::invalid_config, std::string("Config value ") +
                                                  (append ? "append" : "subtract") +
                                                  " is not allowed for config key: " + c.name};
        }
        auto items = current_list(s, overrides, c.name);
        for (const auto& v : split_list(*c.value)) {
          if (append) {
            if (std::find(items.begin(), items.end(), v) == items.end()) items.push_back(v);
          } else {
            std::erase(items, v);
          }
        }
        overrides[c.name] = join_list(items);
        break;
      }
      default:
        break;  // refused by the caller's checks
    }
  }
  return {};
}

config_verdict alter(broker_state& s, const request::resource& r, bool duplicate, bool validate_only) {
  if (duplicate) return {error_code::invalid_request, "Each resource must appear at most once."};
  std::set<std::string> names;
  std::string null_updates;
  for (const auto& c : r.configs) {
    if (!names.insert(c.name).second)
      return {error_code::invalid_request, "Error due to duplicate config keys"};
    if (c.config_operation < op_set || c.config_operation > op_subtract) {
      return {error_code::invalid_request,
              "Unknown operations type " + std::to_string(static_cast<int>(c.config_operation))};
    }
    if (c.config_operation != op_delete && !c.value)
      null_updates += (null_updates.empty() ? "" : ", ") + c.name;
  }
  if (!null_updates.empty())
    return {error_code::invalid_request, "Null value not supported for : " + null_updates};

  switch (r.resource_type) {
    case resource_type_topic: {
      if (auto why = cluster::topic_name_error(r.resource_name); !why.empty()) {
        return {error_code::invalid_topic_exception, why};
      }
      const auto* info = s.topics.find(r.resource_name);
      if (!info)
        return {error_code::unknown_topic_or_partition,
                "The topic '" + r.resource_name + "' does not exist."};
      std::map<std::string, std::string> overrides = info->config_overrides;
      if (auto v = apply_ops(s, r, overrides); v.error != error_code::none) return v;
      if (auto res = s.admin.set_configs(r.resource_name, overrides, validate_only); !res.ok()) {
        return {to_kafka_error(res.code), res.message};
      }
      return {};
    }
    case resource_type_broker:
      if (!r.resource_name.empty()) {
        if (auto why = broker_resource_name_error(r.resource_name, s.self.node_id)) {
          return {error_code::invalid_request, *why};
        }
      }
      return dynamic_broker_configs_unsupported();
    case resource_type_broker_logger:
      return {error_code::invalid_request,
              "Changing log levels at runtime (BROKER_LOGGER) is not supported."};
    default:
      return {error_code::invalid_request,
              "Unknown resource type " + std::to_string(static_cast<int>(r.resource_type))};
  }
}

}  // namespace

boost::asio::awaitable<net::frame_result> handle_incremental_alter_configs(request_context& ctx) {
  request req;
  if (!ctx.decode(req)) co_return close_connection();
  response resp;
  alter_each_resource(req, resp, [&](const auto& r, bool duplicate) {
    return alter(ctx.state, r, duplicate, req.validate_only);
  });
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
