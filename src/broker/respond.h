// respond: turning a response body into the framed bytes the network layer sends.
#pragma once

#include "broker/request_context.h"
#include "net/server.h"
#include "protocol/request_header.h"

namespace sluice::broker {

// The framed response (size prefix, header in the right version, body) to `ctx`'s request.
template <class T>
net::frame_result respond(const request_context& ctx, const T& body) {
  return net::frame_result{protocol::frame(protocol::encode_response(ctx.header.correlation_id, ctx.api_key(),
                                                                     ctx.version(), body)),
                           false};
}

// No response on the wire (acks=0 produce); ordering of later responses is kept by the server.
inline net::frame_result no_response() { return net::frame_result{std::nullopt, false}; }

// A request we cannot answer (malformed, unsupported version): Kafka closes the connection.
inline net::frame_result close_connection() { return net::frame_result{std::nullopt, true}; }

}  // namespace sluice::broker
