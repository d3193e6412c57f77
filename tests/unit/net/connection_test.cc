// Tests for a connection's reader/writer hand-offs: writers that end and restart between bursts,
// a reader paused by backpressure and resumed by the writer, and many idle connections.
#include <gtest/gtest.h>

#include <thread>

#include "test_support.h"

namespace sluice::net::test {
namespace {

TEST(server_connection, BurstsMixingInlineSuspendingAndSilentHandlersAreAnsweredInOrderAcrossIdleGaps) {
  scripted_handler h;
  server_config cfg;
  cfg.max_inflight_per_connection = 2;  // the reader pauses and is resumed by the writer
  running_server srv(cfg, h.get());
  client c(srv.port());
  for (int burst = 0; burst < 3; ++burst) {
    std::string batch;
    std::vector<std::string> expected;
    for (int i = 0; i < 30; ++i) {
      const std::string data = std::to_string(burst) + "-" + std::to_string(i);
      switch (i % 3) {
        case 0:  // finishes without suspending
          batch += framed("E0:" + data);
          expected.push_back(data);
          break;
        case 1:  // no response at all
          batch += framed("N0:" + data);
          break;
        default:  // finishes later
          batch += framed("E3:" + data);
          expected.push_back(data);
      }
    }
    ASSERT_TRUE(c.send_raw(batch));
    for (const auto& want : expected) EXPECT_EQ(c.read_frame(), want);
    std::this_thread::sleep_for(30ms);  // idle: no writer, no frame buffer, no slots
  }
  int max_running = asio::post(srv.io(), asio::use_future([&] { return *h.max_running; })).get();
  EXPECT_LE(max_running, 2);
  EXPECT_EQ(srv.connection_count(), 1u);
}

TEST(server_connection, DrainWhileTheReaderIsPausedByBackpressureAnswersWhatStartedThenCloses) {
  scripted_handler h;
  server_config cfg;
  cfg.max_inflight_per_connection = 1;
  running_server srv(cfg, h.get());
  client c(srv.port());
  ASSERT_TRUE(c.send_raw(framed("E200:first") + framed("E0:second") + framed("E0:third")));
  std::this_thread::sleep_for(50ms);  // "first" runs; the reader waits for its response
  EXPECT_TRUE(srv.drain(2s));
  EXPECT_EQ(c.read_frame(), "first");
  EXPECT_TRUE(c.closed_by_peer());
  auto started = asio::post(srv.io(), asio::use_future([&] { return *h.started; })).get();
  EXPECT_EQ(started, (std::vector<std::string>{"first"}));
}

TEST(server_connection, ManyIdleConnectionsAreAllStillServedAndCountedUntilTheyClose) {
  scripted_handler h;
  running_server srv({}, h.get());
  constexpr int n = 300;
  std::vector<std::unique_ptr<client>> clients;
  for (int i = 0; i < n; ++i) {
    clients.push_back(std::make_unique<client>(srv.port()));
    ASSERT_TRUE(clients.back()->send_frame("E0:a" + std::to_string(i)));
  }
  for (int i = 0; i < n; ++i) ASSERT_EQ(clients[i]->read_frame(), "a" + std::to_string(i));
  EXPECT_EQ(srv.connection_count(), static_cast<size_t>(n));
  std::this_thread::sleep_for(50ms);
  for (int i = 0; i < n; ++i) ASSERT_TRUE(clients[i]->send_frame("E0:b" + std::to_string(i)));
  for (int i = 0; i < n; ++i) ASSERT_EQ(clients[i]->read_frame(), "b" + std::to_string(i));
  clients.clear();
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (srv.connection_count() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(srv.connection_count(), 0u);
}

}  // namespace
}  // namespace sluice::net::test
