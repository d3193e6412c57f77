// replica_client: one outgoing Kafka connection from this broker to another (a follower's fetcher
// to its leader): connect, send a request with a correlation id, read its framed response, every
// step bounded by a deadline. Asio C++20 coroutines; errors are values.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/outbuf.h"
#include "base/result.h"
#include "protocol/reader.h"
#include "protocol/request_header.h"

namespace sluice::broker {

// Used on one thread (its io_context's); one request at a time. A timed-out or failed call closes
// the connection (the response stream is then out of step): the caller connects again.
class replica_client {
 public:
  // `max_response_bytes` bounds the size of a response frame the peer may announce.
  replica_client(boost::asio::io_context& io, std::string client_id, size_t max_response_bytes);
  ~replica_client();
  replica_client(const replica_client&) = delete;
  replica_client& operator=(const replica_client&) = delete;

  boost::asio::awaitable<result<void>> connect(const std::string& host, int32_t port,
                                               std::chrono::milliseconds timeout);
  bool connected() const { return socket_.is_open(); }
  // Closes the socket: a pending connect or call completes with an error. Idempotent.
  void close();

  // Sends one request frame (header + body) and reads the response frame into `frame` (without
  // its size prefix). Returns the offset of the body in `frame` (after the response header).
  boost::asio::awaitable<result<size_t>> round_trip(int16_t api_key, int16_t version, outbuf request,
                                                    int32_t correlation, std::vector<uint8_t>& frame,
                                                    std::chrono::milliseconds timeout);

  // Encodes `req` at `version`, sends it and decodes the response into `out`. The response may
  // hold views (records) into `frame`, which the caller keeps while it uses them.
  template <class Req, class Resp>
  boost::asio::awaitable<result<void>> call(const Req& req, int16_t version, Resp& out,
                                            std::vector<uint8_t>& frame, std::chrono::milliseconds timeout) {
    const int32_t correlation = next_correlation_++;
    outbuf bytes = protocol::encode_request(correlation, version, client_id_, req);
    auto body = co_await round_trip(Req::api_key, version, std::move(bytes), correlation, frame, timeout);
    if (!body.ok()) co_return body.err();
    protocol::reader r(std::span<const uint8_t>(frame).subspan(*body));
    if (!out.decode(r, version) || !r.ok()) {
      close();
      co_return error{errc::corruption, "undecodable response"};
    }
    co_return result<void>{};
  }

 private:
  boost::asio::io_context& io_;
  boost::asio::ip::tcp::socket socket_;
  std::optional<std::string> client_id_;
  size_t max_response_bytes_;
  int32_t next_correlation_ = 1;
};

}  // namespace sluice::broker
