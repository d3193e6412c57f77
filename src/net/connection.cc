// connection: framing, in-order dispatch, ordered response writing, backpressure and idle timeout
// for one socket.
#include "net/connection.h"

#include <spdlog/spdlog.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/read.hpp>

#include "net/send_outbuf.h"
#include "net/server_state.h"

namespace sluice::net::detail {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {
// Written slots are trimmed from the front of the slot vector once there are this many (and they
// are at least half of it), so a connection that always has frames in flight stays bounded.
constexpr size_t slot_trim_threshold = 16;
}  // namespace

connection::connection(std::shared_ptr<server_state> server, tcp::socket socket, connection_info info)
    : server_(std::move(server)),
      socket_(std::move(socket)),
      info_(std::move(info)),
      idle_timer_(socket_.get_executor()) {
  touch();
}

connection::~connection() {
  // Only reached open when the io_context is torn down with our operations pending: services may
  // be shutting down, so touch no timers; just release the socket and the registry entry.
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);
  server_->connections.erase(info_.id);
}

void connection::start() {
  read_next();
  if (server_->config.idle_timeout.count() > 0) arm_idle_timer();
}

void connection::begin_drain() {
  if (draining_ || closed_) return;
  draining_ = true;
  if (reading_) {
    // Cancels just the pending read (its handler ends the reader); a write in progress must go on.
    read_cancel_.emit(asio::cancellation_type::terminal);
  } else if (!reader_done_) {
    reader_finished();  // paused by backpressure: no read to cancel
  }
}

void connection::close(const char* why) {
  if (closed_) return;
  closed_ = true;
  spdlog::debug("net: closing connection {} ({}:{}): {}", info_.id, info_.peer_host, info_.peer_port, why);
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  // Completes the pending read and any write in progress with operation_aborted.
  socket_.close(ignored);
  clear_slots();
  idle_timer_.cancel();
  server_->on_connection_closed(info_.id);
}

void connection::fail(const char* what, std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("net: connection {} ({}:{}): {} failed: {}", info_.id, info_.peer_host, info_.peer_port,
                  what, ex.what());
  } catch (...) {
    spdlog::error("net: connection {}: {} failed with a non-standard exception", info_.id, what);
  }
  close("internal error");
}

// -- reader --------------------------------------------------------------------------------------

void connection::read_next() {
  if (closed_) return;
  if (draining_) {
    reader_finished();
    return;
  }
  // Backpressure: stop reading while too many frames are in flight; the writer calls us again
  // when a response has been written.
  const size_t max_inflight = std::max<size_t>(1, server_->config.max_inflight_per_connection);
  if (inflight_ >= max_inflight) return;
  reading_ = true;
  asio::async_read(socket_, asio::buffer(header_),
                   asio::bind_cancellation_slot(
                       read_cancel_.slot(),
                       [self = shared_from_this()](const error_code& ec, size_t) { self->on_header(ec); }));
}

void connection::on_header(const error_code& ec) {
  try {
    if (ec || closed_ || draining_) {
      if (ec && ec != asio::error::eof && ec != asio::error::operation_aborted) {
        spdlog::debug("net: connection {}: read failed: {}", info_.id, ec.message());
      }
      reading_ = false;
      reader_finished();
      return;
    }
    const int32_t max_frame_bytes = server_->config.max_frame_bytes;
    const int32_t size = decode_frame_size(header_);
    if (!frame_size_acceptable(size, max_frame_bytes)) {
      // Refuse before allocating: a hostile or confused peer must not make us reserve memory.
      spdlog::warn("net: connection {} ({}:{}): invalid frame size {} (max {}); closing", info_.id,
                   info_.peer_host, info_.peer_port, size, max_frame_bytes);
      reading_ = false;
      reader_done_ = true;
      close("invalid frame size");
      return;
    }
    if (size == 0) {
      on_body(error_code{}, 0);
      return;
    }
    frame_.resize(static_cast<size_t>(size));
    asio::async_read(socket_, asio::buffer(frame_),
                     asio::bind_cancellation_slot(
                         read_cancel_.slot(), [self = shared_from_this()](const error_code& ec2, size_t n) {
                           self->on_body(ec2, n);
                         }));
  } catch (...) {
    reading_ = false;
    reader_done_ = true;
    fail("reader", std::current_exception());
  }
}

void connection::on_body(const error_code& ec, size_t n) {
  try {
    if (ec || closed_ || draining_) {
      // With no error: drain began while this frame was arriving, so it is dropped.
      if (ec && ec != asio::error::operation_aborted) {
        spdlog::debug("net: connection {}: truncated frame ({} of {} bytes): {}", info_.id, n, frame_.size(),
                      ec.message());
      }
      frame_ = {};
      reading_ = false;
      reader_finished();
      return;
    }
    touch();
    // Moving leaves frame_ empty and unallocated: no buffer is held between frames. reading_ stays
    // set meanwhile, so a response written inline by the dispatch does not start a second read.
    dispatch(std::move(frame_));
    frame_ = {};
    reading_ = false;
    read_next();
  } catch (...) {
    reading_ = false;
    reader_done_ = true;
    fail("reader", std::current_exception());
  }
}

