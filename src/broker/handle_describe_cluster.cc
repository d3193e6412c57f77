// DescribeCluster (key 60): the cluster id, this broker as the only broker and as the controller,
// and (when asked) the cluster operations the client may perform.
#include "broker/broker_state.h"
#include "broker/error_mapping.h"
#include "broker/handlers.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "protocol/generated/describe_cluster.h"

namespace sluice::broker {
namespace {
using protocol::error_code;
using response = protocol::describe_cluster_response;

// EndpointType ids (v1+): Sluice is a broker; there is no separate controller endpoint.
constexpr int8_t endpoint_broker = 1;
constexpr int8_t endpoint_controller = 2;

// With no authorizer Kafka reports every operation the CLUSTER resource supports (AclEntry):
// CREATE(5), ALTER(7), DESCRIBE(8), CLUSTER_ACTION(9), DESCRIBE_CONFIGS(10), ALTER_CONFIGS(11),
// IDEMPOTENT_WRITE(12), one bit per AclOperation code.
constexpr int32_t all_cluster_operations =
    (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);

}  // namespace

boost::asio::awaitable<net::frame_result> handle_describe_cluster(request_context& ctx) {
  protocol::describe_cluster_request req;
  if (!ctx.decode(req)) co_return close_connection();
  const auto& self = ctx.state.self;
  response resp;
  resp.endpoint_type = endpoint_broker;
  if (req.endpoint_type != endpoint_broker) {
    // Kafka's AuthHelper.computeDescribeClusterResponse: v0 cannot express the specific errors.
    const bool known = req.endpoint_type == endpoint_controller;
    const auto specific =
        known ? error_code::mismatched_endpoint_type : error_code::unsupported_endpoint_type;
    resp.error_code = code_of(ctx.version() == 0 ? error_code::invalid_request : specific);
    resp.error_message =
        known ? std::string(
                    "The request was sent to an endpoint of type BROKER, but we wanted an "
                    "endpoint of type CONTROLLER")
              : "Unsupported endpoint type " + std::to_string(static_cast<int>(req.endpoint_type));
    co_return respond(ctx, resp);
  }
  resp.cluster_id = self.cluster_id;
  resp.controller_id = self.node_id;
  response::broker b;
  b.broker_id = self.node_id;
  b.host = self.host;
  b.port = self.port;
  if (!self.rack.empty()) b.rack = self.rack;
  resp.brokers.push_back(std::move(b));
  if (req.include_cluster_authorized_operations) resp.cluster_authorized_operations = all_cluster_operations;
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
