// ApiVersions (key 18): the API ranges this broker serves. The response header is always v0.
#include <regex>

#include "broker/handlers.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "broker/supported_apis.h"
#include "protocol/error_code.h"
#include "protocol/generated/api_table.h"
#include "protocol/generated/api_versions.h"

namespace sluice::broker {

std::vector<protocol::api_versions_response::api_version> advertised_api_versions() {
  std::vector<protocol::api_versions_response::api_version> out;
  for (const auto& api : protocol::all_apis()) {
    if (!find_handler(api.key)) continue;
    protocol::api_versions_response::api_version v;
    v.api_key = api.key;
    v.min_version = api.min_version;
    v.max_version = api.max_version;
    out.push_back(v);
  }
  return out;
}

namespace {
// Kafka's rule for client_software_name / client_software_version (KIP-511).
bool valid_software_field(const std::string& s) {
  static const std::regex pattern("[a-zA-Z0-9](?:[a-zA-Z0-9\\-.]*[a-zA-Z0-9])?");
  return std::regex_match(s, pattern);
}
}  // namespace

boost::asio::awaitable<net::frame_result> handle_api_versions(request_context& ctx) {
  protocol::api_versions_request req;
  protocol::api_versions_response resp;
  if (!ctx.decode(req)) co_return close_connection();
  if (ctx.version() >= 3 && (!valid_software_field(req.client_software_name) ||
                             !valid_software_field(req.client_software_version))) {
    resp.error_code = protocol::to_int(protocol::error_code::invalid_request);
    co_return respond(ctx, resp);
  }
  resp.api_keys = advertised_api_versions();
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
