// Tests for the size-prefix decoding and the accept/refuse rule applied before allocation.
#include "net/frame.h"

#include <gtest/gtest.h>

namespace sluice::net {
namespace {

TEST(frame_size, DecodesBigEndian) {
  const uint8_t bytes[] = {0x00, 0x01, 0x02, 0x03};
  EXPECT_EQ(decode_frame_size(bytes), 0x00010203);
}

TEST(frame_size, HighBitMeansNegative) {
  const uint8_t bytes[] = {0xff, 0xff, 0xff, 0xfe};
  EXPECT_EQ(decode_frame_size(bytes), -2);
}

TEST(frame_size, ZeroAndMaximumAreAcceptedNegativeAndLargerAreNot) {
  EXPECT_TRUE(frame_size_acceptable(0, 100));
  EXPECT_TRUE(frame_size_acceptable(100, 100));
  EXPECT_FALSE(frame_size_acceptable(101, 100));
  EXPECT_FALSE(frame_size_acceptable(-1, 100));
  EXPECT_FALSE(frame_size_acceptable(INT32_MIN, 100));
}

}  // namespace
}  // namespace sluice::net
