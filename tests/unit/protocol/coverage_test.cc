// Generated-codec semantics on the coverage schema: versions, nullability, defaults, tagged
// fields and nested structs, checked against hand-written bytes.
#include <gtest/gtest.h>

#include "protocol_test/generated/coverage.h"
#include "test_bytes.h"

// GCC 12 reports a false -Wmaybe-uninitialized inside std::optional when an optional struct that
// itself holds an optional<string> is destroyed after emplace() (GCC bug 105593 family).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace sluice::protocol {
namespace {

using testing::span_of;
using testing::wire;

template <class T>
std::string encode(const T& v, int16_t version) {
  writer w;
  v.encode(w, version);
  return std::move(w).take_string();
}

TEST(GeneratedStruct, DefaultsFollowTheSchema) {
  const coverage_request c;
  EXPECT_EQ(c.a_int8, -3);
  EXPECT_EQ(c.a_int32, INT32_MIN);
  EXPECT_EQ(c.a_uint32, 0xffffffffu);
  EXPECT_EQ(c.a_float, 1.5);
  EXPECT_TRUE(c.a_bool);
  EXPECT_EQ(c.a_string, "hello");
  EXPECT_EQ(c.a_nullable_string, std::nullopt) << "default=null";
  EXPECT_EQ(c.a_nullable_string_no_default, std::string()) << "no default: empty, not null";
  EXPECT_FALSE(c.records.is_null());
  ASSERT_TRUE(c.partitions.has_value()) << "nullable array without default starts empty";
  EXPECT_TRUE(c.partitions->empty());
  EXPECT_EQ(c.maybe, std::nullopt) << "nullable structs start null";
  EXPECT_EQ(c.tagged_int, -1);
  EXPECT_EQ(coverage_request::partition::leader{}.leader_id, -1);
  EXPECT_EQ(coverage_request::api_key, 1000);
  EXPECT_EQ(coverage_request::first_flexible_version, 3);
  EXPECT_EQ(never_flexible::first_flexible_version, -1);
}

TEST(GeneratedStruct, AlwaysFlexibleBlockGoldenBytes) {
  always_flexible a;
  a.id = 1;
  a.names = {"a"};
  EXPECT_EQ(encode(a, 0), wire({0x00, 0x00, 0x00, 0x01, 0x02, 0x02, 'a', 0x00}));
  a.extra = 5;  // tag 4 exists from v1
  EXPECT_EQ(encode(a, 0), wire({0x00, 0x00, 0x00, 0x01, 0x02, 0x02, 'a', 0x00}));
  EXPECT_EQ(encode(a, 1),
            wire({0x00, 0x00, 0x00, 0x01, 0x02, 0x02, 'a', 0x01, 0x04, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x05}));
}

TEST(GeneratedStruct, NeverFlexibleBlockGoldenBytes) {
  never_flexible n;
  n.id = 2;
  n.name = std::nullopt;
  n.blob = std::nullopt;
  // v2: name nullable -> int16 -1; blob nullable -> int32 -1.
  EXPECT_EQ(encode(n, 2), wire({0x00, 0x00, 0x00, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
  // v1: name not nullable yet, so a null is written as an empty string.
  EXPECT_EQ(encode(n, 1), wire({0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff}));
  // v0: no name at all.
  EXPECT_EQ(encode(n, 0), wire({0x00, 0x00, 0x00, 0x02, 0xff, 0xff, 0xff, 0xff}));
}

TEST(GeneratedStruct, NullWhereNotNullableFailsToDecode) {
  // never_flexible v1 with name = null (int16 -1): null is allowed only from v2.
  const std::string b = wire({0x00, 0x00, 0x00, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
  never_flexible n;
  reader r1(span_of(b));
  EXPECT_FALSE(n.decode(r1, 1));
  reader r2(span_of(b));
  EXPECT_TRUE(n.decode(r2, 2));
  EXPECT_EQ(n.name, std::nullopt);
}

TEST(GeneratedStruct, FieldsOutsideTheirVersionsKeepDefaults) {
  coverage_request c;
  c.a_int64 = 99;    // v1+
  c.window = 5;      // v1-2
  c.only_three = 3;  // v3
  c.tagged_int = 8;  // v3+ tagged
  const std::string v0 = encode(c, 0);
  coverage_request d;
  reader r(span_of(v0));
  ASSERT_TRUE(d.decode(r, 0));
  EXPECT_EQ(d.a_int64, -1);
  EXPECT_EQ(d.window, 0);
  EXPECT_EQ(d.only_three, 0);
  EXPECT_EQ(d.tagged_int, -1);
  const std::string v3 = encode(c, 3);
  reader r3(span_of(v3));
  ASSERT_TRUE(d.decode(r3, 3));
  EXPECT_EQ(d.a_int64, 99);
  EXPECT_EQ(d.window, 0);
  EXPECT_EQ(d.only_three, 3);
  EXPECT_EQ(d.tagged_int, 8);
}

TEST(GeneratedStruct, DecodeResetsThePreviousValue) {
  coverage_request c;
  c.a_int64 = 99;
  const std::string v1 = encode(c, 1);
  const std::string v0 = encode(coverage_request{}, 0);
  coverage_request d;
  reader r1(span_of(v1));
  ASSERT_TRUE(d.decode(r1, 1));
  EXPECT_EQ(d.a_int64, 99);
  reader r0(span_of(v0));
  ASSERT_TRUE(d.decode(r0, 0));
  EXPECT_EQ(d.a_int64, -1);
}

TEST(GeneratedStruct, NullableStructHasAPresenceByteOnlyWhereNullable) {
  coverage_request with;
  with.maybe.emplace().y = 0x01020304;
  const coverage_request without;  // maybe starts null
  // v1: not nullable -> no presence byte (a null is encoded as a default struct, y only);
  // v2: presence byte -1 (null) or 1 followed by the struct (y int32 + z as an empty string).
  EXPECT_EQ(encode(with, 1).size(), encode(without, 1).size());
  EXPECT_EQ(encode(with, 2).size(), encode(without, 2).size() + 4 + 2);

  coverage_request d;
  const std::string v1 = encode(without, 1);
  reader r1(span_of(v1));
  ASSERT_TRUE(d.decode(r1, 1));
  ASSERT_TRUE(d.maybe.has_value());
  EXPECT_EQ(d.maybe->y, 0);
  const std::string v2 = encode(without, 2);
  reader r2(span_of(v2));
  ASSERT_TRUE(d.decode(r2, 2));
  EXPECT_EQ(d.maybe, std::nullopt);
}

TEST(GeneratedStruct, TaggedFieldsAreSentOnlyWhenNotDefault) {
  coverage_request c;
  const size_t base = encode(c, 3).size();
  c.tagged_int = -1;  // equals the default
  EXPECT_EQ(encode(c, 3).size(), base);
  c.tagged_int = 0;  // differs from the default: tag 0, size 4, int32
  EXPECT_EQ(encode(c, 3).size(), base + 6);
  c.tagged_struct.z = 1;  // a tagged struct differing from its default
  EXPECT_EQ(encode(c, 3).size(), base + 6 + 2 + 8 + 1);
}

TEST(GeneratedStruct, RecordsDecodeWithoutCopying) {
  coverage_request c;
  c.records = records::make_owned(std::string("batch-bytes"));
  const std::string b = encode(c, 4);
  coverage_request d;
  reader r(span_of(b));
  ASSERT_TRUE(d.decode(r, 4));
  ASSERT_EQ(d.records.size(), 11u);
  const uint8_t* p = d.records.view().data();
  EXPECT_GE(p, span_of(b).data());
  EXPECT_LE(p + 11, span_of(b).data() + b.size()) << "the view points into the input";
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(p), 11), "batch-bytes");
}

TEST(GeneratedStruct, ArrayOfStructsRejectsCountsTheInputCannotHold) {
  // always_flexible v0 with names = a compact array claiming 1000 strings in 3 bytes.
  const std::string b = wire({0x00, 0x00, 0x00, 0x01, 0xe9, 0x07, 0x01, 0x00, 0x00});
  always_flexible a;
  reader r(span_of(b));
  EXPECT_FALSE(a.decode(r, 0));
  EXPECT_EQ(a.names.capacity(), 0u);
}

}  // namespace
}  // namespace sluice::protocol
