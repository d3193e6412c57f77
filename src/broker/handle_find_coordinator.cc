// FindCoordinator (key 10): a group's coordinator is the leader of its __consumer_offsets
// partition in cluster mode (coordinator_lookup), this broker on a single node; the transaction
// coordinator (key_type 1) is always this broker (transactions are not replicated yet). v4+
// answers a batch of keys, one entry per key.
#include "broker/broker_state.h"
#include "broker/coordinator_lookup.h"
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

// Kafka places groups and transactional ids on partitions of its internal topics and answers with
// their leader. Like Kafka, an empty group id is not refused here (the group APIs answer
// INVALID_GROUP_ID); share groups (key_type 2, v6+) are beyond our versions.
coordinator_location find(broker_state& state, int8_t key_type, const std::string& key) {
  if (key_type == key_type_group) return locate_group_coordinator(state, key);
  coordinator_location out;
  if (key_type == key_type_transaction) {
    out.node_id = state.self.node_id;
    out.host = state.self.host;
    out.port = state.self.port;
    return out;
  }
  out.error = error_code::invalid_request;
  out.message = "Unknown coordinator type " + std::to_string(key_type) + " in FindCoordinator request";
  return out;
}

}  // namespace

boost::asio::awaitable<net::frame_result> handle_find_coordinator(request_context& ctx) {
  protocol::find_coordinator_request req;
  if (!ctx.decode(req)) co_return close_connection();
  response resp;
  if (ctx.version() >= 4) {
    for (const auto& key : req.coordinator_keys) {
      const coordinator_location found = find(ctx.state, req.key_type, key);
      response::coordinator c;
      c.key = key;
      c.error_code = code_of(found.error);
      c.error_message = found.message;
      const bool ok = found.error == error_code::none;
      c.node_id = ok ? found.node_id : no_node_id;
      c.host = ok ? found.host : "";
      c.port = ok ? found.port : no_node_port;
      resp.coordinators.push_back(std::move(c));
    }
    co_return respond(ctx, resp);
  }
  const coordinator_location found = find(ctx.state, req.key_type, req.key);
  const bool ok = found.error == error_code::none;
  resp.error_code = code_of(found.error);
  resp.error_message = found.message;
  resp.node_id = ok ? found.node_id : no_node_id;
  resp.host = ok ? found.host : "";
  resp.port = ok ? found.port : no_node_port;
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
