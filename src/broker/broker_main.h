// broker_main: the `sluice broker` process edge: arguments, configuration, logging, signals.
#pragma once

namespace sluice::broker {

// `sluice broker [server.properties] [--override key=value ...]`. Returns the process exit code:
// 0 after a clean shutdown (SIGTERM/SIGINT), 1 on a startup or shutdown failure, 2 on bad usage.
int broker_main(int argc, char** argv);

}  // namespace sluice::broker
