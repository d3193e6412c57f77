// connection: framing, in-order dispatch, ordered response writing, backpressure and idle timeout
// for one socket.
#include "net/connection.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "net/frame.h"
#include "net/send_outbuf.h"
#include "net/server_state.h"

namespace sluice::net::detail {

namespace asio = boost::asio;
using asio::ip::tcp;

connection::connection(std::shared_ptr<server_state> server, tcp::socket socket, connection_info info)
    : server_(std::move(server)),
      socket_(std::move(socket)),
      info_(std::move(info)),
      reader_wake_(socket_.get_executor()),
      writer_wake_(socket_.get_executor()),
      idle_timer_(socket_.get_executor()) {
  touch();
}

connection::~connection() {
  // Only reached open when the io_context is torn down with our coroutines suspended: services
  // may be shutting down, so touch no timers; just release the socket and the registry entry.
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);
  server_->connections.erase(info_.id);
}

void connection::start() {
  auto ex = socket_.get_executor();
  // Not detached: a failure in a loop is logged and closes the connection.
  auto on_exit = [self = shared_from_this()](const char* what) {
    return [self, what](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        spdlog::error("net: connection {} ({}:{}): {} failed: {}", self->info_.id, self->info_.peer_host,
                      self->info_.peer_port, what, ex.what());
      } catch (...) {
        spdlog::error("net: connection {}: {} failed with a non-standard exception", self->info_.id, what);
      }
      self->close("internal error");
    };
  };
  asio::co_spawn(ex, read_loop(), on_exit("reader"));
  asio::co_spawn(ex, write_loop(), on_exit("writer"));
  if (server_->config.idle_timeout.count() > 0) asio::co_spawn(ex, idle_watchdog(), on_exit("idle watchdog"));
}

void connection::begin_drain() {
  if (draining_ || closed_) return;
  draining_ = true;
  // Cancels just the pending read; a write in progress must go on.
  read_cancel_.emit(asio::cancellation_type::terminal);
  reader_wake_.notify();
}

void connection::close(const char* why) {
  if (closed_) return;
  closed_ = true;
  spdlog::debug("net: closing connection {} ({}:{}): {}", info_.id, info_.peer_host, info_.peer_port, why);
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  slots_.clear();
  reader_wake_.notify();
  writer_wake_.notify();
  idle_timer_.cancel();
  server_->on_connection_closed(info_.id);
}

asio::awaitable<void> connection::read_loop() {
  auto self = shared_from_this();
  const auto& cfg = server_->config;
  const size_t max_inflight = std::max<size_t>(1, cfg.max_inflight_per_connection);
  uint8_t header[frame_header_bytes];
  while (true) {
    // Backpressure: stop reading while too many frames are in flight.
    while (!closed_ && !draining_ && inflight_ >= max_inflight) co_await reader_wake_.wait();
    if (closed_ || draining_) break;

    auto token = asio::bind_cancellation_slot(read_cancel_.slot(), asio::as_tuple(asio::use_awaitable));
    auto [ec, n] = co_await asio::async_read(socket_, asio::buffer(header), token);
    if (ec) {
      if (ec != asio::error::eof && ec != asio::error::operation_aborted) {
        spdlog::debug("net: connection {}: read failed: {}", info_.id, ec.message());
      }
      break;
    }
    int32_t size = decode_frame_size(header);
    if (!frame_size_acceptable(size, cfg.max_frame_bytes)) {
      // Refuse before allocating: a hostile or confused peer must not make us reserve memory.
      spdlog::warn("net: connection {} ({}:{}): invalid frame size {} (max {}); closing", info_.id,
                   info_.peer_host, info_.peer_port, size, cfg.max_frame_bytes);
      close("invalid frame size");
      co_return;
    }
    std::vector<uint8_t> frame(static_cast<size_t>(size));
    if (size > 0) {
      auto [ec2, n2] = co_await asio::async_read(socket_, asio::buffer(frame), token);
      if (ec2) {
        if (ec2 != asio::error::operation_aborted) {
          spdlog::debug("net: connection {}: truncated frame ({} of {} bytes): {}", info_.id, n2, size,
                        ec2.message());
        }
        break;
      }
    }
    if (closed_ || draining_) break;  // drain began while this frame was arriving: drop it
    touch();
    dispatch(std::move(frame));
  }
  // The writer flushes what is queued, then closes.
  reader_done_ = true;
  writer_wake_.notify();
}

void connection::dispatch(std::vector<uint8_t> frame) {
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
  slot& s = slots_.at(seq - first_seq_);
  s.done = true;
  s.close_connection = result.close_connection;
  s.response = std::move(result.response);
  writer_wake_.notify();
}

asio::awaitable<void> connection::write_loop() {
  auto self = shared_from_this();
  while (true) {
    while (!closed_ && (slots_.empty() || !slots_.front().done)) {
      if (slots_.empty() && reader_done_) {
        close(draining_ ? "drained" : "peer closed");
        co_return;
      }
      co_await writer_wake_.wait();
    }
    if (closed_) co_return;
    slot s = std::move(slots_.front());
    slots_.pop_front();
    ++first_seq_;
    if (s.response && !s.response->empty()) {
      auto r = co_await send_outbuf(socket_, *s.response);
      if (closed_) co_return;
      if (!r) {
        spdlog::debug("net: connection {}: {}", info_.id, r.err().message);
        close("write failed");
        co_return;
      }
      touch();
    }
    --inflight_;
    reader_wake_.notify();
    if (s.close_connection) {
      close("handler asked to close");
      co_return;
    }
  }
}

asio::awaitable<void> connection::idle_watchdog() {
  auto self = shared_from_this();
  const auto timeout = server_->config.idle_timeout;
  while (!closed_) {
    idle_timer_.expires_at(last_activity_ + timeout);
    (void)co_await idle_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (closed_) co_return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_activity_ < timeout) continue;
    if (inflight_ > 0) {
      // A slow handler (e.g. a long-poll fetch) is not idleness; look again a full period later.
      touch();
      continue;
    }
    spdlog::info("net: connection {} ({}:{}) idle for {} ms; closing", info_.id, info_.peer_host,
                 info_.peer_port, timeout.count());
    close("idle");
    co_return;
  }
}

}  // namespace sluice::net::detail
