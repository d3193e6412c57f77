// Reader and writer primitives: fixed-width integers, varints, strings, bytes, arrays, records,
// tagged sections, with expected bytes written by hand from the Kafka protocol guide.
#include <gtest/gtest.h>

#include <limits>
#include <variant>

#include "protocol/reader.h"
#include "protocol/writer.h"
#include "test_bytes.h"

namespace sluice::protocol {
namespace {

using testing::span_of;
using testing::wire;

std::string uvarint_bytes(uint32_t v) {
  writer w;
  w.write_uvarint(v);
  return std::move(w).take_string();
}

TEST(Uvarint, EdgeValuesEncodeAsLeb128) {
  EXPECT_EQ(uvarint_bytes(0), wire({0x00}));
  EXPECT_EQ(uvarint_bytes(127), wire({0x7f}));
  EXPECT_EQ(uvarint_bytes(128), wire({0x80, 0x01}));
  EXPECT_EQ(uvarint_bytes(300), wire({0xac, 0x02}));
  EXPECT_EQ(uvarint_bytes(16383), wire({0xff, 0x7f}));
  EXPECT_EQ(uvarint_bytes(16384), wire({0x80, 0x80, 0x01}));
  EXPECT_EQ(uvarint_bytes(1u << 28), wire({0x80, 0x80, 0x80, 0x80, 0x01}));
  EXPECT_EQ(uvarint_bytes(0xffffffffu), wire({0xff, 0xff, 0xff, 0xff, 0x0f}));
}

TEST(Uvarint, EdgeValuesDecode) {
  for (uint32_t v : {0u, 127u, 128u, 300u, 16383u, 16384u, 1u << 28, 0xffffffffu}) {
    const std::string b = uvarint_bytes(v);
    reader r(span_of(b));
    EXPECT_EQ(r.read_uvarint(), v);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.remaining(), 0u);
  }
}

TEST(Uvarint, MoreThanFiveBytesFails) {
  const std::string b = wire({0xff, 0xff, 0xff, 0xff, 0xff, 0x01});
  reader r(span_of(b));
  r.read_uvarint();
  EXPECT_FALSE(r.ok());
}

TEST(Uvarint, FifthByteBeyond32BitsFails) {
  const std::string b = wire({0xff, 0xff, 0xff, 0xff, 0x1f});
  reader r(span_of(b));
  r.read_uvarint();
  EXPECT_FALSE(r.ok());
}

TEST(Uvarint, TruncatedFails) {
  const std::string b = wire({0x80, 0x80});
  reader r(span_of(b));
  r.read_uvarint();
  EXPECT_FALSE(r.ok());
}

TEST(Varint, ZigzagEncoding) {
  auto enc = [](int32_t v) {
    writer w;
    w.write_varint(v);
    return std::move(w).take_string();
  };
  EXPECT_EQ(enc(0), wire({0x00}));
  EXPECT_EQ(enc(-1), wire({0x01}));
  EXPECT_EQ(enc(1), wire({0x02}));
  EXPECT_EQ(enc(63), wire({0x7e}));
  EXPECT_EQ(enc(-64), wire({0x7f}));
  EXPECT_EQ(enc(64), wire({0x80, 0x01}));
  EXPECT_EQ(enc(std::numeric_limits<int32_t>::min()), wire({0xff, 0xff, 0xff, 0xff, 0x0f}));
  for (int32_t v : {0, -1, 1, 63, -64, 64, 1 << 20, std::numeric_limits<int32_t>::max(),
                    std::numeric_limits<int32_t>::min()}) {
    const std::string b = enc(v);
    reader r(span_of(b));
    EXPECT_EQ(r.read_varint(), v);
    EXPECT_TRUE(r.ok());
  }
}

TEST(Varlong, ZigzagEncodingRoundTripsExtremes) {
  auto enc = [](int64_t v) {
    writer w;
    w.write_varlong(v);
    return std::move(w).take_string();
  };
  EXPECT_EQ(enc(-1), wire({0x01}));
  EXPECT_EQ(enc(std::numeric_limits<int64_t>::min()),
            wire({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}));
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1} << 40, std::numeric_limits<int64_t>::max(),
                    std::numeric_limits<int64_t>::min()}) {
    const std::string b = enc(v);
    reader r(span_of(b));
    EXPECT_EQ(r.read_varlong(), v);
    EXPECT_TRUE(r.ok());
  }
  const std::string too_long = wire({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x03});
  reader r(span_of(too_long));
  r.read_varlong();
  EXPECT_FALSE(r.ok());
}

