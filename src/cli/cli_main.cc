// CLI dispatcher: picks the command from argv[1] and turns stray exceptions into exit code 1.
#include "cli/cli_main.h"

#include <fmt/core.h>
#include <librdkafka/rdkafka.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string_view>

#include "cli/commands.h"
#include "cli/common.h"

namespace sluice::cli {

namespace {

struct command {
  const char* name;
  int (*run)(int, const char* const*);
  const char* summary;
};

constexpr command commands[] = {
    {"topic", topic_main, "create, list, describe, alter and delete topics"},
    {"produce", produce_main, "send stdin lines as records"},
    {"consume", consume_main, "print records to stdout"},
    {"config", config_main, "show or change topic and broker configs"},
    {"group", group_main, "list, describe, reset offsets of and delete consumer groups"},
    {"cluster", cluster_main, "show brokers, the controller and partition health"},
    {"bench", bench_main, "load-test a broker: produce, consume or end-to-end latency"},
};

void print_usage(std::FILE* out) {
  fmt::print(out,
             "usage: sluice <command> [options]\n\n"
             "commands:\n"
             "  {:<9} {}\n",
             "broker", "run the broker");
  for (const auto& c : commands) fmt::print(out, "  {:<9} {}\n", c.name, c.summary);
  fmt::print(out,
             "  {:<9} {}\n\n"
             "Run 'sluice <command> --help' for the options of a command.\n"
             "Exit codes: 0 success, 1 runtime failure, 2 usage error.\n",
             "version", "print versions");
}

}  // namespace

bool is_cli_command(const char* name) {
  if (name == nullptr) return false;
  std::string_view n(name);
  for (const auto& c : commands) {
    if (n == c.name) return true;
  }
  return n == "help" || n == "version" || n == "--help" || n == "-h" || n == "--version";
}

int cli_main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(stderr);
    return exit_usage;
  }
  std::string_view sub(argv[1]);
  if (sub == "help" || sub == "--help" || sub == "-h") {
    print_usage(stdout);
    return exit_ok;
  }
  if (sub == "version" || sub == "--version") {
    fmt::print("sluice (librdkafka {})\n", rd_kafka_version_str());
    return exit_ok;
  }
  for (const auto& c : commands) {
    if (sub != c.name) continue;
    try {
      install_stop_handler();
      return c.run(argc - 1, argv + 1);
    } catch (const std::exception& e) {
      std::fflush(stdout);
      fmt::print(stderr, "sluice {}: internal error: {}\n", c.name, e.what());
      return exit_failure;
    }
  }
  fmt::print(stderr, "sluice: unknown command '{}'\n\n", sub);
  print_usage(stderr);
  return exit_usage;
}

}  // namespace sluice::cli
