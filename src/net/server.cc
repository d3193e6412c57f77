// server: listening socket, accept loop with backoff and connection limit, two-phase shutdown.
#include "net/server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "net/connection.h"
#include "net/server_state.h"

namespace sluice::net {

namespace asio = boost::asio;
using asio::ip::tcp;
using detail::server_state;

namespace detail {

server_state::server_state(asio::io_context& io_, server_config config_, frame_handler handler_)
    : io(io_),
      config(std::move(config_)),
      handler(std::move(handler_)),
      acceptor(io_),
      accept_backoff(io_),
      slot_freed(io_.get_executor()),
      quiesced(io_.get_executor()) {}

void server_state::stop_accepting() {
  if (!accepting) return;
  accepting = false;
  boost::system::error_code ignored;
  acceptor.close(ignored);
  accept_backoff.cancel();
  slot_freed.notify();
}

void server_state::on_connection_closed(uint64_t id) {
  connections.erase(id);
  slot_freed.notify();
  quiesced.notify();
}

void server_state::on_handler_finished() {
  --handlers_running;
  quiesced.notify();
}

void server_state::close_all(const char* why) {
  std::vector<std::shared_ptr<connection>> open;
  for (auto& [id, weak] : connections) {
    if (auto c = weak.lock()) open.push_back(std::move(c));
  }
  for (auto& c : open) c->close(why);
}

namespace {

asio::awaitable<void> accept_loop(std::shared_ptr<server_state> s) {
  constexpr std::chrono::milliseconds initial_backoff{10};
  auto backoff = initial_backoff;
  while (s->accepting) {
    // At max.connections, wait for a slot instead of accepting and dropping (clients queue in the
    // listen backlog, as with Kafka).
    while (s->accepting && s->connections.size() >= s->config.max_connections) co_await s->slot_freed.wait();
    if (!s->accepting) break;

    auto [ec, socket] = co_await s->acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (!s->accepting) break;
    if (ec) {
      // EMFILE and friends: retrying at once would spin; back off and let connections close.
      spdlog::warn("net: accept failed: {}; retrying in {} ms", ec.message(), backoff.count());
      s->accept_backoff.expires_after(backoff);
      (void)co_await s->accept_backoff.async_wait(asio::as_tuple(asio::use_awaitable));
      backoff = std::min(backoff * 2, std::max(initial_backoff, s->config.accept_backoff_max));
      continue;
    }
    backoff = initial_backoff;

    boost::system::error_code opt_ec;
    socket.set_option(tcp::no_delay(true), opt_ec);
    auto peer = socket.remote_endpoint(opt_ec);
    if (opt_ec) continue;  // the peer already went away
    connection_info info{s->next_connection_id++, peer.address().to_string(), peer.port()};
    auto conn = std::make_shared<connection>(s, std::move(socket), info);
    s->connections.emplace(info.id, conn);
    spdlog::debug("net: connection {} from {}:{}", info.id, info.peer_host, info.peer_port);
    conn->start();
  }
}

}  // namespace
}  // namespace detail

server::server(asio::io_context& io, server_config config, frame_handler handler)
    : state_(std::make_shared<server_state>(io, std::move(config), std::move(handler))) {}

server::~server() {
  state_->stop_accepting();
  state_->close_all("server destroyed");
}

result<void> server::start() {
  auto& s = *state_;
  boost::system::error_code ec;
  asio::ip::address address = s.config.host.empty() ? asio::ip::address(asio::ip::address_v4::any())
                                                    : asio::ip::make_address(s.config.host, ec);
  if (ec)
    return make_error(errc::invalid_argument,
                      "net: bad listen address '" + s.config.host + "': " + ec.message());
  tcp::endpoint endpoint(address, s.config.port);
  auto fail = [&](const char* what) {
    auto err = make_error(errc::io_error,
                          fmt::format("net: {} {}:{}: {}", what, s.config.host, s.config.port, ec.message()),
                          ec.value());
    boost::system::error_code ignored;
    s.acceptor.close(ignored);
    return err;
  };
  if (s.config.reuse_port && s.config.check_port_free && s.config.port != 0) {
    // A probe bound without SO_REUSEPORT conflicts with any socket listening there (ours or not).
    tcp::acceptor probe(s.io);
    probe.open(endpoint.protocol(), ec);
    if (!ec) probe.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) probe.bind(endpoint, ec);
    if (ec) return fail("cannot bind");
  }
  s.acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("cannot open socket for");
  s.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (ec) return fail("cannot set SO_REUSEADDR on");
  if (s.config.reuse_port) {
    s.acceptor.set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true), ec);
    if (ec) return fail("cannot set SO_REUSEPORT on");
  }
  s.acceptor.bind(endpoint, ec);
  if (ec) return fail("cannot bind");
  s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("cannot listen on");
  s.accepting = true;
  spdlog::info("net: listening on {}:{}", s.config.host, port());
  asio::co_spawn(s.io, detail::accept_loop(state_), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::error("net: accept loop failed: {}", ex.what());
    } catch (...) {
      spdlog::error("net: accept loop failed with a non-standard exception");
    }
  });
  return {};
}

uint16_t server::port() const {
  boost::system::error_code ec;
  auto ep = state_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

size_t server::connection_count() const { return state_->connections.size(); }

size_t server::handlers_running() const { return state_->handlers_running; }

void server::stop_accepting() { state_->stop_accepting(); }

asio::awaitable<bool> server::drain(std::chrono::milliseconds timeout) {
  auto s = state_;  // keep the state alive even if the server is destroyed meanwhile
  s->stop_accepting();
  s->draining = true;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  {
    std::vector<std::shared_ptr<detail::connection>> open;
    for (auto& [id, weak] : s->connections) {
      if (auto c = weak.lock()) open.push_back(std::move(c));
    }
    for (auto& c : open) c->begin_drain();
  }
  while ((!s->connections.empty() || s->handlers_running > 0) &&
         std::chrono::steady_clock::now() < deadline) {
    co_await s->quiesced.wait_until(deadline);
  }
  bool clean = s->connections.empty() && s->handlers_running == 0;
  if (!clean) {
    spdlog::warn("net: drain timed out after {} ms with {} connections and {} handlers left; closing",
                 timeout.count(), s->connections.size(), s->handlers_running);
    s->close_all("drain timed out");
  }
  co_return clean;
}

}  // namespace sluice::net
