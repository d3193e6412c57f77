// test_support: a server running on its own io thread, and a blocking loopback client, for net_test.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include "net/server.h"

namespace sluice::net::test {

namespace asio = boost::asio;
using namespace std::chrono_literals;

inline std::string be32(uint32_t v) {
  std::string s(4, '\0');
  s[0] = static_cast<char>(v >> 24);
  s[1] = static_cast<char>(v >> 16);
  s[2] = static_cast<char>(v >> 8);
  s[3] = static_cast<char>(v);
  return s;
}

inline uint32_t read_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// A size-prefixed frame.
inline std::string framed(const std::string& payload) {
  return be32(static_cast<uint32_t>(payload.size())) + payload;
}

// Suspends the calling coroutine for `d` on its executor.
inline asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
}

// A handler driven by the frame text "<op><delay_ms>:<data>":
//   E echo <data> after the delay; N no response; C echo then close; T throw.
// `started` (touched on the io thread only) records <data> of each frame as its handler starts.
struct scripted_handler {
  std::shared_ptr<std::vector<std::string>> started = std::make_shared<std::vector<std::string>>();
  std::shared_ptr<int> running = std::make_shared<int>(0);
  std::shared_ptr<int> max_running = std::make_shared<int>(0);

  frame_handler get() const {
    return [started = started, running = running, max_running = max_running](
               const connection_info& info, frame_bytes frame) -> asio::awaitable<frame_result> {
      std::string text(frame.begin(), frame.end());
      char op = text.empty() ? 'E' : text[0];
      auto colon = text.find(':');
      int delay = colon == std::string::npos || colon < 2 ? 0 : std::stoi(text.substr(1, colon - 1));
      std::string data = colon == std::string::npos ? text : text.substr(colon + 1);
      if (data == "$peer") data = info.peer_host;
      started->push_back(data);
      *max_running = std::max(*max_running, ++*running);
      if (delay > 0) co_await sleep_for(std::chrono::milliseconds(delay));
      --*running;
      if (op == 'T') throw std::runtime_error("scripted failure");
      frame_result r;
      if (op != 'N') {
        r.response.emplace();
        r.response->append(framed(data));
      }
      r.close_connection = op == 'C';
      co_return r;
    };
  }
};

// A server on its own io thread. Methods touching the server hop onto that thread.
class running_server {
 public:
  running_server(server_config cfg, frame_handler handler)
      : work_(asio::make_work_guard(io_)),
        srv_(std::make_unique<server>(io_, std::move(cfg), std::move(handler))) {
    auto r = srv_->start();
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.err().message);
    port_ = srv_->port();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~running_server() {
    if (srv_) (void)drain(2s);
    work_.reset();
    io_.stop();
    thread_.join();
    srv_.reset();
  }

  uint16_t port() const { return port_; }
  asio::io_context& io() { return io_; }

  bool drain(std::chrono::milliseconds timeout) {
    auto f = asio::co_spawn(io_, srv_->drain(timeout), asio::use_future);
    return f.get();
  }
  void stop_accepting() {
    asio::post(io_, asio::use_future([this] { srv_->stop_accepting(); })).get();
  }
  size_t connection_count() {
    return asio::post(io_, asio::use_future([this] { return srv_->connection_count(); })).get();
  }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::unique_ptr<server> srv_;
  uint16_t port_ = 0;
  std::thread thread_;
};

// A blocking loopback client with a receive timeout.
class client {
 public:
  explicit client(uint16_t port, std::chrono::milliseconds timeout = 5s) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    set_timeout(timeout);
  }
  ~client() {
    if (fd_ >= 0) ::close(fd_);
  }
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  bool connected() const { return connected_; }

  void set_timeout(std::chrono::milliseconds timeout) {
    timeval tv{};
    tv.tv_sec = timeout.count() / 1000;
    tv.tv_usec = (timeout.count() % 1000) * 1000;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  bool send_raw(const std::string& bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }
  bool send_frame(const std::string& payload) { return send_raw(framed(payload)); }
  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }

  // Reads exactly n bytes; nullopt on EOF, error or timeout.
  std::optional<std::string> read_exact(size_t n) {
    std::string out(n, '\0');
    size_t off = 0;
    while (off < n) {
      ssize_t r = ::recv(fd_, out.data() + off, n - off, 0);
      if (r <= 0) return std::nullopt;
      off += static_cast<size_t>(r);
    }
    return out;
  }
  // Reads one size-prefixed frame and returns its payload.
  std::optional<std::string> read_frame() {
    auto header = read_exact(4);
    if (!header) return std::nullopt;
    return read_exact(read_be32(reinterpret_cast<const uint8_t*>(header->data())));
  }
  // True if the server closed the connection (EOF or reset) before the timeout, with no data.
  bool closed_by_peer() {
    char c;
    ssize_t r = ::recv(fd_, &c, 1, 0);
    return r == 0 || (r < 0 && errno == ECONNRESET);
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

}  // namespace sluice::net::test
