// http_service: builds the HTTP server from the broker config and routes every request to the
// read-only endpoints over the started broker.
#include "http/http_service.h"

#include <spdlog/spdlog.h>

#include <memory>
#include <utility>

#include "broker/broker.h"
#include "config/broker_config.h"
#include "http/http_server.h"
#include "http/routes.h"

namespace sluice::http {
namespace {

class http_port final : public broker::attached_service {
 public:
  http_port(boost::asio::io_context& io, server_config config, const broker::broker& b)
      : server_(io, std::move(config),
                [this, &b](const request& req) { return route(b, req, server_.port()); }) {}

  result<void> start() { return server_.start(); }
  uint16_t port() const { return server_.port(); }
  void stop() override { server_.stop(); }

 private:
  server server_;
};

}  // namespace

uint16_t attach_http_port(boost::asio::io_context& io, broker::broker& b,
                          const config::broker_config& config) {
  if (!config.http_listener) {
    spdlog::info("http: sluice.http.listener is empty; no HTTP port");
    return 0;
  }
  server_config sc;
  sc.host = config.http_listener->host;
  sc.port = config.http_listener->port;
  auto port = std::make_unique<http_port>(io, std::move(sc), b);
  if (auto r = port->start(); !r.ok()) {
    spdlog::error("{}; serving without the HTTP port (set sluice.http.listener to a free address, or empty)",
                  r.err().message);
    return 0;
  }
  spdlog::info("http: admin, metrics and console on http://{}:{}/ (sluice.http.listener)",
               config.http_listener->host.empty() ? "0.0.0.0" : config.http_listener->host, port->port());
  const uint16_t bound = port->port();
  b.attach(std::move(port));
  return bound;
}

void start_http_port(boost::asio::io_context& io, broker::broker& b, const config::broker_config& config) {
  attach_http_port(io, b, config);
}

}  // namespace sluice::http
