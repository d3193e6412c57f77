// AlterConfigs (key 33): the legacy whole-config replacement. For a TOPIC the given configs become
// its complete set of overrides (validated, then applied to its logs); BROKER configs cannot be
// changed at runtime yet.
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
#include "protocol/generated/alter_configs.h"

namespace sluice::broker {
namespace {
using protocol::error_code;
using request = protocol::alter_configs_request;
using response = protocol::alter_configs_response;

// Checks of Kafka's ConfigAdminManager.preprocess, then the topic change itself.
config_verdict alter(broker_state& s, const request::resource& r, bool duplicate, bool validate_only) {
  if (duplicate) return {error_code::invalid_request, "Each resource must appear at most once."};
  std::set<std::string> names;
  std::string null_updates;
  for (const auto& c : r.configs) {
    if (!names.insert(c.name).second)
      return {error_code::invalid_request, "Error due to duplicate config keys"};
    if (!c.value) null_updates += (null_updates.empty() ? "" : ", ") + c.name;
  }
  if (!null_updates.empty())
    return {error_code::invalid_request, "Null value not supported for : " + null_updates};

  switch (r.resource_type) {
    case resource_type_topic: {
      if (auto why = cluster::topic_name_error(r.resource_name); !why.empty()) {
        return {error_code::invalid_topic_exception, why};
      }
      std::map<std::string, std::string> overrides;
      for (const auto& c : r.configs) overrides[c.name] = *c.value;
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
    default:
      return {error_code::invalid_request,
              "Unknown resource type " + std::to_string(static_cast<int>(r.resource_type))};
  }
}

}  // namespace

boost::asio::awaitable<net::frame_result> handle_alter_configs(request_context& ctx) {
  request req;
  if (!ctx.decode(req)) co_return close_connection();
  response resp;
  alter_each_resource(req, resp, [&](const auto& r, bool duplicate) {
    return alter(ctx.state, r, duplicate, req.validate_only);
  });
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
