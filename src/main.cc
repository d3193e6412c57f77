// sluice: one binary for the broker (`sluice broker`) and the CLI (`sluice topic|produce|...`).
#include <cstring>

#include "broker/broker_main.h"
#include "cli/cli_main.h"

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "broker") == 0) return sluice::broker::broker_main(argc, argv);
  return sluice::cli::cli_main(argc, argv);
}
