// Tests for uuid generation and Kafka's base64url text form.
#include <gtest/gtest.h>

#include "base/uuid.h"

namespace sluice {
namespace {

TEST(Uuid, TextFormRoundTrips) {
  for (int i = 0; i < 100; ++i) {
    const auto id = random_uuid();
    const auto text = uuid_to_string(id);
    EXPECT_EQ(text.size(), 22u);
    auto back = uuid_from_string(text);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, id);
  }
}

TEST(Uuid, KnownValueMatchesKafkaEncoding) {
  // Kafka: new Uuid(0, 1).toString() == "AAAAAAAAAAAAAAAAAAAAAQ"
  uuid_bytes id{};
  id[15] = 1;
  EXPECT_EQ(uuid_to_string(id), "AAAAAAAAAAAAAAAAAAAAAQ");
}

TEST(Uuid, MalformedTextIsRejected) {
  EXPECT_FALSE(uuid_from_string("short").has_value());
  EXPECT_FALSE(uuid_from_string("AAAAAAAAAAAAAAAAAAAA*Q").has_value());
}

}  // namespace
}  // namespace sluice
