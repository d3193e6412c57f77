// connection: one accepted socket: a reader that frames and dispatches requests, a writer coroutine
// that sends responses in request order, and an idle timer; internal to net.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/outbuf.h"
#include "net/frame.h"
#include "net/server.h"

namespace sluice::net::detail {

struct server_state;

// connection: owned by shared_ptrs held by its pending read, its idle timer wait, its writer
// coroutine (while one runs) and the completion handler of every handler it started, so it lives
// until the last of them finishes. Thread-compatible: only touched on the io_context's thread.
//
// Idle cost: a broker holds thousands of connections that send nothing for minutes, so an idle
// connection owns only this object, one pending 4-byte header read (a plain completion handler,
// no coroutine frame) and one pending timer wait. Frame buffers exist only while a frame is being
// read, the response slots only while frames are in flight, and the writer coroutine only while
// there are responses to write.
class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(std::shared_ptr<server_state> server, boost::asio::ip::tcp::socket socket, connection_info info);
  ~connection();

  // Starts reading and the idle timer. REQUIRES: called once, right after construction.
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

  // Reader: a chain of completion handlers (header read -> body read -> dispatch -> next header).
  // REQUIRES for read_next(): no read pending.
  void read_next();
  void on_header(const boost::system::error_code& ec);
  void on_body(const boost::system::error_code& ec, size_t n);
  void reader_finished();
  // Starts the writer coroutine if the oldest slot is ready and none is running.
  void maybe_start_writer();
  boost::asio::awaitable<void> write_loop();
  void arm_idle_timer();
  void on_idle_timer(const boost::system::error_code& ec);
  void dispatch(frame_bytes frame);
  void on_handler_done(uint64_t seq, std::exception_ptr error, frame_result result);
  // Logs an exception thrown by the reader or writer and closes the connection.
  void fail(const char* what, std::exception_ptr e);
  void touch() { last_activity_ = std::chrono::steady_clock::now(); }

  // The live response slots are slots_[slots_head_ ..]; the prefix before slots_head_ is already
  // written and is trimmed as it grows. Memory is released whenever no frame is in flight.
  size_t slot_count() const { return slots_.size() - slots_head_; }
  slot& front_slot() { return slots_[slots_head_]; }
  void pop_front_slot();
  void clear_slots();

  std::shared_ptr<server_state> server_;
  boost::asio::ip::tcp::socket socket_;
  const connection_info info_;

  std::vector<slot> slots_;
  size_t slots_head_ = 0;
  uint64_t first_seq_ = 0;  // sequence number of the oldest live slot
  uint64_t next_seq_ = 0;   // sequence number of the next frame read
  size_t inflight_ = 0;     // frames read whose response is not yet written or skipped

  uint8_t header_[frame_header_bytes] = {};
  frame_bytes frame_;                             // the frame being read; empty between frames
  boost::asio::cancellation_signal read_cancel_;  // cancels only the pending read (drain)
  boost::asio::steady_timer idle_timer_;
  std::chrono::steady_clock::time_point last_activity_;

  bool reading_ = false;         // a header or body read is pending
  bool reader_done_ = false;     // no more frames will be read
  bool writer_running_ = false;  // the writer coroutine is alive
  bool draining_ = false;
  bool closed_ = false;
};

}  // namespace sluice::net::detail