TEST(FixedWidth, BigEndianLayout) {
  writer w;
  w.write_int16(0x0102);
  w.write_int32(-2);
  w.write_int64(0x0102030405060708);
  w.write_uint16(0xfffe);
  w.write_uint32(0x80000001u);
  w.write_float64(1.5);
  w.write_bool(true);
  const std::string b = std::move(w).take_string();
  EXPECT_EQ(b, wire({0x01, 0x02, 0xff, 0xff, 0xff, 0xfe, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xff,
                     0xfe, 0x80, 0x00, 0x00, 0x01, 0x3f, 0xf8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01}));
  reader r(span_of(b));
  EXPECT_EQ(r.read_int16(), 0x0102);
  EXPECT_EQ(r.read_int32(), -2);
  EXPECT_EQ(r.read_int64(), 0x0102030405060708);
  EXPECT_EQ(r.read_uint16(), 0xfffe);
  EXPECT_EQ(r.read_uint32(), 0x80000001u);
  EXPECT_EQ(r.read_float64(), 1.5);
  EXPECT_TRUE(r.read_bool());
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.read_int8(), 0);
  EXPECT_FALSE(r.ok()) << "reading past the end fails";
}

TEST(Reader, FailureIsStickyAndReadsReturnZero) {
  const std::string b = wire({0x00, 0x01, 0x02});
  reader r(span_of(b));
  r.read_int32();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.read_int8(), 0) << "after a failure nothing is consumed";
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(CompactNullableString, NullEmptyAndValue) {
  writer w;
  w.write_nullable_string(std::nullopt, /*compact=*/true);
  w.write_nullable_string(std::string(), true);
  w.write_nullable_string(std::string("abc"), true);
  const std::string b = std::move(w).take_string();
  EXPECT_EQ(b, wire({0x00, 0x01, 0x04, 'a', 'b', 'c'}));
  reader r(span_of(b));
  std::optional<std::string> s1, s2, s3;
  r.read_nullable_string(s1, true);
  r.read_nullable_string(s2, true);
  r.read_nullable_string(s3, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(s1, std::nullopt);
  EXPECT_EQ(s2, std::string());
  EXPECT_EQ(s3, std::string("abc"));
}

TEST(ClassicNullableString, NullIsMinusOne) {
  writer w;
  w.write_nullable_string(std::nullopt, false);
  w.write_nullable_string(std::string("abc"), false);
  EXPECT_EQ(std::move(w).take_string(), wire({0xff, 0xff, 0x00, 0x03, 'a', 'b', 'c'}));
}

TEST(Strings, NullForNonNullableFails) {
  for (bool compact : {false, true}) {
    const std::string b = compact ? wire({0x00}) : wire({0xff, 0xff});
    reader r(span_of(b));
    std::string s;
    r.read_string(s, compact);
    EXPECT_FALSE(r.ok());
  }
}

TEST(Strings, NegativeLengthOtherThanMinusOneFails) {
  const std::string b = wire({0xff, 0xfe, 'a'});
  reader r(span_of(b));
  std::optional<std::string> s;
  r.read_nullable_string(s, false);
  EXPECT_FALSE(r.ok());
}

TEST(Strings, LengthBeyondInputFails) {
  const std::string b = wire({0x00, 0x05, 'a', 'b'});
  reader r(span_of(b));
  std::string s;
  r.read_string(s, false);
  EXPECT_FALSE(r.ok());
}

TEST(Strings, NullWrittenWhereNotNullableBecomesEmpty) {
  writer w;
  w.write_nullable_string(std::nullopt, false, /*nullable=*/false);
  EXPECT_EQ(std::move(w).take_string(), wire({0x00, 0x00}));
}

TEST(Bytes, ClassicAndCompact) {
  writer w;
  w.write_bytes(bytes{1, 2}, false);
  w.write_nullable_bytes(std::nullopt, false);
  w.write_bytes(bytes{3}, true);
  w.write_nullable_bytes(std::nullopt, true);
  const std::string b = std::move(w).take_string();
  EXPECT_EQ(b, wire({0x00, 0x00, 0x00, 0x02, 1, 2, 0xff, 0xff, 0xff, 0xff, 0x02, 3, 0x00}));
  reader r(span_of(b));
  bytes b1;
  std::optional<bytes> b2;
  bytes b3;
  std::optional<bytes> b4 = bytes{9};
  r.read_bytes(b1, false);
  r.read_nullable_bytes(b2, false);
  r.read_bytes(b3, true);
  r.read_nullable_bytes(b4, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(b1, (bytes{1, 2}));
  EXPECT_EQ(b2, std::nullopt);
  EXPECT_EQ(b3, (bytes{3}));
  EXPECT_EQ(b4, std::nullopt);
}

TEST(Bytes, HugeLengthFailsWithoutAllocating) {
  const std::string b = wire({0x7f, 0xff, 0xff, 0xff, 0x00});
  reader r(span_of(b));
  bytes out;
  r.read_bytes(out, false);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(out.capacity(), 0u);
}

TEST(Arrays, CountLargerThanRemainingBytesFails) {
  const std::string classic = wire({0x7f, 0xff, 0xff, 0xff, 0x00, 0x00});
  reader r1(span_of(classic));
  EXPECT_EQ(r1.read_array_length(false), -1);
  EXPECT_FALSE(r1.ok());
  const std::string compact = wire({0xff, 0xff, 0xff, 0xff, 0x0f, 0x00});
  reader r2(span_of(compact));
  EXPECT_EQ(r2.read_array_length(true), -1);
  EXPECT_FALSE(r2.ok());
}

TEST(Arrays, CountIsBoundedByMinimumElementSize) {
  // Three elements of at least 4 bytes cannot fit in 8 remaining bytes.
  const std::string b = wire({0x00, 0x00, 0x00, 0x03, 0, 0, 0, 0, 0, 0, 0, 0});
  reader r(span_of(b));
  r.read_array_length(false, 4);
  EXPECT_FALSE(r.ok());
  reader r2(span_of(b));
  EXPECT_EQ(r2.read_array_length(false, 2), 3);
  EXPECT_TRUE(r2.ok());
}

TEST(Arrays, NullAndEmpty) {
  writer w;
  w.write_array_length(-1, false);
  w.write_array_length(-1, true);
  w.write_array_length(0, true);
  const std::string b = std::move(w).take_string();
  EXPECT_EQ(b, wire({0xff, 0xff, 0xff, 0xff, 0x00, 0x01}));
  reader r(span_of(b));
  EXPECT_EQ(r.read_array_length(false), -1);
  EXPECT_EQ(r.read_array_length(true), -1);
  EXPECT_EQ(r.read_array_length(true), 0);
  EXPECT_TRUE(r.ok());
}

TEST(Records, DecodeIsAViewIntoTheInput) {
  const std::string b = wire({0x00, 0x00, 0x00, 0x03, 'x', 'y', 'z', 0x04, 'a', 'b', 'c'});
  reader r(span_of(b));
  records classic, compact;
  r.read_records(classic, false);
  r.read_records(compact, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(classic.view().data(), span_of(b).data() + 4) << "no copy";
  EXPECT_EQ(classic.size(), 3u);
  EXPECT_EQ(compact.view().data(), span_of(b).data() + 8);
  EXPECT_EQ(compact.size(), 3u);
}

TEST(Records, NullDecodesAndEncodes) {
  writer w;
  w.write_records(records::make_null(), false);
  w.write_records(records::make_null(), true);
  const std::string b = std::move(w).take_string();
  EXPECT_EQ(b, wire({0xff, 0xff, 0xff, 0xff, 0x00}));
  reader r(span_of(b));
  records a, c;
  r.read_records(a, false);
  r.read_records(c, true);
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(a.is_null());
  EXPECT_TRUE(c.is_null());
}

TEST(Records, FileSlicesPassThroughToTheOutbuf) {
  outbuf data;
  data.append(std::string("ab"));
  data.append(file_slice{nullptr, 7, 4096, 100});
  data.append(std::string("cd"));
  writer w;
  w.write_int8(0x55);
  w.write_records(records::make_owned(std::move(data)), /*compact=*/false);
  w.write_int8(0x66);
  EXPECT_TRUE(w.has_file_slices());
  EXPECT_EQ(w.size(), 1u + 4u + 104u + 1u);
  const outbuf out = std::move(w).finish();
  ASSERT_EQ(out.chunks().size(), 3u);
  EXPECT_EQ(std::get<std::string>(out.chunks()[0]), wire({0x55, 0x00, 0x00, 0x00, 0x68, 'a', 'b'}));
  const auto& slice = std::get<file_slice>(out.chunks()[1]);
  EXPECT_EQ(slice.fd, 7);
  EXPECT_EQ(slice.offset, 4096);
  EXPECT_EQ(slice.length, 100u);
  EXPECT_EQ(std::get<std::string>(out.chunks()[2]), wire({'c', 'd', 0x66}));
  EXPECT_EQ(flatten(out), std::nullopt);
}

TEST(Records, EqualityComparesContentAcrossViewAndOwned) {
  const std::string b = "hello";
  EXPECT_EQ(records::make_view(span_of(b)), records::make_owned(std::string("hello")));
  EXPECT_NE(records::make_view(span_of(b)), records::make_owned(std::string("hellO")));
  EXPECT_NE(records::make_null(), records());
  EXPECT_EQ(records::make_null(), records::make_null());
}

TEST(Writer, AppendKeepsOrderAndSize) {
  writer a;
  a.write_int8(1);
  writer b;
  b.write_int16(0x0203);
  a.append(std::move(b));
  a.write_int8(4);
  EXPECT_EQ(a.size(), 4u);
  EXPECT_EQ(std::move(a).take_string(), wire({1, 2, 3, 4}));
}

TEST(TaggedFields, SkipsEveryField) {
  const std::string b = wire({0x02, 0x00, 0x01, 0xaa, 0x05, 0x02, 0xbb, 0xcc, 0x99});
  reader r(span_of(b));
  r.skip_tagged_fields();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 1u);
}

TEST(TaggedFields, TruncatedPayloadFails) {
  const std::string b = wire({0x01, 0x00, 0x05, 0xaa});
  reader r(span_of(b));
  r.skip_tagged_fields();
  EXPECT_FALSE(r.ok());
}

TEST(Flatten, JoinsMemoryChunks) {
  outbuf o;
  o.append(std::string("ab"));
  o.append(std::string("cd"));
  EXPECT_EQ(flatten(o), std::string("abcd"));
}

}  // namespace
}  // namespace sluice::protocol
