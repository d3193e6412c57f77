// http_server: accept loop with a connection cap and error backoff, one coroutine per connection
// reading bounded GET/HEAD requests with Beast and writing the handler's answers (keep-alive).
#include "http/http_server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <exception>
#include <map>

namespace sluice::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using namespace std::chrono_literals;

namespace detail {

struct server_state {
  server_state(asio::io_context& io, server_config config, request_handler handler)
      : io(io), acceptor(io), config(std::move(config)), handler(std::move(handler)) {}

  asio::io_context& io;
  tcp::acceptor acceptor;
  server_config config;
  request_handler handler;
  // Every open connection, so stop() can close them. Entries are added by the accept loop (so the
  // cap is exact) and removed by the connection's coroutine when it ends.
  std::map<uint64_t, std::shared_ptr<beast::tcp_stream>> connections;
  uint64_t next_id = 0;
  uint16_t port = 0;
  bool stopped = false;
};

}  // namespace detail

namespace {

using detail::server_state;

void log_coroutine_failure(const char* what, std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("http: {} failed: {}", what, ex.what());
  } catch (...) {
    spdlog::error("http: {} failed with a non-standard exception", what);
  }
}

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Payload Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "";
  }
}

response plain(int status, std::string_view text) {
  response r;
  r.status = status;
  r.body = fmt::format("{} {}\n", status, text);
  return r;
}

// Over the connection cap: a fixed 503 written without waiting (a fresh socket's send buffer has
// room for it), then close. Nothing is kept for the refused peer.
void refuse(tcp::socket& socket) {
  static const std::string reply = [] {
    const std::string body = "503 too many HTTP connections\n";
    return fmt::format(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.size(), body);
  }();
  error_code ec;
  socket.non_blocking(true, ec);
  socket.write_some(asio::buffer(reply), ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

// Calls the handler; whatever it throws becomes a 500 (never an exception out of the server).
response call_handler(const request_handler& handler, const request& req) {
  try {
    return handler(req);
  } catch (const std::exception& e) {
    spdlog::error("http: {} {} failed: {}", req.method, req.target, e.what());
  } catch (...) {
    spdlog::error("http: {} {} failed with a non-standard exception", req.method, req.target);
  }
  return plain(500, "internal error");
}

// Writes `resp`. For HEAD the Content-Length is that of the GET body, and no body is sent.
asio::awaitable<error_code> write_response(server_state& st, beast::tcp_stream& stream, response resp,
                                           unsigned version, bool keep_alive, bool head) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(resp.status), version};
  res.reason(reason(resp.status));
  res.set(bhttp::field::server, "sluice");
  res.set(bhttp::field::content_type, resp.content_type);
  // Every answer is a live view of the broker: never serve one from a cache.
  res.set(bhttp::field::cache_control, "no-store");
  for (auto& [name, value] : resp.headers) res.set(name, value);
  res.body() = std::move(resp.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  if (head) res.body().clear();
  stream.expires_after(st.config.idle_timeout);
  auto [ec, n] = co_await bhttp::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
  co_return ec;
}

// After an error answer the peer may still be sending (a body we refused, the rest of an
// oversized header). Closing with unread data would reset the connection and could destroy our
// answer in the peer's receive queue, so: stop sending, read and discard a bounded amount for a
// short while, then close (nginx's lingering close).
asio::awaitable<void> lingering_close(beast::tcp_stream& stream) {
  error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  std::array<char, 4096> sink;
  size_t discarded = 0;
  stream.expires_after(1s);
  while (discarded < 256 * 1024) {
    auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), asio::as_tuple(asio::use_awaitable));
    if (rec) break;
    discarded += n;
  }
  stream.socket().close(ec);
}

bool is_disconnect(const error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
         ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == bhttp::error::partial_message;
}

