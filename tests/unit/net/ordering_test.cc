// Tests that responses leave in request order whatever order handlers finish in.
#include <gtest/gtest.h>

#include "test_support.h"

namespace sluice::net::test {
namespace {

TEST(server_ordering, ResponsesFollowRequestOrderWhenHandlersFinishOutOfOrder) {
  scripted_handler h;
  running_server srv({}, h.get());
  client c(srv.port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send_raw(framed("E300:a") + framed("E10:b") + framed("E150:c") + framed("E0:d")));
  for (const char* want : {"a", "b", "c", "d"}) EXPECT_EQ(c.read_frame(), want);
}

TEST(server_ordering, FrameWithoutResponseIsSkippedWithoutBreakingOrder) {
  scripted_handler h;
  running_server srv({}, h.get());
  client c(srv.port());
  ASSERT_TRUE(
      c.send_raw(framed("E100:a") + framed("N0:x") + framed("E0:b") + framed("N50:y") + framed("E20:c")));
  for (const char* want : {"a", "b", "c"}) EXPECT_EQ(c.read_frame(), want);
  ASSERT_TRUE(c.send_frame("N0:z"));
  ASSERT_TRUE(c.send_frame("E0:after"));
  EXPECT_EQ(c.read_frame(), "after");
}

TEST(server_ordering, HandlersStartInArrivalOrder) {
  scripted_handler h;
  running_server srv({}, h.get());
  client c(srv.port());
  std::string batch;
  std::vector<std::string> sent;
  for (int i = 0; i < 50; ++i) {
    sent.push_back(std::to_string(i));
    batch += framed("E" + std::to_string((i * 37) % 20) + ":" + sent.back());
  }
  ASSERT_TRUE(c.send_raw(batch));
  for (const auto& want : sent) ASSERT_EQ(c.read_frame(), want);
  auto started = asio::post(srv.io(), asio::use_future([&] { return *h.started; })).get();
  EXPECT_EQ(started, sent);
}

TEST(server_ordering, CloseRequestSendsEarlierResponsesAndItsOwnThenCloses) {
  scripted_handler h;
  running_server srv({}, h.get());
  client c(srv.port());
  ASSERT_TRUE(c.send_raw(framed("E200:a") + framed("C0:b") + framed("E0:c")));
  EXPECT_EQ(c.read_frame(), "a");
  EXPECT_EQ(c.read_frame(), "b");
  EXPECT_TRUE(c.closed_by_peer());
}

TEST(server_ordering, FailingHandlerClosesOnlyItsConnection) {
  scripted_handler h;
  running_server srv({}, h.get());
  client bad(srv.port());
  client good(srv.port());
  ASSERT_TRUE(bad.send_raw(framed("E50:first") + framed("T0:boom")));
  EXPECT_EQ(bad.read_frame(), "first");
  EXPECT_TRUE(bad.closed_by_peer());
  ASSERT_TRUE(good.send_frame("E0:still here"));
  EXPECT_EQ(good.read_frame(), "still here");
}

TEST(server_ordering, HandlerSeesPeerAddressAndEmptyFrames) {
  scripted_handler h;
  running_server srv({}, h.get());
  client c(srv.port());
  ASSERT_TRUE(c.send_frame("E0:$peer"));
  EXPECT_EQ(c.read_frame(), "127.0.0.1");
  ASSERT_TRUE(c.send_frame(""));
  EXPECT_EQ(c.read_frame(), "");
}

TEST(server_ordering, ClientHalfCloseStillGetsQueuedResponses) {
  scripted_handler h;
  running_server srv({}, h.get());
  client c(srv.port());
  ASSERT_TRUE(c.send_raw(framed("E100:a") + framed("E0:b")));
  c.shutdown_write();
  EXPECT_EQ(c.read_frame(), "a");
  EXPECT_EQ(c.read_frame(), "b");
  EXPECT_TRUE(c.closed_by_peer());
}

}  // namespace
}  // namespace sluice::net::test
