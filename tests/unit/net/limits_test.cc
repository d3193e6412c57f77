// Tests for frame-size limits, truncated input, backpressure, connection limits and idle timeouts.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>

#include "test_support.h"

namespace sluice::net::test {
namespace {

TEST(server_limits, OversizeFrameClosesThatConnectionWhileAnotherKeepsWorking) {
  scripted_handler h;
  server_config cfg;
  cfg.max_frame_bytes = 1024;
  running_server srv(cfg, h.get());
  client bad(srv.port());
  client good(srv.port());
  ASSERT_TRUE(good.send_frame("E0:one"));
  EXPECT_EQ(good.read_frame(), "one");
  // Only the prefix is sent: the server must refuse on the size alone.
  ASSERT_TRUE(bad.send_raw(be32(1025)));
  EXPECT_TRUE(bad.closed_by_peer());
  ASSERT_TRUE(good.send_frame("E0:two"));
  EXPECT_EQ(good.read_frame(), "two");
}

TEST(server_limits, FrameOfExactlyTheMaximumIsAccepted) {
  scripted_handler h;
  server_config cfg;
  cfg.max_frame_bytes = 1024;
  running_server srv(cfg, h.get());
  client c(srv.port());
  std::string payload = "E0:" + std::string(1024 - 3, 'x');
  ASSERT_TRUE(c.send_frame(payload));
  EXPECT_EQ(c.read_frame(), payload.substr(3));
}

TEST(server_limits, NegativeFrameSizeClosesTheConnection) {
  scripted_handler h;
  running_server srv({}, h.get());
  client c(srv.port());
  ASSERT_TRUE(c.send_raw(be32(0xffffffffu)));
  EXPECT_TRUE(c.closed_by_peer());
}

TEST(server_limits, TruncatedFrameThenEofIsHandled) {
  scripted_handler h;
  running_server srv({}, h.get());
  {
    client c(srv.port());
    ASSERT_TRUE(c.send_raw(framed("E50:whole") + be32(100) + "only ten b"));
    c.shutdown_write();
    EXPECT_EQ(c.read_frame(), "whole");
    EXPECT_TRUE(c.closed_by_peer());
  }
  client next(srv.port());
  ASSERT_TRUE(next.send_frame("E0:fine"));
  EXPECT_EQ(next.read_frame(), "fine");
  auto started = asio::post(srv.io(), asio::use_future([&] { return *h.started; })).get();
  EXPECT_EQ(started, (std::vector<std::string>{"whole", "fine"}));
}

TEST(server_limits, InflightLimitBoundsConcurrentHandlersPerConnection) {
  scripted_handler h;
  server_config cfg;
  cfg.max_inflight_per_connection = 2;
  running_server srv(cfg, h.get());
  client c(srv.port());
  std::string batch;
  for (int i = 0; i < 8; ++i) batch += framed("E40:" + std::to_string(i));
  ASSERT_TRUE(c.send_raw(batch));
  for (int i = 0; i < 8; ++i) EXPECT_EQ(c.read_frame(), std::to_string(i));
  int max_running = asio::post(srv.io(), asio::use_future([&] { return *h.max_running; })).get();
  EXPECT_EQ(max_running, 2);
}

TEST(server_limits, ManyConnectionsAreServedConcurrently) {
  scripted_handler h;
  running_server srv({}, h.get());
  constexpr int clients = 64;
  constexpr int frames = 20;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      client c(srv.port());
      std::string batch;
      for (int i = 0; i < frames; ++i)
        batch += framed("E" + std::to_string((t + i) % 5) + ":" + std::to_string(t * 1000 + i));
      if (!c.send_raw(batch)) return;
      for (int i = 0; i < frames; ++i) {
        if (c.read_frame() != std::to_string(t * 1000 + i)) return;
      }
      ++good;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), clients);
}

TEST(server_limits, ClientsBeyondMaxConnectionsWaitForAFreeSlot) {
  scripted_handler h;
  server_config cfg;
  cfg.max_connections = 2;
  running_server srv(cfg, h.get());
  auto first = std::make_unique<client>(srv.port());
  client second(srv.port());
  for (client* c : {first.get(), &second}) {
    ASSERT_TRUE(c->send_frame("E0:hi"));
    ASSERT_EQ(c->read_frame(), "hi");
  }
  client third(srv.port(), 300ms);  // completes in the kernel backlog
  ASSERT_TRUE(third.send_frame("E0:queued"));
  EXPECT_EQ(third.read_frame(), std::nullopt);  // not accepted yet
  first.reset();
  third.set_timeout(5s);
  EXPECT_EQ(third.read_frame(), "queued");
}

TEST(server_limits, IdleConnectionIsClosed) {
  scripted_handler h;
  server_config cfg;
  cfg.idle_timeout = 200ms;
  running_server srv(cfg, h.get());
  client c(srv.port());
  ASSERT_TRUE(c.send_frame("E0:x"));
  ASSERT_EQ(c.read_frame(), "x");
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 150ms);
}

TEST(server_limits, SlowHandlerIsNotIdleness) {
  scripted_handler h;
  server_config cfg;
  cfg.idle_timeout = 100ms;
  running_server srv(cfg, h.get());
  client c(srv.port());
  ASSERT_TRUE(c.send_frame("E400:slow"));
  EXPECT_EQ(c.read_frame(), "slow");
}

TEST(server_limits, ReusePortLetsTwoShardsShareAPort) {
  scripted_handler h1;
  scripted_handler h2;
  server_config cfg;
  cfg.reuse_port = true;
  running_server first(cfg, h1.get());
  cfg.port = first.port();
  running_server second(cfg, h2.get());
  EXPECT_EQ(second.port(), first.port());
  for (int i = 0; i < 8; ++i) {
    client c(first.port());
    ASSERT_TRUE(c.send_frame("E0:ok"));
    EXPECT_EQ(c.read_frame(), "ok");
  }
}

TEST(server_limits, BindingATakenPortFailsWithErrno) {
  scripted_handler h;
  running_server first({}, h.get());
  asio::io_context io;
  server_config cfg;
  cfg.port = first.port();
  server second(io, cfg, h.get());
  auto r = second.start();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, errc::io_error);
  EXPECT_EQ(r.err().sys_errno, EADDRINUSE);
}

TEST(server_limits, AcceptBacksOffOnFileDescriptorExhaustionAndRecovers) {
  scripted_handler h;
  server_config cfg;
  cfg.accept_backoff_max = 100ms;
  running_server srv(cfg, h.get());
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  int probe = ::open("/dev/null", O_RDONLY);  // the lowest free descriptor
  ASSERT_GE(probe, 0);
  ::close(probe);
  // Room for exactly one more descriptor: the client's socket. The server's accept gets EMFILE.
  rlimit tight = saved;
  tight.rlim_cur = static_cast<rlim_t>(probe + 1);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &tight), 0);
  client c(srv.port(), 2s);
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send_frame("E0:after emfile"));
  std::this_thread::sleep_for(300ms);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_EQ(c.read_frame(), "after emfile");
}

}  // namespace
}  // namespace sluice::net::test
