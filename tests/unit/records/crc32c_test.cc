// Tests for records/crc32c: known vectors and incremental use.
#include "records/crc32c.h"

#include <gtest/gtest.h>

#include <string>

#include "spec_bytes.h"

namespace sluice::records {
namespace {

using testing::span_of;

TEST(Crc32c, KnownVectorFor123456789) { EXPECT_EQ(crc32c(span_of("123456789")), 0xE3069283u); }

TEST(Crc32c, EmptyInputIsZero) { EXPECT_EQ(crc32c({}), 0u); }

TEST(Crc32c, Rfc3720VectorOf32Zeros) { EXPECT_EQ(crc32c(span_of(std::string(32, '\0'))), 0x8A9136AAu); }

TEST(Crc32c, ExtendEqualsCrcOfTheConcatenation) {
  const std::string a = "hello, ", b = "kafka world";
  EXPECT_EQ(crc32c_extend(crc32c(span_of(a)), span_of(b)), crc32c(span_of(a + b)));
}

TEST(Crc32c, MatchesABitwiseReferenceOnManyLengths) {
  std::string s;
  for (int i = 0; i < 3000; ++i) {
    const uint32_t ref = testing::ref_crc32c(reinterpret_cast<const uint8_t*>(s.data()), s.size());
    ASSERT_EQ(crc32c(span_of(s)), ref) << "length " << s.size();
    s.push_back(static_cast<char>(i * 31 + 7));
  }
}

}  // namespace
}  // namespace sluice::records
