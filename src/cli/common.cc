// Shared CLI plumbing: common options, argument parsing wrapper, k=v parsing, stop signal.
#include "cli/common.h"

#include <fmt/core.h>
#include <signal.h>
#include <CLI/CLI.hpp>

#include <atomic>
#include <charconv>
#include <cstdio>
#include <iostream>

namespace sluice::cli {

void add_common_options(CLI::App& app, common_options& opts) {
  app.add_option("-b,--bootstrap-server,--broker-list", opts.bootstrap,
                 "host:port[,host:port...] of the broker(s) to contact")
      ->capture_default_str();
  app.add_option("-X,--client-property", opts.rdkafka_props,
                 "raw librdkafka property k=v, applied last (repeatable)")
      ->allow_extra_args(false);
  app.add_flag("-v,--verbose", opts.verbose, "print librdkafka's log lines to stderr");
  app.add_option("--debug", opts.debug, "librdkafka debug contexts, e.g. broker,protocol,fetch");
}

std::optional<int> parse_args(CLI::App& app, int argc, const char* const* argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? exit_ok : exit_usage;
  }
  return std::nullopt;
}

int report_error(const error& e) {
  std::fflush(stdout);
  fmt::print(stderr, "sluice: {}\n", e.message);
  return e.code == errc::invalid_argument ? exit_usage : exit_failure;
}

result<std::pair<std::string, std::string>> parse_key_value(std::string_view text) {
  auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return usage_error(fmt::format("expected key=value, got '{}'", text));
  }
  return std::pair{std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

result<std::vector<std::pair<std::string, std::string>>> parse_config_list(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t pos = 0;
  while (pos < text.size()) {
    // Find the end of this item: the first comma outside brackets.
    size_t end = pos;
    int depth = 0;
    for (; end < text.size(); ++end) {
      char c = text[end];
      if (c == '[') ++depth;
      if (c == ']' && depth > 0) --depth;
      if (c == ',' && depth == 0) break;
    }
    if (depth != 0) return usage_error(fmt::format("unbalanced '[' in '{}'", text));
    auto kv = parse_key_value(text.substr(pos, end - pos));
    if (!kv) return kv.err();
    auto& value = kv->second;
    if (value.size() >= 2 && value.front() == '[' && value.back() == ']') {
      value = value.substr(1, value.size() - 2);
    }
    out.push_back(std::move(*kv));
    pos = end + 1;
  }
  return out;
}

namespace {
// True when text starts with "word.word...=".
bool starts_with_property_name(std::string_view text) {
  size_t i = 0;
  bool dot = false, word = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
      word = true;
    } else if (c == '.' && word) {
      dot = true;
      word = false;
    } else {
      break;
    }
  }
  return dot && word && i < text.size() && text[i] == '=';
}
}  // namespace

std::vector<std::string> split_property_list(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == ',' && i > start && starts_with_property_name(text.substr(i + 1))) {
      out.emplace_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  out.emplace_back(text.substr(start));
  return out;
}

std::string unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      char n = text[i + 1];
      char r = 0;
      switch (n) {
        case 't':
          r = '\t';
          break;
        case 'n':
          r = '\n';
          break;
        case 'r':
          r = '\r';
          break;
        case '\\':
          r = '\\';
          break;
        case '0':
          r = '\0';
          break;
        default:
          break;
      }
      if (r != 0 || n == '0') {
        out.push_back(r);
        ++i;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

std::string escape_for_display(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\0':
        out += "\\0";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

result<bool> parse_bool(std::string_view key, std::string_view value) {
  if (value == "true" || value == "1" || value == "yes") return true;
  if (value == "false" || value == "0" || value == "no") return false;
  return usage_error(fmt::format("{} expects true or false, got '{}'", key, value));
}

result<long long> parse_int(std::string_view what, std::string_view text) {
  long long v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) {
    return usage_error(fmt::format("{} expects an integer, got '{}'", what, text));
  }
  return v;
}

namespace {
std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int sig) {
  g_stop.store(true);
  // A second Ctrl-C must still be able to kill a stuck process.
  ::signal(sig, SIG_DFL);
}
}  // namespace

void install_stop_handler() {
  g_stop.store(false);
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocking read of stdin returns EINTR so we notice the stop
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
}

bool stop_requested() { return g_stop.load(std::memory_order_relaxed); }

}  // namespace sluice::cli
