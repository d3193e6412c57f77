// http_server: a small, bounded HTTP/1.1 server (Boost.Beast) on one io_context, for read-only
// endpoints whose answers are computed synchronously on that io_context's thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "net/asio_fwd.h"

namespace sluice::http {

struct server_config {
  // IP literal to bind ("127.0.0.1", "::1", "0.0.0.0"); port 0 binds an ephemeral port.
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  // Open connections; one more is answered 503 and closed at once (metrics scrapers and browsers
  // retry; queueing them would only hide an overload).
  size_t max_connections = 64;
  // Request line plus headers. Larger: 431. No request body is accepted at all: 413.
  size_t max_header_bytes = 8192;
  // A connection that sends no complete request header (or does not take our response) for this
  // long is closed: slow clients cannot pin connections.
  std::chrono::milliseconds idle_timeout{30000};
};

// The part of a request the handler sees. Only GET and HEAD reach it (others get 405 first).
struct request {
  std::string method;  // "GET" or "HEAD"
  std::string target;  // as sent: path plus optional "?query"
};

struct response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

// Runs on the io_context's thread, synchronously. An exception it throws is answered 500.
using request_handler = std::function<response(const request&)>;

namespace detail {
struct server_state;
}

// Thread-safety: every method runs on the io_context's thread (or while it is not running); the
// io_context must be run by one thread. Lifetime: stop() (or the destructor) closes the acceptor
// and every connection at once; the handler is never called after stop() returns.
class server {
 public:
  server(boost::asio::io_context& io, server_config config, request_handler handler);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds, listens and starts accepting. REQUIRES: called once.
  result<void> start();
  // The bound port. REQUIRES: start() succeeded.
  uint16_t port() const;
  size_t connection_count() const;
  // Closes the listening socket and every connection. Idempotent.
  void stop();

 private:
  std::shared_ptr<detail::server_state> state_;
};

}  // namespace sluice::http
