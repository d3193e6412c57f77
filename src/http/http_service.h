// http_service: the broker's HTTP port (sluice.http.listener): binds it beside the Kafka API on
// the shard's io_context and attaches it to the broker, which stops it first on shutdown.
#pragma once

#include <cstdint>

#include "net/asio_fwd.h"

namespace sluice::config {
struct broker_config;
}
namespace sluice::broker {
class broker;
}

namespace sluice::http {

// Starts the HTTP port on sluice.http.listener and attaches it to `b`. Returns the bound port, or 0
// when the key is empty (disabled) or the address cannot be bound.
// A port that cannot be bound is logged as an error and the broker keeps serving Kafka without it:
// the HTTP port is for operators, and losing the data path over it would be the worse failure.
// REQUIRES: `b` is started; called on the shard thread (before io.run()).
uint16_t attach_http_port(boost::asio::io_context& io, broker::broker& b,
                          const config::broker_config& config);

// The broker::service_starter the `sluice` binary gives broker_main: attach_http_port.
void start_http_port(boost::asio::io_context& io, broker::broker& b, const config::broker_config& config);

}  // namespace sluice::http
