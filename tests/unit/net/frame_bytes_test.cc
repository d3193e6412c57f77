// frame_bytes: frame buffers come back to the thread that freed them, within a bound.
#include "net/frame_bytes.h"

#include <gtest/gtest.h>

#include <thread>

namespace sluice::net {
namespace {

TEST(FrameBytesTest, AFreedLargeFrameIsReusedByTheNextFrameOfItsSizeClass) {
  const void* first = nullptr;
  {
    frame_bytes a;
    a.resize(1000 * 1000);
    a[0] = 1;
    a.back() = 2;
    first = a.data();
  }
  EXPECT_GE(frame_pool::cached_blocks(), 1u);
  frame_bytes b;
  b.resize(600 * 1000);  // same power-of-two class (1 MiB)
  EXPECT_EQ(static_cast<const void*>(b.data()), first);
}

TEST(FrameBytesTest, SmallFramesAreNotCached) {
  const size_t before = frame_pool::cached_bytes();
  { frame_bytes small(1000); }
  EXPECT_EQ(frame_pool::cached_bytes(), before);
}

TEST(FrameBytesTest, TheCacheOfAThreadStaysWithinItsBound) {
  std::thread t([] {
    std::vector<frame_bytes> many;
    for (int i = 0; i < 100; ++i) many.emplace_back(frame_pool::max_pooled);
    many.clear();
    EXPECT_LE(frame_pool::cached_bytes(), frame_pool::max_cached_bytes);
    EXPECT_GE(frame_pool::cached_bytes(), frame_pool::max_cached_bytes / 2);
  });
  t.join();
}

TEST(FrameBytesTest, ABlockFreedOnAnotherThreadJoinsThatThreadsCache) {
  auto frame = std::make_unique<frame_bytes>(256 * 1024);
  const void* block = frame->data();
  std::thread t([&] {
    frame.reset();
    frame_bytes again(200 * 1024);
    EXPECT_EQ(static_cast<const void*>(again.data()), block);
  });
  t.join();
}

TEST(FrameBytesTest, HugeFramesBypassTheCache) {
  const size_t before = frame_pool::cached_bytes();
  { frame_bytes huge(frame_pool::max_pooled + 1); }
  EXPECT_EQ(frame_pool::cached_bytes(), before);
}

}  // namespace
}  // namespace sluice::net
