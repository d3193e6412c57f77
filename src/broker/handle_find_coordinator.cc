// FindCoordinator (key 10): the group (key_type 0) and transaction (key_type 1) coordinator is
// always this broker; v4+ answers a batch of keys, one entry per key.
#include "broker/broker_state.h"
#include "broker/error_mapping.h"
#include "broker/handlers.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "protocol/generated/find_coordinator.h"

namespace sluice::broker {
namespace {
using protocol::error_code;
using response = protocol::find_coordinator_response;

constexpr int8_t key_type_group = 0;
constexpr int8_t key_type_transaction = 1;

// Kafka's Node.noNode() on errors.
constexpr int32_t no_node_id = -1;
constexpr int32_t no_node_port = -1;

struct lookup {
  error_code error = error_code::none;
  std::optional<std::string> message;
};

// Kafka places groups and transactional ids on partitions of its internal topics and answers with
// their leader; every partition of a single node is led here, so the answer depends only on
// whether the key type is one we know. Like Kafka, an empty group id is not refused here (the
// group APIs answer INVALID_GROUP_ID); share groups (key_type 2, v6+) are beyond our versions.
lookup find(int8_t key_type) {
  if (key_type == key_type_group || key_type == key_type_transaction) return {};
  return {error_code::invalid_request,
          "Unknown coordinator type " + std::to_string(key_type) + " in FindCoordinator request"};
}

}  // namespace

boost::asio::awaitable<net::frame_result> handle_find_coordinator(request_context& ctx) {
  protocol::find_coordinator_request req;
  if (!ctx.decode(req)) co_return close_connection();
  const auto& self = ctx.state.self;
  response resp;
  if (ctx.version() >= 4) {
    for (const auto& key : req.coordinator_keys) {
      const lookup found = find(req.key_type);
      response::coordinator c;
      c.key = key;
      c.error_code = code_of(found.error);
      c.error_message = found.message;
      const bool ok = found.error == error_code::none;
      c.node_id = ok ? self.node_id : no_node_id;
      c.host = ok ? self.host : "";
      c.port = ok ? self.port : no_node_port;
      resp.coordinators.push_back(std::move(c));
    }
    co_return respond(ctx, resp);
  }
  const lookup found = find(req.key_type);
  const bool ok = found.error == error_code::none;
  resp.error_code = code_of(found.error);
  resp.error_message = found.message;
  resp.node_id = ok ? self.node_id : no_node_id;
  resp.host = ok ? self.host : "";
  resp.port = ok ? self.port : no_node_port;
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
