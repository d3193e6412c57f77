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

struct verdict {
  error_code error = error_code::none;
  std::optional<std::string> message;
};

// Checks of Kafka's ConfigAdminManager.preprocess, then the topic change itself.
verdict alter(broker_state& s, const request::resource& r, bool duplicate, bool validate_only) {
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
      // Dynamic broker configs (KIP-226) are not supported: broker settings come from
      // server.properties and --override at startup.
      return {
          error_code::invalid_request,
          "Dynamic broker configs are not supported; set broker configs in server.properties and restart."};
    default:
      return {error_code::invalid_request,
              "Unknown resource type " + std::to_string(static_cast<int>(r.resource_type))};
  }
}

}  // namespace

boost::asio::awaitable<net::frame_result> handle_alter_configs(request_context& ctx) {
  request req;
  if (!ctx.decode(req)) co_return close_connection();
  std::map<std::pair<int8_t, std::string>, int> occurrences;
  for (const auto& r : req.resources) ++occurrences[{r.resource_type, r.resource_name}];
  response resp;
  for (const auto& r : req.resources) {
    const verdict v =
        alter(ctx.state, r, occurrences[{r.resource_type, r.resource_name}] > 1, req.validate_only);
    response::resource_response out;
    out.error_code = code_of(v.error);
    out.error_message = v.message;
    out.resource_type = r.resource_type;
    out.resource_name = r.resource_name;
    resp.responses.push_back(std::move(out));
  }
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
