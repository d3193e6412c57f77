// Tests for records/varint and records/record_codec: zigzag varints with Kafka's acceptance
// rules, and decoding/encoding single records.
#include "records/record_codec.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "records/varint.h"
#include "spec_bytes.h"

namespace sluice::records {
namespace {

using namespace sluice::records::testing;

std::string hex_varint(int32_t v) {
  std::string s;
  append_varint(s, v);
  return s;
}

TEST(Varint, ZigzagEncodingMatchesTheSpec) {
  EXPECT_EQ(hex_varint(0), std::string("\x00", 1));
  EXPECT_EQ(hex_varint(-1), "\x01");
  EXPECT_EQ(hex_varint(1), "\x02");
  EXPECT_EQ(hex_varint(-2), "\x03");
  EXPECT_EQ(hex_varint(64), "\x80\x01");
  EXPECT_EQ(hex_varint(std::numeric_limits<int32_t>::max()), "\xfe\xff\xff\xff\x0f");
  EXPECT_EQ(hex_varint(std::numeric_limits<int32_t>::min()), "\xff\xff\xff\xff\x0f");
}

TEST(Varint, RoundTripsIntsAndLongs) {
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{300}, int64_t{-300}, int64_t{1} << 40,
                    std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}) {
    uint8_t buf[10];
    const size_t n = write_varlong(buf, v);
    EXPECT_EQ(n, varlong_size(v));
    int64_t back = 0;
    EXPECT_EQ(read_varlong({buf, n}, back), n);
    EXPECT_EQ(back, v);
    if (v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max()) {
      const size_t m = write_varint(buf, static_cast<int32_t>(v));
      int32_t b32 = 0;
      EXPECT_EQ(read_varint({buf, m}, b32), m);
      EXPECT_EQ(b32, v);
    }
  }
}

TEST(Varint, TruncatedAndOverlongEncodingsAreRejected) {
  int32_t v = 0;
  const uint8_t truncated[] = {0x80, 0x80};
  EXPECT_EQ(read_varint(truncated, v), 0u);
  const uint8_t six[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
  EXPECT_EQ(read_varint(six, v), 0u);
  int64_t l = 0;
  const uint8_t eleven[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
  EXPECT_EQ(read_varlong(eleven, l), 0u);
  EXPECT_EQ(read_varint({}, v), 0u);
}

TEST(Varint, SurplusBitsOfTheFifthByteAreIgnoredLikeKafka) {
  int32_t v = 0;
  const uint8_t five[] = {0xfe, 0xff, 0xff, 0xff, 0x7f};
  EXPECT_EQ(read_varint(five, v), 5u);
  EXPECT_EQ(v, std::numeric_limits<int32_t>::max());
}

std::string headers_section() {
  std::string h;
  zigzag_varint(h, 2);
  zigzag_varint(h, 2);
  h += "h1";
  zigzag_varint(h, 3);
  h += "abc";
  zigzag_varint(h, 2);
  h += "h2";
  zigzag_varint(h, -1);
  return h;
}

TEST(RecordCodec, DecodesASpecRecordWithHeaders) {
  const std::string rec = spec_record(-5, 3, std::nullopt, "value", headers_section());
  record_view r;
  ASSERT_EQ(decode_record(span_of(rec), 100, 1000, r), nullptr);
  EXPECT_EQ(r.offset_delta, 3);
  EXPECT_EQ(r.offset, 103);
  EXPECT_EQ(r.timestamp_delta, -5);
  EXPECT_EQ(r.timestamp, 995);
  EXPECT_FALSE(r.key);
  ASSERT_TRUE(r.value);
  EXPECT_EQ(as_chars(*r.value), "value");
  EXPECT_EQ(r.encoded_size, rec.size());
  ASSERT_EQ(r.headers.size(), 2);
  std::vector<std::pair<std::string, std::optional<std::string>>> hs;
  for (const auto& h : r.headers)
    hs.emplace_back(std::string(as_chars(h.key)),
                    h.value ? std::optional<std::string>(std::string(as_chars(*h.value))) : std::nullopt);
  ASSERT_EQ(hs.size(), 2u);
  EXPECT_EQ(hs[0].first, "h1");
  EXPECT_EQ(hs[0].second, "abc");
  EXPECT_EQ(hs[1].first, "h2");
  EXPECT_EQ(hs[1].second, std::nullopt);
}

TEST(RecordCodec, EncodeProducesTheSpecBytes) {
  std::string out;
  const std::string v = "value";
  const header_view headers[] = {{as_bytes("h1"), as_bytes("abc")}, {as_bytes("h2"), std::nullopt}};
  encode_record(out, 3, -5, std::nullopt, as_bytes(v), headers);
  EXPECT_EQ(out, spec_record(-5, 3, std::nullopt, "value", headers_section()));
  std::string empty_key;
  encode_record(empty_key, 0, 0, as_bytes(""), std::nullopt, {});
  EXPECT_EQ(empty_key, spec_record(0, 0, std::string(), std::nullopt));
}

TEST(RecordCodec, EveryTruncationOfARecordIsRejected) {
  const std::string rec = spec_record(1, 0, "key", "value", headers_section());
  record_view r;
  for (size_t n = 0; n < rec.size(); ++n) {
    EXPECT_NE(decode_record(span_of(rec.substr(0, n)), 0, 0, r), nullptr) << n;
  }
}

// Re-frames `body` (everything after the length) as a record.
std::string framed(const std::string& body) {
  std::string out;
  zigzag_varint(out, static_cast<int64_t>(body.size()));
  return out + body;
}

TEST(RecordCodec, BadFieldLengthsAreRejected) {
  record_view r;
  // key length -2
  std::string body("\0\0\0", 3);
  zigzag_varint(body, -2);
  zigzag_varint(body, -1);
  body.push_back('\0');
  EXPECT_NE(decode_record(span_of(framed(body)), 0, 0, r), nullptr);
  // negative header count
  body = std::string("\0\0\0", 3);
  zigzag_varint(body, -1);
  zigzag_varint(body, -1);
  zigzag_varint(body, -1);
  EXPECT_NE(decode_record(span_of(framed(body)), 0, 0, r), nullptr);
  // header key null
  body = std::string("\0\0\0", 3);
  zigzag_varint(body, -1);
  zigzag_varint(body, -1);
  zigzag_varint(body, 1);
  zigzag_varint(body, -1);
  zigzag_varint(body, -1);
  EXPECT_NE(decode_record(span_of(framed(body)), 0, 0, r), nullptr);
  // record length larger than its fields
  const std::string ok = spec_record(0, 0, "k", "v");
  std::string padded = framed(ok.substr(1) + "x");
  EXPECT_NE(decode_record(span_of(padded), 0, 0, r), nullptr);
  // zero and negative record lengths
  EXPECT_NE(decode_record(span_of(std::string("\x00", 1)), 0, 0, r), nullptr);
  EXPECT_NE(decode_record(span_of(std::string("\x01", 1)), 0, 0, r), nullptr);
}

}  // namespace
}  // namespace sluice::records
