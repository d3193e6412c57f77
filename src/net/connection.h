// connection: one accepted socket: a reader coroutine that frames and dispatches requests, a writer
// coroutine that sends responses in request order, and an idle watchdog; internal to net.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <optional>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/outbuf.h"
#include "net/event.h"
#include "net/server.h"

namespace sluice::net::detail {

struct server_state;

// connection: owned by shared_ptrs held by its three coroutines and by the completion handler of
// every handler it started, so it lives until the last of them finishes. Thread-compatible: only
// touched on the io_context's thread.
class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(std::shared_ptr<server_state> server, boost::asio::ip::tcp::socket socket, connection_info info);
  ~connection();

  // Spawns the reader, writer and idle watchdog. REQUIRES: called once, right after construction.
  void start();
  // Stop reading new frames; close once every started handler has finished and its response has
  // been written.
  void begin_drain();
  // Close now; responses not yet written are dropped. Idempotent.
  void close(const char* why);

  const connection_info& info() const { return info_; }

 private:
  // One slot per frame read, in arrival order; filled when its handler finishes.
  struct slot {
    bool done = false;
    bool close_connection = false;
    std::optional<outbuf> response;
  };

  boost::asio::awaitable<void> read_loop();
  boost::asio::awaitable<void> write_loop();
  boost::asio::awaitable<void> idle_watchdog();
  void dispatch(std::vector<uint8_t> frame);
  void on_handler_done(uint64_t seq, std::exception_ptr error, frame_result result);
  void touch() { last_activity_ = std::chrono::steady_clock::now(); }

  std::shared_ptr<server_state> server_;
  boost::asio::ip::tcp::socket socket_;
  const connection_info info_;

  std::deque<slot> slots_;
  uint64_t first_seq_ = 0;  // sequence number of slots_.front()
  uint64_t next_seq_ = 0;   // sequence number of the next frame read
  size_t inflight_ = 0;     // frames read whose response is not yet written or skipped

  async_event reader_wake_;                       // inflight_ dropped, or draining/closing
  async_event writer_wake_;                       // a slot was filled, or the reader stopped, or closing
  boost::asio::cancellation_signal read_cancel_;  // cancels only the pending read (drain)
  boost::asio::steady_timer idle_timer_;
  std::chrono::steady_clock::time_point last_activity_;

  bool reader_done_ = false;
  bool draining_ = false;
  bool closed_ = false;
};

}  // namespace sluice::net::detail