asio::awaitable<void> serve_connection(std::shared_ptr<server_state> st, uint64_t id,
                                       std::shared_ptr<beast::tcp_stream> stream) {
  struct unregister {
    server_state& st;
    uint64_t id;
    ~unregister() { st.connections.erase(id); }
  } guard{*st, id};
  const server_config& cfg = st->config;
  // Room for one maximal header plus what a pipelining client sent after it.
  beast::flat_buffer buffer(cfg.max_header_bytes + 4096);
  for (;;) {
    bhttp::request_parser<bhttp::empty_body> parser;
    parser.header_limit(static_cast<uint32_t>(cfg.max_header_bytes));
    stream->expires_after(cfg.idle_timeout);
    auto [ec, n] =
        co_await bhttp::async_read_header(*stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (st->stopped) co_return;
    if (ec) {
      if (is_disconnect(ec)) co_return;
      // The header is read alone; a body is refused after it (413), never read. Beast itself
      // refuses a Content-Length above its default body limit while reading the header.
      response r = ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow
                       ? plain(431, "request header too large")
                   : ec == bhttp::error::body_limit ? plain(413, "request bodies are not accepted")
                                                    : plain(400, "bad request: " + ec.message());
      const error_code wec = co_await write_response(*st, *stream, std::move(r), 11, false, false);
      if (!wec && !st->stopped) co_await lingering_close(*stream);
      co_return;
    }
    const auto& req = parser.get();
    const bool head = req.method() == bhttp::verb::head;
    response r;
    bool must_close = false;
    if (req.method() != bhttp::verb::get && !head) {
      r = plain(405, "method not allowed: only GET and HEAD");
      r.headers.emplace_back("Allow", "GET, HEAD");
      must_close = true;
    } else if (req.version() != 10 && req.version() != 11) {
      r = plain(400, "only HTTP/1.0 and HTTP/1.1 are served");
      must_close = true;
    } else if (parser.chunked() || parser.content_length().value_or(0) > 0) {
      r = plain(413, "request bodies are not accepted");
      must_close = true;
    } else if (!parser.is_done()) {
      r = plain(400, "bad request");
      must_close = true;
    } else {
      r = call_handler(st->handler, request{std::string(req.method_string()), std::string(req.target())});
      if (st->stopped) co_return;
    }
    const bool keep_alive = !must_close && req.keep_alive();
    const error_code wec =
        co_await write_response(*st, *stream, std::move(r), req.version(), keep_alive, head);
    if (st->stopped || wec) co_return;
    if (must_close) {
      co_await lingering_close(*stream);
      co_return;
    }
    if (!keep_alive) {
      error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_send, ignored);
      co_return;
    }
  }
}

asio::awaitable<void> accept_loop(std::shared_ptr<server_state> st) {
  asio::steady_timer backoff_timer(st->io);
  auto backoff = 10ms;
  while (!st->stopped) {
    auto [ec, socket] = co_await st->acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (st->stopped || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // EMFILE and friends: wait instead of spinning; the condition usually clears.
      spdlog::warn("http: accept failed: {}; retrying in {} ms", ec.message(), backoff.count());
      backoff_timer.expires_after(backoff);
      co_await backoff_timer.async_wait(asio::as_tuple(asio::use_awaitable));
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, 1000ms);
      continue;
    }
    backoff = 10ms;
    if (st->connections.size() >= st->config.max_connections) {
      refuse(socket);
      continue;
    }
    const uint64_t id = st->next_id++;
    auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
    st->connections.emplace(id, stream);
    asio::co_spawn(st->io, serve_connection(st, id, std::move(stream)),
                   [](std::exception_ptr e) { log_coroutine_failure("connection", e); });
  }
}

}  // namespace

server::server(asio::io_context& io, server_config config, request_handler handler)
    : state_(std::make_shared<server_state>(io, std::move(config), std::move(handler))) {}

server::~server() { stop(); }

result<void> server::start() {
  auto& s = *state_;
  error_code ec;
  // "localhost" is common in configs; anything else must be an IP literal (no resolver here).
  const std::string host = s.config.host == "localhost" ? "127.0.0.1" : s.config.host;
  const asio::ip::address address =
      host.empty() ? asio::ip::address(asio::ip::address_v4::any()) : asio::ip::make_address(host, ec);
  if (ec)
    return make_error(errc::invalid_argument,
                      "http: bad listen address '" + s.config.host + "': " + ec.message());
  const tcp::endpoint endpoint(address, s.config.port);
  auto fail = [&](const char* what) {
    auto err =
        make_error(errc::io_error, fmt::format("http: {} {}:{}: {}", what, host, s.config.port, ec.message()),
                   ec.value());
    error_code ignored;
    s.acceptor.close(ignored);
    return err;
  };
  s.acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("cannot open socket for");
  s.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (ec) return fail("cannot set SO_REUSEADDR on");
  s.acceptor.bind(endpoint, ec);
  if (ec) return fail("cannot bind");
  s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("cannot listen on");
  s.port = s.acceptor.local_endpoint(ec).port();
  if (ec) return fail("cannot read the bound port of");
  asio::co_spawn(s.io, accept_loop(state_),
                 [](std::exception_ptr e) { log_coroutine_failure("accept loop", e); });
  return {};
}

uint16_t server::port() const { return state_->port; }

size_t server::connection_count() const { return state_->connections.size(); }

void server::stop() {
  auto& s = *state_;
  if (s.stopped) return;
  s.stopped = true;
  error_code ec;
  s.acceptor.close(ec);
  // Copy: a connection removes itself from the map when its coroutine ends.
  auto open = s.connections;
  for (auto& [id, stream] : open) {
    stream->cancel();
    stream->socket().close(ec);
  }
}

}  // namespace sluice::http
