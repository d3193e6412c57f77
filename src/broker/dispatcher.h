// dispatcher: one frame in, one response out: header parsing, API/version checks, handler call.
#pragma once

#include <cstdint>
#include <vector>

#include "net/server.h"

namespace sluice::broker {

class broker_state;

// The net::frame_handler of the broker. Malformed headers, unknown API keys and unsupported
// versions close the connection (Kafka's behaviour), except ApiVersions, which answers an
// unsupported version with a v0-format UNSUPPORTED_VERSION reply listing our ranges (KIP-511).
boost::asio::awaitable<net::frame_result> dispatch(broker_state& state, const net::connection_info& conn,
                                                   net::frame_bytes frame);

}  // namespace sluice::broker