void connection::reader_finished() {
  reader_done_ = true;
  if (closed_) return;
  // With responses still owed, the writer closes the connection after the last one.
  if (!writer_running_ && slot_count() == 0) close(draining_ ? "drained" : "peer closed");
}

void connection::dispatch(frame_bytes frame) {
  uint64_t seq = next_seq_++;
  slots_.emplace_back();
  ++inflight_;
  server_->on_handler_started();
  auto done = [self = shared_from_this(), seq](std::exception_ptr e, frame_result r) {
    self->on_handler_done(seq, e, std::move(r));
  };
  asio::awaitable<frame_result> work;
  try {
    work = server_->handler(info_, std::move(frame));
  } catch (...) {
    done(std::current_exception(), frame_result{});
    return;
  }
  // Runs inline up to the handler's first suspension (see the ordering contract in server.h).
  asio::co_spawn(socket_.get_executor(), std::move(work), std::move(done));
}

void connection::on_handler_done(uint64_t seq, std::exception_ptr error, frame_result result) {
  server_->on_handler_finished();
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& ex) {
      spdlog::error("net: connection {} ({}:{}): handler failed: {}; closing", info_.id, info_.peer_host,
                    info_.peer_port, ex.what());
    } catch (...) {
      spdlog::error("net: connection {}: handler failed with a non-standard exception; closing", info_.id);
    }
    result = frame_result{std::nullopt, true};
  }
  if (closed_) return;
  slot& s = slots_.at(slots_head_ + (seq - first_seq_));
  s.done = true;
  s.close_connection = result.close_connection;
  s.response = std::move(result.response);
  maybe_start_writer();
}

// -- writer --------------------------------------------------------------------------------------

void connection::pop_front_slot() {
  ++slots_head_;
  ++first_seq_;
  if (slots_head_ == slots_.size()) {
    slots_.clear();  // keeps the capacity while frames keep coming; clear_slots() releases it
    slots_head_ = 0;
  } else if (slots_head_ >= slot_trim_threshold && 2 * slots_head_ >= slots_.size()) {
    slots_.erase(slots_.begin(), slots_.begin() + static_cast<std::ptrdiff_t>(slots_head_));
    slots_head_ = 0;
  }
}

void connection::clear_slots() {
  std::vector<slot>().swap(slots_);
  slots_head_ = 0;
}

void connection::maybe_start_writer() {
  if (closed_ || writer_running_ || slot_count() == 0 || !front_slot().done) return;
  writer_running_ = true;
  try {
    // Not detached: a failure is logged and closes the connection.
    asio::co_spawn(socket_.get_executor(), write_loop(), [self = shared_from_this()](std::exception_ptr e) {
      if (e) self->fail("writer", e);
    });
  } catch (...) {
    writer_running_ = false;
    fail("writer", std::current_exception());
  }
}

// Writes every response that is ready, in request order, then ends; the next finished handler
// starts a new writer. So an idle connection holds no writer coroutine.
asio::awaitable<void> connection::write_loop() {
  auto self = shared_from_this();
  while (!closed_ && slot_count() > 0 && front_slot().done) {
    slot s = std::move(front_slot());
    pop_front_slot();
    if (s.response && !s.response->empty()) {
      auto r = co_await send_outbuf(socket_, *s.response);
      if (closed_) break;
      if (!r) {
        spdlog::debug("net: connection {}: {}", info_.id, r.err().message);
        close("write failed");
        break;
      }
      touch();
    }
    --inflight_;
    if (s.close_connection) {
      close("handler asked to close");
      break;
    }
    if (!reading_ && !reader_done_) read_next();  // resumes a reader paused by backpressure
  }
  writer_running_ = false;
  if (closed_ || slot_count() > 0) co_return;
  if (reader_done_) {
    close(draining_ ? "drained" : "peer closed");
  } else {
    clear_slots();  // nothing in flight: hold no slot memory while idle
  }
}

// -- idle timeout --------------------------------------------------------------------------------

void connection::arm_idle_timer() {
  idle_timer_.expires_at(last_activity_ + server_->config.idle_timeout);
  idle_timer_.async_wait([self = shared_from_this()](const error_code& ec) { self->on_idle_timer(ec); });
}

void connection::on_idle_timer(const error_code&) {
  if (closed_) return;  // close() cancels the wait
  try {
    const auto timeout = server_->config.idle_timeout;
    if (std::chrono::steady_clock::now() - last_activity_ >= timeout) {
      if (inflight_ == 0) {
        spdlog::info("net: connection {} ({}:{}) idle for {} ms; closing", info_.id, info_.peer_host,
                     info_.peer_port, timeout.count());
        close("idle");
        return;
      }
      // A slow handler (e.g. a long-poll fetch) is not idleness; look again a full period later.
      touch();
    }
    arm_idle_timer();
  } catch (...) {
    fail("idle timer", std::current_exception());
  }
}

}  // namespace sluice::net::detail
