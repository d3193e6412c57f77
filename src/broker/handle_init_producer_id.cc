// InitProducerId (key 22): producer ids for idempotent producers (a null transactional_id): a
// fresh id with epoch 0, or (v3+, KIP-360) the presented id with its epoch bumped. Transactional
// producers are refused until the transaction coordinator exists.
#include <limits>

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

  // v3+: a producer that lost track of its sequence numbers (KIP-360) presents its id and epoch.
  // Both or neither must be given (Kafka's check).
  const bool has_id = req.producer_id != no_producer_id;
  const bool has_epoch = req.producer_epoch != no_producer_epoch;
  if (has_id != has_epoch) co_return respond(ctx, refused(error_code::invalid_request));
  if (!has_id) co_return respond(ctx, fresh_id(s));
  if (req.producer_id < 0 || req.producer_epoch < 0) co_return respond(ctx, refused(error_code::invalid_request));
  // The same id with the next epoch: batches of the new epoch restart at sequence 0 and fence the
  // old one. At the last epoch there is no next one, so the producer gets a new id.
  if (req.producer_epoch == std::numeric_limits<int16_t>::max()) co_return respond(ctx, fresh_id(s));
  response r;
  r.producer_id = req.producer_id;
  r.producer_epoch = static_cast<int16_t>(req.producer_epoch + 1);
  co_return respond(ctx, r);
}

}  // namespace sluice::broker
