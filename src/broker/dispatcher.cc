// dispatcher: routes each request frame to its API handler, on the connection's shard for the
// partition APIs and on the control shard for everything else.
#include "broker/dispatcher.h"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <optional>

#include "broker/broker_state.h"
#include "broker/handlers.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "broker/shard_fanout.h"
#include "broker/supported_apis.h"
#include "protocol/error_code.h"
#include "protocol/generated/api_table.h"
#include "protocol/generated/api_versions.h"
#include "protocol/request_header.h"

namespace sluice::broker {
namespace {

constexpr int16_t api_versions_key = protocol::api_versions_request::api_key;

// KIP-511: a version we do not know gets a v0 body (which every client can parse), error 35, and
// our ranges so the client can retry with one we support.
net::frame_result unsupported_api_versions(const protocol::parsed_request& h) {
  protocol::api_versions_response body;
  body.error_code = protocol::to_int(protocol::error_code::unsupported_version);
  body.api_keys = advertised_api_versions();
  protocol::writer w;
  protocol::write_response_header(w, h.correlation_id, 0);
  body.encode(w, 0);
  return net::frame_result{protocol::frame(std::move(w).finish()), false};
}

// APIs served on the connection's own shard: they reach partitions through their owning shards
// (shard_fanout) and touch no control-shard state. Everything else (metadata, topic admin, groups,
// producer ids, configs) runs on the control shard, which owns that state.
bool served_on_any_shard(int16_t api_key) {
  switch (api_key) {
    case 0:   // Produce
    case 1:   // Fetch
    case 2:   // ListOffsets
    case 18:  // ApiVersions
    case 23:  // OffsetForLeaderEpoch
      return true;
    default:
      return false;
  }
}

// Runs the handler on the control shard with its state and brings the response back. The frame
// moves into a context that lives in this frame until the handler is done.
boost::asio::awaitable<net::frame_result> run_on_control(request_context& ctx, handler_fn handler) {
  broker_state& control = ctx.state.on(0);
  request_context there{control, ctx.conn, std::move(ctx.frame), ctx.header};
  std::optional<net::frame_result> out;
  std::exception_ptr failure;
  shard_fanout call(ctx.state);
  call.start(0, [&](broker_state& owner, shard_fanout::done_fn done) {
    boost::asio::co_spawn(
        owner.io, handler(there),
        [&out, &failure, done = std::move(done)](std::exception_ptr e, net::frame_result r) {
          if (e) {
            failure = e;
          } else {
            out = std::move(r);
          }
          done();
        });
  });
  co_await call.wait();
  if (failure) std::rethrow_exception(failure);
  co_return std::move(*out);
}

}  // namespace

boost::asio::awaitable<net::frame_result> dispatch(broker_state& state, const net::connection_info& conn,
                                                   net::frame_bytes frame) {
  request_context ctx{state, conn, std::move(frame), {}};
  if (!protocol::parse_request_header(ctx.frame, ctx.header)) {
    spdlog::warn("connection {} ({}:{}): malformed request header, closing", conn.id, conn.peer_host,
                 conn.peer_port);
    co_return close_connection();
  }
  state.requests.count(ctx.api_key());
  const auto* api = protocol::find_api(ctx.api_key());
  const handler_fn handler = find_handler(ctx.api_key());
  if (!api || !handler) {
    spdlog::warn("connection {} ({}:{}): unknown API key {}, closing", conn.id, conn.peer_host,
                 conn.peer_port, ctx.api_key());
    co_return close_connection();
  }
  if (!api->supports(ctx.version())) {
    if (ctx.api_key() == api_versions_key) co_return unsupported_api_versions(ctx.header);
    spdlog::warn("connection {} ({}:{}): unsupported {} version {}, closing", conn.id, conn.peer_host,
                 conn.peer_port, api->name, ctx.version());
    co_return close_connection();
  }
  if (state.shard_id != 0 && !served_on_any_shard(ctx.api_key()))
    co_return co_await run_on_control(ctx, handler);
  co_return co_await handler(ctx);
}

}  // namespace sluice::broker
