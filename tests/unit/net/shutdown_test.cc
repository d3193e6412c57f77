// Tests for two-phase shutdown: stop accepting, then drain in-flight work.
#include <gtest/gtest.h>

#include "test_support.h"

namespace sluice::net::test {
namespace {

TEST(server_shutdown, StopAcceptingRefusesNewClientsButServesExistingOnes) {
  scripted_handler h;
  running_server srv({}, h.get());
  client existing(srv.port());
  ASSERT_TRUE(existing.send_frame("E0:before"));
  ASSERT_EQ(existing.read_frame(), "before");
  srv.stop_accepting();
  client late(srv.port());
  EXPECT_FALSE(late.connected());
  ASSERT_TRUE(existing.send_frame("E0:after"));
  EXPECT_EQ(existing.read_frame(), "after");
}

TEST(server_shutdown, DrainCompletesInflightWorkThenCloses) {
  scripted_handler h;
  running_server srv({}, h.get());
  client c(srv.port());
  ASSERT_TRUE(c.send_raw(framed("E300:slow") + framed("N100:silent") + framed("E0:fast")));
  std::this_thread::sleep_for(50ms);  // all three handlers are running
  auto drained = std::async(std::launch::async, [&] { return srv.drain(5s); });
  EXPECT_EQ(c.read_frame(), "slow");
  EXPECT_EQ(c.read_frame(), "fast");
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_TRUE(drained.get());
  EXPECT_EQ(srv.connection_count(), 0u);
  auto started = asio::post(srv.io(), asio::use_future([&] { return *h.started; })).get();
  EXPECT_EQ(started, (std::vector<std::string>{"slow", "silent", "fast"}));
}

TEST(server_shutdown, DrainClosesIdleConnectionsPromptly) {
  scripted_handler h;
  running_server srv({}, h.get());
  client a(srv.port());
  client b(srv.port());
  ASSERT_TRUE(a.send_frame("E0:x"));
  ASSERT_EQ(a.read_frame(), "x");
  ASSERT_TRUE(b.send_raw(be32(10) + "part"));  // a frame half-received when the drain starts
  std::this_thread::sleep_for(50ms);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(srv.drain(5s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  EXPECT_TRUE(a.closed_by_peer());
  EXPECT_TRUE(b.closed_by_peer());
}

TEST(server_shutdown, DrainTimesOutAndClosesWhatIsLeft) {
  scripted_handler h;
  running_server srv({}, h.get());
  client c(srv.port());
  ASSERT_TRUE(c.send_frame("E3000:too slow"));
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(srv.drain(200ms));
  EXPECT_TRUE(c.closed_by_peer());
}

}  // namespace
}  // namespace sluice::net::test
