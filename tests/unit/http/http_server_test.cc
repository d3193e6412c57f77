// http_server_test: the bounded HTTP/1.1 server on a real io_context and loopback sockets:
// keep-alive, HEAD, 405/413/431/400, handler failures, the connection cap, idle timeout, stop().
#include "http/http_server.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "http_client.h"

namespace sluice::http::test {
namespace {
namespace asio = boost::asio;

// A server on its own io thread answering "you asked for <target>" (or throwing for /throw).
class HttpServerTest : public ::testing::Test {
 protected:
  void start(server_config config = {}) {
    config.port = 0;
    server_ = std::make_unique<server>(io_, config, [this](const request& req) {
      ++handled_;
      if (req.target == "/throw") throw std::runtime_error("boom");
      response r;
      r.body = "you asked for " + req.target;
      return r;
    });
    ASSERT_TRUE(server_->start().ok());
    port_ = server_->port();
    thread_ = std::thread([this] {
      auto guard = asio::make_work_guard(io_);
      io_.run();
    });
  }
  // Runs `f` on the io thread and waits for it.
  template <class F>
  auto on_io(F f) {
    return asio::post(io_, asio::use_future(std::move(f))).get();
  }
  void TearDown() override {
    if (thread_.joinable()) {
      on_io([this] { server_->stop(); });
      io_.stop();
      thread_.join();
    }
    server_.reset();
  }

