// Shared CLI plumbing: options every command takes, exit codes, k=v parsing, error reporting, stop signal.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace CLI {
class App;
}

namespace sluice::cli {

// Process exit codes shared by every subcommand.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;  // runtime failure: broker error, timeout, delivery failure
inline constexpr int exit_usage = 2;    // bad flags or arguments

inline constexpr const char* default_bootstrap = "127.0.0.1:9092";
// How long we keep retrying to reach the bootstrap servers before giving up.
inline constexpr int default_connect_timeout_ms = 10'000;

// Options understood by every command that talks to a broker.
struct common_options {
  std::string bootstrap = default_bootstrap;
  std::vector<std::string> rdkafka_props;  // raw librdkafka properties from -X k=v
  bool verbose = false;                    // show librdkafka's own log lines
  std::string debug;                       // librdkafka debug contexts (e.g. "broker,protocol")
};

// Registers -b/--bootstrap-server/--broker-list, -X/--client-property, -v/--verbose, --debug.
void add_common_options(CLI::App& app, common_options& opts);

// Parses argv into app. Returns nullopt when the command should run; otherwise the exit code to
// return right away (0 after --help, exit_usage after a parse error; the message is printed).
std::optional<int> parse_args(CLI::App& app, int argc, const char* const* argv);

// Prints "sluice: <message>" to stderr and returns the exit code for the error:
// exit_usage for errc::invalid_argument, exit_failure for everything else.
int report_error(const error& e);

inline error usage_error(std::string message) {
  return make_error(errc::invalid_argument, std::move(message));
}
inline error runtime_error(std::string message, errc code = errc::io_error) {
  return make_error(code, std::move(message));
}

// "k=v" -> {k, v}. The value may be empty ("k="); the key may not.
result<std::pair<std::string, std::string>> parse_key_value(std::string_view text);

// Kafka tools' config list syntax: "a=1,b=2,c=[x,y]" -> {{a,1},{b,2},{c,"x,y"}}. Commas inside
// square brackets belong to the value; the brackets are removed.
result<std::vector<std::pair<std::string, std::string>>> parse_config_list(std::string_view text);

// Splits a --property argument that packs several properties ("parse.key=true,key.separator=:")
// at each comma that is followed by a dotted property name and '='. A lone "key.separator=,"
// stays whole.
std::vector<std::string> split_property_list(std::string_view text);

// Turns the two-character escapes \t \n \r \\ and \0 into the characters they name, so separators
// can be given on a shell command line without $'...'.
std::string unescape(std::string_view text);

// The reverse of unescape, for showing separators in messages: tab -> \t, newline -> \n.
std::string escape_for_display(std::string_view text);

// Parses "true"/"false" (also 1/0, yes/no) as Kafka's --property values do.
result<bool> parse_bool(std::string_view key, std::string_view value);

// Parses a decimal integer in full; error names `what` on failure.
result<long long> parse_int(std::string_view what, std::string_view text);

// Ctrl-C / SIGTERM handling for long-running commands: the first signal sets a flag the command
// polls to finish cleanly (flush, print summary); a second signal kills the process as usual.
// Also ignores SIGPIPE so writing to a closed pipe returns EPIPE instead of killing us.
void install_stop_handler();
bool stop_requested();

}  // namespace sluice::cli
