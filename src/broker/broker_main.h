// broker_main: the `sluice broker` process edge: arguments, configuration, logging, signals.
#pragma once

#include <functional>

#include "net/asio_fwd.h"

namespace sluice::config {
struct broker_config;
}

namespace sluice::broker {

class broker;

// Starts what is served beside the Kafka API once the broker is up (the HTTP port): given by the
// `sluice` binary, so the broker library does not depend on the layers above it. It attaches what
// it starts to the broker (broker::attach), which stops it first on shutdown.
using service_starter = std::function<void(boost::asio::io_context&, broker&, const config::broker_config&)>;

// `sluice broker [server.properties] [--override key=value ...]`. Returns the process exit code:
// 0 after a clean shutdown (SIGTERM/SIGINT), 1 on a startup or shutdown failure, 2 on bad usage.
int broker_main(int argc, char** argv, const service_starter& start_services = {});

}  // namespace sluice::broker
