// Tests for the ConsumerProtocolSubscription decoder: every version's layout, forward-compatible
// reads of newer versions, and malformed (untrusted) input.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "group/consumer_protocol.h"

namespace sluice::group {
namespace {

using buf = std::vector<uint8_t>;

void i16(buf& b, int16_t v) {
  b.push_back(static_cast<uint8_t>(static_cast<uint16_t>(v) >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void i32(buf& b, int32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(static_cast<uint32_t>(v) >> s));
}
void str(buf& b, const std::string& s) {
  i16(b, static_cast<int16_t>(s.size()));
  b.insert(b.end(), s.begin(), s.end());
}

// A subscription in the layout of `version` (at most 3), as a Java consumer writes it.
buf subscription(int16_t version, const std::vector<std::string>& topics, bool with_user_data = false) {
  buf b;
  i16(b, version);
  i32(b, static_cast<int32_t>(topics.size()));
  for (const auto& t : topics) str(b, t);
  if (with_user_data) {
    i32(b, 3);
    b.insert(b.end(), {1, 2, 3});
  } else {
    i32(b, -1);
  }
  if (version >= 1) {
    i32(b, 1);  // owned partitions: t0 -> [0, 2]
    str(b, "t0");
    i32(b, 2);
    i32(b, 0);
    i32(b, 2);
  }
  if (version >= 2) i32(b, 7);  // generation
  if (version >= 3) str(b, "rack-a");
  return b;
}

TEST(consumer_protocol, v0_topics_and_null_user_data) {
  auto s = decode_subscription(subscription(0, {"a", "b"}));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->version, 0);
  EXPECT_EQ(s->topics, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(s->user_data);
  EXPECT_TRUE(s->owned.empty());
  EXPECT_EQ(s->generation_id, -1);
  EXPECT_FALSE(s->rack_id);
}

TEST(consumer_protocol, v3_has_every_field) {
  auto s = decode_subscription(subscription(3, {"a"}, true));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->topics, std::vector<std::string>{"a"});
  ASSERT_TRUE(s->user_data);
  EXPECT_EQ(*s->user_data, (buf{1, 2, 3}));
  ASSERT_EQ(s->owned.size(), 1u);
  EXPECT_EQ(s->owned[0].topic, "t0");
  EXPECT_EQ(s->owned[0].partitions, (std::vector<int32_t>{0, 2}));
  EXPECT_EQ(s->generation_id, 7);
  EXPECT_EQ(s->rack_id, "rack-a");
}

TEST(consumer_protocol, newer_version_is_read_with_the_newest_known_layout) {
  auto b = subscription(3, {"x"});
  b[1] = 9;                         // version 9
  b.insert(b.end(), {0xde, 0xad});  // a field appended by a future version
  auto s = decode_subscription(b);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->version, 9);
  EXPECT_EQ(s->rack_id, "rack-a");
  EXPECT_EQ(subscribed_topics(b), std::vector<std::string>{"x"});
}

TEST(consumer_protocol, every_truncation_is_malformed) {
  const auto full = subscription(3, {"alpha", "beta"}, true);
  for (size_t n = 0; n < full.size(); ++n) {
    EXPECT_FALSE(decode_subscription(std::span(full.data(), n))) << "prefix of " << n << " bytes";
  }
  EXPECT_TRUE(decode_subscription(full));
}

TEST(consumer_protocol, subscribed_topics_needs_only_the_v0_prefix) {
  const auto full = subscription(3, {"alpha"});
  const size_t prefix = 2 + 4 + 2 + 5 + 4;  // version, count, "alpha", null user data
  for (size_t n = 0; n < prefix; ++n) EXPECT_FALSE(subscribed_topics(std::span(full.data(), n))) << n;
  for (size_t n = prefix; n <= full.size(); ++n) {
    EXPECT_EQ(subscribed_topics(std::span(full.data(), n)), std::vector<std::string>{"alpha"}) << n;
  }
}

TEST(consumer_protocol, negative_version_is_refused_but_the_coordinator_view_still_reads_topics) {
  auto b = subscription(0, {"a"});
  b[0] = 0xff;
  b[1] = 0xff;
  EXPECT_FALSE(decode_subscription(b));
  // Kafka's coordinator reads the v0 prefix whatever the version says.
  EXPECT_EQ(subscribed_topics(b), std::vector<std::string>{"a"});
}

TEST(consumer_protocol, hostile_counts_and_nulls_are_malformed) {
  buf huge;
  i16(huge, 0);
  i32(huge, 0x7fffffff);  // topic count far beyond the input
  EXPECT_FALSE(decode_subscription(huge));
  EXPECT_FALSE(subscribed_topics(huge));

  buf null_topics;
  i16(null_topics, 0);
  i32(null_topics, -1);
  i32(null_topics, -1);
  EXPECT_FALSE(subscribed_topics(null_topics));

  buf null_topic;
  i16(null_topic, 0);
  i32(null_topic, 1);
  i16(null_topic, -1);
  i32(null_topic, -1);
  EXPECT_FALSE(subscribed_topics(null_topic));

  buf bad_user_data;
  i16(bad_user_data, 0);
  i32(bad_user_data, 0);
  i32(bad_user_data, 100);  // 100 bytes announced, none there
  EXPECT_FALSE(subscribed_topics(bad_user_data));

  auto huge_owned = subscription(1, {"a"});
  huge_owned.resize(huge_owned.size() - 20);  // drop the owned partitions
  i32(huge_owned, 0x10000000);
  EXPECT_FALSE(decode_subscription(huge_owned));

  EXPECT_FALSE(decode_subscription({}));
  EXPECT_FALSE(subscribed_topics({}));
}

TEST(consumer_protocol, empty_topic_list_is_valid) {
  auto s = subscribed_topics(subscription(0, {}));
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->empty());
}

}  // namespace
}  // namespace sluice::group
