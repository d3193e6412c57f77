// replica_client: the broker-to-broker Kafka connection of a follower's fetcher.
#include "broker/replica_client.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <variant>

namespace sluice::broker {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Closes the socket when the deadline passes, so whatever operation is pending completes with an
// error. Cancelled (and harmless) once the guarded steps finished in time.
class deadline_guard {
 public:
  deadline_guard(asio::io_context& io, tcp::socket& socket, std::chrono::milliseconds timeout)
      : timer_(std::make_shared<asio::steady_timer>(io, timeout)),
        fired_(std::make_shared<bool>(false)),
        armed_(std::make_shared<bool>(true)) {
    timer_->async_wait([&socket, fired = fired_, armed = armed_](const boost::system::error_code& ec) {
      // Released (cancelled, or expired after the guarded steps finished): the socket may be gone.
      if (ec || !*armed) return;
      *fired = true;
      boost::system::error_code ignored;
      socket.close(ignored);
    });
  }
  ~deadline_guard() {
    *armed_ = false;
    timer_->cancel();
  }
  bool fired() const { return *fired_; }

 private:
  std::shared_ptr<asio::steady_timer> timer_;
  std::shared_ptr<bool> fired_;
  std::shared_ptr<bool> armed_;
};

error io_failure(const char* what, const boost::system::error_code& ec, bool timed_out) {
  if (timed_out) return make_error(errc::timed_out, std::string(what) + ": timed out");
  return make_error(errc::io_error, std::string(what) + ": " + ec.message());
}

}  // namespace

replica_client::replica_client(asio::io_context& io, std::string client_id, size_t max_response_bytes)
    : io_(io), socket_(io), client_id_(std::move(client_id)), max_response_bytes_(max_response_bytes) {}

replica_client::~replica_client() { close(); }

void replica_client::close() {
  boost::system::error_code ignored;
  if (socket_.is_open()) {
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }
}

asio::awaitable<result<void>> replica_client::connect(const std::string& host, int32_t port,
                                                      std::chrono::milliseconds timeout) {
  close();
  if (port <= 0 || port > 65535) co_return make_error(errc::invalid_argument, "bad port");
  tcp::resolver resolver(io_);
  auto [rec, endpoints] =
      co_await resolver.async_resolve(host, std::to_string(port), asio::as_tuple(asio::use_awaitable));
  if (rec) co_return io_failure("resolve", rec, false);
  deadline_guard guard(io_, socket_, timeout);
  auto [ec, ep] = co_await asio::async_connect(socket_, endpoints, asio::as_tuple(asio::use_awaitable));
  if (ec || guard.fired()) {
    close();
    co_return io_failure("connect", ec, guard.fired());
  }
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  co_return result<void>{};
}

asio::awaitable<result<size_t>> replica_client::round_trip(int16_t api_key, int16_t version, outbuf request,
                                                           int32_t correlation, std::vector<uint8_t>& frame,
                                                           std::chrono::milliseconds timeout) {
  if (!socket_.is_open()) co_return make_error(errc::io_error, "not connected");
  outbuf framed = protocol::frame(std::move(request));
  std::string bytes;
  bytes.reserve(framed.size());
  for (const auto& c : framed.chunks()) {
    if (const auto* s = std::get_if<std::string>(&c)) bytes += *s;
  }
  deadline_guard guard(io_, socket_, timeout);
  auto [wec, written] =
      co_await asio::async_write(socket_, asio::buffer(bytes), asio::as_tuple(asio::use_awaitable));
  if (wec || guard.fired()) {
    close();
    co_return io_failure("send", wec, guard.fired());
  }
  uint8_t size_bytes[4];
  auto [hec, hn] =
      co_await asio::async_read(socket_, asio::buffer(size_bytes, 4), asio::as_tuple(asio::use_awaitable));
  if (hec || guard.fired()) {
    close();
    co_return io_failure("receive", hec, guard.fired());
  }
  const uint32_t size = (uint32_t{size_bytes[0]} << 24) | (uint32_t{size_bytes[1]} << 16) |
                        (uint32_t{size_bytes[2]} << 8) | uint32_t{size_bytes[3]};
  // Untrusted: the size is checked before anything is allocated.
  if (size < 4 || size > max_response_bytes_) {
    close();
    co_return make_error(errc::corruption, "response frame of " + std::to_string(size) + " bytes");
  }
  frame.resize(size);
  auto [bec, bn] = co_await asio::async_read(socket_, asio::buffer(frame.data(), frame.size()),
                                             asio::as_tuple(asio::use_awaitable));
  if (bec || guard.fired()) {
    close();
    co_return io_failure("receive", bec, guard.fired());
  }
  protocol::reader r(frame);
  const int32_t got = r.read_int32();
  if (protocol::response_header_version(api_key, version) >= 1) r.skip_tagged_fields();
  if (!r.ok() || got != correlation) {
    close();
    co_return make_error(errc::corruption, "response with correlation id " + std::to_string(got) +
                                               ", expected " + std::to_string(correlation));
  }
  co_return frame.size() - r.remaining();
}

}  // namespace sluice::broker