  asio::io_context io_;
  std::unique_ptr<server> server_;
  std::thread thread_;
  uint16_t port_ = 0;
  int handled_ = 0;  // touched on the io thread only while tests wait
};

TEST_F(HttpServerTest, AnswersGetWithBodyAndContentLength) {
  start();
  auto r = get(port_, "/hello?x=1");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "you asked for /hello?x=1");
  EXPECT_EQ(r.headers["content-length"], "24");
  EXPECT_EQ(r.headers["cache-control"], "no-store");
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start();
  raw_connection c(port_);
  // Two pipelined requests in one write, then a third.
  ASSERT_TRUE(c.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto a = c.read_reply();
  auto b = c.read_reply();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->body, "you asked for /a");
  EXPECT_EQ(b->body, "you asked for /b");
  ASSERT_TRUE(c.send("GET /c HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto c3 = c.read_reply();
  ASSERT_TRUE(c3);
  EXPECT_EQ(c3->body, "you asked for /c");
}

TEST_F(HttpServerTest, HeadGetsHeadersWithoutBody) {
  start();
  raw_connection c(port_);
  ASSERT_TRUE(c.send("HEAD /x HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.read_reply(/*head=*/true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->headers["content-length"], "16");
  // The connection is still in sync: the next answer is the next request's.
  ASSERT_TRUE(c.send("GET /y HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto next = c.read_reply();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "you asked for /y");
}

TEST_F(HttpServerTest, OtherMethodsGet405WithAllowAndClose) {
  start();
  for (const char* method : {"POST", "PUT", "DELETE", "OPTIONS"}) {
    raw_connection c(port_);
    ASSERT_TRUE(
        c.send(std::string(method) + " /v1/topics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"));
    auto r = c.read_reply();
    ASSERT_TRUE(r) << method;
    EXPECT_EQ(r->status, 405) << method;
    EXPECT_EQ(r->headers["allow"], "GET, HEAD");
    EXPECT_TRUE(c.closed_by_peer());
  }
  EXPECT_EQ(on_io([this] { return handled_; }), 0);
}

TEST_F(HttpServerTest, GetWithABodyGets413) {
  start();
  raw_connection c(port_);
  ASSERT_TRUE(c.send("GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(c.closed_by_peer());

  raw_connection chunked(port_);
  ASSERT_TRUE(chunked.send(
      "GET /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"));
  auto rc = chunked.read_reply();
  ASSERT_TRUE(rc);
  EXPECT_EQ(rc->status, 413);
}

TEST_F(HttpServerTest, OversizedHeaderGets431) {
  server_config config;
  config.max_header_bytes = 1024;
  start(config);
  raw_connection c(port_);
  ASSERT_TRUE(c.send("GET /x HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4000, 'a') + "\r\n\r\n"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_EQ(on_io([this] { return handled_; }), 0);
}

TEST_F(HttpServerTest, MalformedRequestsGet400AndNeverReachTheHandler) {
  start();
  const std::vector<std::string> bad = {
      "GARBAGE\r\n\r\n",
      "GET\r\n\r\n",
      "GET /x HTTP/9.9\r\n\r\n",
      "GET /x HTTP/1.1\r\nNo colon here\r\n\r\n",
      "GET /x HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
      "GET /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      std::string("GET /\x01 HTTP/1.1\r\n\r\n"),
      std::string("\0\0\0\x10\0\x12\0\0", 8),
  };
  for (const auto& req : bad) {
    raw_connection c(port_);
    ASSERT_TRUE(c.send(req));
    auto r = c.read_reply(false, 5s);
    ASSERT_TRUE(r) << "no answer to " << req;
    EXPECT_EQ(r->status / 100, 4) << req;
    EXPECT_TRUE(c.closed_by_peer());
  }
  EXPECT_EQ(on_io([this] { return handled_; }), 0);
  // Still serving.
  EXPECT_EQ(get(port_, "/ok").status, 200);
}

TEST_F(HttpServerTest, PeerClosingMidRequestIsHarmless) {
  start();
  {
    raw_connection c(port_);
    ASSERT_TRUE(c.send("GET /x HTTP/1.1\r\nHost: "));
  }
  EXPECT_EQ(get(port_, "/ok").status, 200);
}

TEST_F(HttpServerTest, HandlerExceptionIsA500) {
  start();
  EXPECT_EQ(get(port_, "/throw").status, 500);
  EXPECT_EQ(get(port_, "/ok").status, 200);
}

TEST_F(HttpServerTest, ConnectionsBeyondTheCapAreRefusedWith503) {
  server_config config;
  config.max_connections = 4;
  start(config);
  std::vector<std::unique_ptr<raw_connection>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<raw_connection>(port_));
    // A full round trip proves the server accepted (and counts) this connection.
    ASSERT_TRUE(held.back()->send("GET /held HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(held.back()->read_reply());
  }
  EXPECT_EQ(on_io([this] { return server_->connection_count(); }), 4u);
  for (int i = 0; i < 3; ++i) {
    raw_connection extra(port_);
    auto r = extra.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
    EXPECT_TRUE(extra.closed_by_peer());
  }
  // Held connections still work; closing one frees a slot.
  ASSERT_TRUE(held[0]->send("GET /still HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(held[0]->read_reply());
  held.pop_back();
  for (int i = 0; i < 100 && on_io([this] { return server_->connection_count(); }) != 3u; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(get(port_, "/again").status, 200);
}

TEST_F(HttpServerTest, IdleConnectionIsClosed) {
  server_config config;
  config.idle_timeout = 200ms;
  start(config);
  raw_connection idle(port_);
  EXPECT_TRUE(idle.closed_by_peer(5s));
  // A slow client that never finishes its header is closed too.
  raw_connection slow(port_);
  ASSERT_TRUE(slow.send("GET /x HTTP/1.1\r\n"));
  EXPECT_TRUE(slow.closed_by_peer(5s));
  EXPECT_EQ(on_io([this] { return server_->connection_count(); }), 0u);
}

TEST_F(HttpServerTest, StopClosesConnectionsAndTheListener) {
  start();
  raw_connection c(port_);
  ASSERT_TRUE(c.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.read_reply());
  on_io([this] { server_->stop(); });
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_THROW(raw_connection again(port_), std::runtime_error);
}

TEST(HttpServerBind, BadAddressAndBusyPortAreErrors) {
  asio::io_context io;
  server_config config;
  config.host = "not-an-ip";
  server bad(io, config, [](const request&) { return response{}; });
  EXPECT_FALSE(bad.start().ok());

  server first(io, server_config{}, [](const request&) { return response{}; });
  ASSERT_TRUE(first.start().ok());
  server_config same;
  same.port = first.port();
  server second(io, same, [](const request&) { return response{}; });
  EXPECT_FALSE(second.start().ok());
}

}  // namespace
}  // namespace sluice::http::test
