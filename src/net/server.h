// server: a length-prefixed-frame TCP server on one io_context (one "shard"); ordered pipelined
// responses, per-connection backpressure, idle timeouts, sendfile for file slices, two-phase stop.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/outbuf.h"
#include "base/result.h"
#include "net/asio_fwd.h"
#include "net/frame_bytes.h"

namespace sluice::net {

struct server_config {
  // Address to bind. An IP literal ("127.0.0.1", "::1", "0.0.0.0"); empty binds all IPv4 addresses.
  std::string host = "127.0.0.1";
  // 0 binds an ephemeral port; server::port() tells which one.
  uint16_t port = 0;
  // socket.request.max.bytes: a frame whose size prefix is negative or larger than this closes the
  // connection before anything is allocated for it.
  int32_t max_frame_bytes = 104857600;
  // max.connections: at the limit the accept loop waits for a connection to close (as Kafka does)
  // so new clients queue in the listen backlog instead of being dropped.
  size_t max_connections = static_cast<size_t>(std::numeric_limits<int32_t>::max());
  // Frames read but whose response is not yet written (or skipped). At the limit the reader stops
  // reading, so TCP flow control pushes back on the client. Must be >= 1.
  size_t max_inflight_per_connection = 16;
  // connections.max.idle.ms: a connection with nothing in flight and no traffic for this long is
  // closed. Zero or negative disables the timeout.
  std::chrono::milliseconds idle_timeout{600000};
  // SO_REUSEPORT: lets one server per shard (io_context) bind the same port; the kernel spreads
  // new connections across them.
  bool reuse_port = false;
  // With reuse_port: refuse to start (EADDRINUSE) if anything already listens on the port, so a
  // second broker on the same port fails as it would without SO_REUSEPORT instead of silently
  // sharing its connections. Set on the first server of a group, off for the others.
  bool check_port_free = false;
  // Accept errors (EMFILE, ENFILE, ENOBUFS...) back off exponentially from 10 ms up to this.
  std::chrono::milliseconds accept_backoff_max{1000};
};

// What the handler returns for one frame.
struct frame_result {
  // Sent as-is: it must already contain its own 4-byte size prefix (the protocol layer writes it).
  // std::nullopt means "no response" (Kafka produce with acks=0); later responses still go out in
  // request order.
  std::optional<sluice::outbuf> response;
  // Close the connection after this frame's response (if any) and all earlier ones are written.
  bool close_connection = false;
};

struct connection_info {
  uint64_t id;  // unique per server, never reused
  std::string peer_host;
  uint16_t peer_port;
};

// Called once per frame with the frame bytes, excluding the 4-byte size prefix.
//
// Ordering contract: all handlers of a server run on its io_context, which must be run by exactly
// one thread. For each connection, the handler for frame N is started (co_spawn on the same
// executor; Asio runs a coroutine spawned from its own thread inline up to its first suspension)
// and runs synchronously up to its first suspension point before frame N+1 is even read from the
// socket. So work a handler does before
// its first co_await happens in arrival order (e.g. assigning log offsets in produce order);
// anything after a suspension may interleave with later frames' handlers. Responses are written in
// arrival order whatever order the handlers finish in.
//
// Lifetime: `info` stays valid until the returned awaitable completes. An exception escaping the
// handler is logged and closes the connection (after earlier responses are written).
using frame_handler =
    std::function<boost::asio::awaitable<frame_result>(const connection_info&, frame_bytes frame)>;

namespace detail {
struct server_state;
}

// server: owns a listening socket and its connections.
// Thread-safety: every method must be called on the io_context's thread, or while the io_context
// is not running. The io_context must be run by a single thread (see the ordering contract).
// Lifetime: destroying the server closes the acceptor and every connection at once (no drain);
// handlers still running keep their connection object alive until they finish.
//
// Shutdown is two-phase and awaitable:
//   srv.stop_accepting();                       // phase 1: no new connections
//   bool clean = co_await srv.drain(5s);        // phase 2: finish in-flight work, then close
// drain() also stops accepting, so calling it alone is fine.
class server {
 public:
  server(boost::asio::io_context& io, server_config config, frame_handler handler);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds, listens and starts the accept loop. Fails (io_error, with errno) if the address cannot
  // be bound. REQUIRES: called once.
  result<void> start();

  // The bound port (useful with config.port == 0). REQUIRES: start() succeeded.
  uint16_t port() const;

  // Open connections (draining ones included).
  size_t connection_count() const;
  // Handlers started and not yet finished, over all connections.
  size_t handlers_running() const;

  // Phase 1: closes the listening socket; established connections keep working. Idempotent.
  void stop_accepting();

  // Phase 2: every connection stops reading new frames; the server waits until every handler
  // already started has finished and every response already produced has been written, closing
  // each connection as it empties. If that takes longer than `timeout`, the remaining
  // connections are closed at once (responses dropped; handlers still running are not
  // interrupted). Returns true if everything finished in time. Implies stop_accepting().
  boost::asio::awaitable<bool> drain(std::chrono::milliseconds timeout);

 private:
  std::shared_ptr<detail::server_state> state_;
};

}  // namespace sluice::net
