// Entry point of the CLI: dispatches `sluice <command> ...` for every command except `broker`.
#pragma once

namespace sluice::cli {

// argv[0] is the program, argv[1] the subcommand (topic, produce, consume, config, bench, help,
// version). Returns the process exit code: 0 success, 1 runtime failure, 2 usage error.
int cli_main(int argc, char** argv);

// True when `name` is a subcommand cli_main handles (lets main() route everything but `broker`).
bool is_cli_command(const char* name);

}  // namespace sluice::cli
