// server_state: what a server and its connections share (acceptor, registry, counters); internal.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/event.h"
#include "net/server.h"

namespace sluice::net::detail {

class connection;

// server_state: shared by the server, its accept loop and its connections (each holds a
// shared_ptr), so it outlives whichever of them goes last. Thread-compatible: only touched on the
// io_context's thread.
struct server_state {
  server_state(boost::asio::io_context& io, server_config config, frame_handler handler);

  boost::asio::io_context& io;
  const server_config config;
  const frame_handler handler;
  boost::asio::ip::tcp::acceptor acceptor;
  boost::asio::steady_timer accept_backoff;
  async_event slot_freed;  // wakes the accept loop waiting for a connection slot
  async_event quiesced;    // wakes drain() when a connection closes or a handler finishes

  bool accepting = false;
  bool draining = false;
  uint64_t next_connection_id = 1;
  size_t handlers_running = 0;
  // Weak: a connection is owned by its own coroutines and running handlers.
  std::unordered_map<uint64_t, std::weak_ptr<connection>> connections;

  void stop_accepting();
  // Called by a connection exactly once, when it closes.
  void on_connection_closed(uint64_t id);
  void on_handler_started() { ++handlers_running; }
  void on_handler_finished();
  // Closes every connection immediately.
  void close_all(const char* why);
};

}  // namespace sluice::net::detail
