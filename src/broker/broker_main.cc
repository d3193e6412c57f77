// broker_main: `sluice broker`: parse arguments and configuration, set up logging and signals,
// run the broker on this thread's io_context until SIGTERM/SIGINT.
#include "broker/broker_main.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "base/fd_limit.h"
#include "broker/broker.h"
#include "broker/settings_from_config.h"
#include "config/broker_config.h"

namespace sluice::broker {
namespace {
namespace asio = boost::asio;

constexpr const char* usage =
    "usage: sluice broker [server.properties] [--override key=value ...]\n"
    "  Runs a Kafka-compatible broker. Keys are Kafka's server.properties names (docs/CONFIG.md);\n"
    "  --override values win over the file. With no arguments: a single broker on\n"
    "  127.0.0.1:9092 with data in ./sluice-data.\n";

struct arguments {
  std::string config_file;
  std::vector<std::string> overrides;
};

// Returns false (after printing why) on bad usage.
bool parse_arguments(int argc, char** argv, arguments& out) {
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(usage, stdout);
      std::exit(0);
    } else if (arg == "--override") {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "sluice broker: --override needs key=value\n%s", usage);
        return false;
      }
      out.overrides.emplace_back(argv[++i]);
    } else if (arg.rfind("--override=", 0) == 0) {
      out.overrides.push_back(arg.substr(std::strlen("--override=")));
    } else if (!arg.empty() && arg[0] == '-') {
      std::fprintf(stderr, "sluice broker: unknown option %s\n%s", arg.c_str(), usage);
      return false;
    } else if (out.config_file.empty()) {
      out.config_file = arg;
    } else {
      std::fprintf(stderr, "sluice broker: more than one config file given\n%s", usage);
      return false;
    }
  }
  return true;
}

void setup_logging() {
  auto logger = spdlog::stderr_color_mt("sluice");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("[%Y-%m-%d %H:%M:%S.%e] %^%l%$ %v");
  spdlog::flush_on(spdlog::level::info);
}

// Every client connection is a descriptor: raise the soft open-file limit to the hard one (a
// default soft limit of 1,024 would cap the broker near 1,000 clients) and say what it allows.
void raise_open_file_limit(const config::broker_config& cfg) {
  // Descriptors besides client sockets: the partition log files the fd cache may hold open, and
  // a fixed allowance for directories being synced, index files, listeners, the HTTP port's
  // connections, the flushers' and the event loops' own descriptors and logs.
  constexpr uint64_t other = 1024;
  const uint64_t margin = other + static_cast<uint64_t>(std::max(0, cfg.log_fd_cache_size));
  const fd_limit limit = raise_fd_limit();
  if (!limit.error.empty()) {
    spdlog::warn("open-file limit: {} (soft {}, hard {})", limit.error, limit.soft, limit.hard);
  } else {
    spdlog::info(
        "open-file limit (RLIMIT_NOFILE): {} (soft was {}, hard {}); room for about {} client connections "
        "beside sluice.log.fd.cache.size {} and {} others",
        limit.soft, limit.soft_before, limit.hard, limit.soft > margin ? limit.soft - margin : 0,
        cfg.log_fd_cache_size, other);
  }
  // The default max.connections (INT32_MAX) means "no limit": the descriptor limit is the bound.
  if (cfg.max_connections == std::numeric_limits<int32_t>::max()) return;
  if (auto w = fd_limit_shortfall(limit, static_cast<uint64_t>(cfg.max_connections), margin)) {
    spdlog::warn("{}", *w);
  }
}

}  // namespace

int broker_main(int argc, char** argv, const service_starter& start_services) {
  arguments args;
  if (!parse_arguments(argc, argv, args)) return 2;
  // A peer closing mid-response must be an EPIPE on that socket (sendfile has no MSG_NOSIGNAL),
  // not the end of the broker.
  std::signal(SIGPIPE, SIG_IGN);
  setup_logging();

  auto loaded = args.config_file.empty() ? config::load_broker_config(config::properties{}, args.overrides)
                                         : config::load_broker_config_file(args.config_file, args.overrides);
  if (!loaded.ok()) {
    spdlog::critical("configuration: {}", loaded.err().message);
    return 2;
  }
  for (const auto& w : loaded->warnings) spdlog::warn("configuration: {}", w);
  const config::broker_config& cfg = loaded->config;
  raise_open_file_limit(cfg);
  auto settings = settings_from_config(cfg);
  if (!settings.ok()) {
    spdlog::critical("configuration: {}", settings.err().message);
    return 2;
  }

  asio::io_context io(1);
  // Signals are caught before start(): in cluster mode start() can wait for a previous
  // registration to expire, and a SIGTERM in that window must mean "shut down cleanly once
  // started", not the default action that kills the process mid-registration.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  broker b(io, cfg, std::move(settings).value());
  if (auto r = b.start(); !r.ok()) {
    spdlog::critical("startup failed: {}", r.err().message);
    return 1;
  }
  if (start_services) start_services(io, b, cfg);

  int exit_code = 0;
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    spdlog::info("received {}, shutting down", signo == SIGTERM ? "SIGTERM" : "SIGINT");
    asio::co_spawn(io, b.shutdown(), [&](std::exception_ptr e, bool clean) {
      if (e || !clean) exit_code = 1;
      io.stop();
    });
  });
  io.run();
  return exit_code;
}

}  // namespace sluice::broker
