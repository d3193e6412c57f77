// InitProducerId (key 22): producer ids for idempotent producers (a null transactional_id): always
// a fresh id with epoch 0, as Kafka does (a presented id/epoch is only meaningful for transactional
// ids, where the coordinator owns them). Transactional producers are refused until the transaction
// coordinator exists.
#include <spdlog/spdlog.h>

#include "broker/broker_state.h"
#include "broker/error_mapping.h"
#include "broker/handlers.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "cluster/producer_id_allocator.h"
#include "config/broker_config.h"
#include "protocol/generated/init_producer_id.h"

namespace sluice::broker {
namespace {
using protocol::error_code;
using response = protocol::init_producer_id_response;

constexpr int64_t no_producer_id = -1;
constexpr int16_t no_producer_epoch = -1;

response refused(error_code code) {
  response r;
  r.error_code = code_of(code);
  r.producer_id = no_producer_id;
  r.producer_epoch = no_producer_epoch;
  return r;
}

response fresh_id(broker_state& s) {
  auto id = s.producer_ids.next();
  if (!id.ok()) {
    spdlog::error("InitProducerId: allocating a producer id: {}", id.err().message);
    return refused(to_kafka_error(id.err().code));
  }
  response r;
  r.producer_id = *id;
  r.producer_epoch = 0;
  return r;
}

}  // namespace

boost::asio::awaitable<net::frame_result> handle_init_producer_id(request_context& ctx) {
  protocol::init_producer_id_request req;
  if (!ctx.decode(req)) co_return close_connection();
  auto& s = ctx.state;

  if (req.transactional_id.has_value()) {
    if (req.transactional_id->empty()) co_return respond(ctx, refused(error_code::invalid_request));
    const int32_t timeout = req.transaction_timeout_ms;
    if (timeout <= 0 || timeout > s.config.transaction_max_timeout_ms) {
      co_return respond(ctx, refused(error_code::invalid_transaction_timeout));
    }
    // TODO(transactions milestone): the transaction coordinator (txn/) will own transactional ids
    // (fencing, epochs, __transaction_state). Until it exists, refuse them the way an ACL would,
    // so clients fail fast with a clear error instead of half-working transactions.
    co_return respond(ctx, refused(error_code::transactional_id_authorization_failed));
  }

  // v3+ (KIP-360): a producer that lost track of its sequences presents its id and epoch. Both or
  // neither must be given (Kafka's check). Without a transactional id Kafka does not trust the
  // presented id (it was never bound to this client) and hands out a new one: so do we.
  const bool has_id = req.producer_id != no_producer_id;
  const bool has_epoch = req.producer_epoch != no_producer_epoch;
  if (has_id != has_epoch) co_return respond(ctx, refused(error_code::invalid_request));
  co_return respond(ctx, fresh_id(s));
}

}  // namespace sluice::broker
