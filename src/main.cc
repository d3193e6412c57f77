// sluice: one binary for the broker (`sluice broker`) and the CLI (`sluice topic|produce|...`).
#include <cstring>

#include "broker/broker_main.h"
#include "cli/cli_main.h"
#include "http/http_service.h"

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "broker") == 0) {
    // The HTTP port is a client of the broker, so the binary plugs it in (src/http).
    return sluice::broker::broker_main(argc, argv, sluice::http::start_http_port);
  }
  return sluice::cli::cli_main(argc, argv);
}
