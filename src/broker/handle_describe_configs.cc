// DescribeConfigs (key 32): every config of a TOPIC (overrides and broker-derived defaults) or of
// this BROKER, with source, synonyms (v1+), type and documentation (v3+), all computed by the
// config module from its one table of keys.
#include <algorithm>

#include "broker/admin_checks.h"
#include "broker/broker_state.h"
#include "broker/error_mapping.h"
#include "broker/handlers.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "cluster/topic_name.h"
#include "cluster/topic_table.h"
#include "config/describe.h"
#include "protocol/generated/describe_configs.h"

namespace sluice::broker {
namespace {
using protocol::error_code;
using request = protocol::describe_configs_request;
using response = protocol::describe_configs_response;

struct options {
  bool synonyms = false;
  bool documentation = false;
};

response::resource_result::config to_wire(config::config_entry_view&& e, const options& opt) {
  response::resource_result::config c;
  c.name = std::move(e.name);
  c.value = std::move(e.value);
  c.read_only = e.read_only;
  c.is_default = e.is_default;
  c.config_source = static_cast<int8_t>(e.source);
  c.is_sensitive = e.is_sensitive;
  if (opt.synonyms) {
    for (auto& syn : e.synonyms) {
      response::resource_result::config::synonym s;
      s.name = std::move(syn.name);
      s.value = std::move(syn.value);
      s.source = static_cast<int8_t>(syn.source);
      c.synonyms.push_back(std::move(s));
    }
  }
  c.config_type = config::kafka_config_type_id(e.type);
  c.documentation =
      opt.documentation ? std::optional<std::string>(std::string(e.documentation)) : std::nullopt;
  return c;
}

// Kafka treats a null and an empty key list alike: every config.
bool wanted(const request::resource& r, const std::string& name) {
  if (!r.configuration_keys || r.configuration_keys->empty()) return true;
  const auto& keys = *r.configuration_keys;
  return std::find(keys.begin(), keys.end(), name) != keys.end();
}

void add_entries(response::resource_result& out, std::vector<config::config_entry_view> entries,
                 const request::resource& r, const options& opt) {
  for (auto& e : entries) {
    if (wanted(r, e.name)) out.configs.push_back(to_wire(std::move(e), opt));
  }
}

response::resource_result describe(broker_state& s, const request::resource& r, const options& opt) {
  response::resource_result out;
  out.resource_type = r.resource_type;
  out.resource_name = r.resource_name;
  out.error_message = std::nullopt;
  auto refuse = [&](error_code code, std::optional<std::string> message) {
    out.error_code = code_of(code);
    out.error_message = std::move(message);
    out.configs.clear();
    return out;
  };
  switch (r.resource_type) {
    case resource_type_topic: {
      if (auto why = cluster::topic_name_error(r.resource_name); !why.empty()) {
        return refuse(error_code::invalid_topic_exception, why);
      }
      const auto* info = s.topics.find(r.resource_name);
      if (!info) return refuse(error_code::unknown_topic_or_partition, std::nullopt);
      auto entries = config::describe_topic_configs(s.config, info->config_overrides);
      // Stored overrides were validated when set; failing now means the rules changed underneath.
      if (!entries.ok()) return refuse(error_code::invalid_config, entries.err().message);
      add_entries(out, std::move(*entries), r, opt);
      return out;
    }
    case resource_type_broker:
      // An empty name asks for the cluster-wide dynamic defaults; Sluice has no dynamic broker
      // configs, so that list is empty (as on a Kafka cluster that never set any).
      if (r.resource_name.empty()) return out;
      if (auto why = broker_resource_name_error(r.resource_name, s.self.node_id)) {
        return refuse(error_code::invalid_request, *why);
      }
      add_entries(out, config::describe_broker_configs(s.config), r, opt);
      return out;
    case resource_type_broker_logger:
      if (r.resource_name.empty()) return refuse(error_code::invalid_request, "Broker id must not be empty");
      if (auto why = broker_resource_name_error(r.resource_name, s.self.node_id)) {
        return refuse(error_code::invalid_request, *why);
      }
      return out;  // runtime log levels (KIP-412) are not exposed: no loggers to list
    default:
      return refuse(error_code::invalid_request,
                    "Unsupported resource type: " + std::to_string(static_cast<int>(r.resource_type)));
  }
}

}  // namespace

boost::asio::awaitable<net::frame_result> handle_describe_configs(request_context& ctx) {
  request req;
  if (!ctx.decode(req)) co_return close_connection();
  // include_synonyms is v1+ (v0 answers no synonyms), include_documentation v3+; the decoder
  // leaves them false below those versions.
  const options opt{req.include_synonyms, req.include_documentation};
  response resp;
  for (const auto& r : req.resources) resp.results.push_back(describe(ctx.state, r, opt));
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
