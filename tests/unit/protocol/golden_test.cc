// Hand-computed wire bytes (from the Kafka protocol guide, not from our encoder) for request
// headers v0/v1/v2, ApiVersions v0 and v3 responses and requests, and unknown tagged fields.
#include <gtest/gtest.h>

#include "protocol/generated/api_versions.h"
#include "protocol/request_header.h"
#include "test_bytes.h"

namespace sluice::protocol {
namespace {

using testing::span_of;
using testing::wire;

std::string flat(const outbuf& b) {
  auto s = flatten(b);
  EXPECT_TRUE(s.has_value());
  return s.value_or("");
}

TEST(RequestHeader, V1HasInt16ClientId) {
  // Metadata v1 is not flexible: key 3, version 1, correlation 7, client_id "ab", then the body.
  const std::string frame =
      wire({0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07, 0x00, 0x02, 'a', 'b', 0xee});
  parsed_request h;
  ASSERT_TRUE(parse_request_header(span_of(frame), h));
  EXPECT_EQ(h.api_key, 3);
  EXPECT_EQ(h.api_version, 1);
  EXPECT_EQ(h.correlation_id, 7);
  EXPECT_EQ(h.client_id, std::string("ab"));
  EXPECT_EQ(h.body_offset, 12u);
}

TEST(RequestHeader, V1NullClientId) {
  const std::string frame = wire({0x00, 0x12, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0xff, 0xff});
  parsed_request h;
  ASSERT_TRUE(parse_request_header(span_of(frame), h));
  EXPECT_EQ(h.client_id, std::nullopt);
  EXPECT_EQ(h.body_offset, 10u);
}

TEST(RequestHeader, V2KeepsInt16ClientIdThenTaggedSection) {
  // ApiVersions v3 is flexible: header v2. client_id is still int16-length; then an empty tag section.
  const std::string frame = wire({0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x07, 'r', 'd', 'k',
                                  'a', 'f', 'k', 'a', 0x00, 0xee});
  parsed_request h;
  ASSERT_TRUE(parse_request_header(span_of(frame), h));
  EXPECT_EQ(h.api_key, 18);
  EXPECT_EQ(h.api_version, 3);
  EXPECT_EQ(h.correlation_id, 42);
  EXPECT_EQ(h.client_id, std::string("rdkafka"));
  EXPECT_EQ(h.body_offset, 18u);
}

TEST(RequestHeader, V2SkipsUnknownHeaderTags) {
  const std::string frame = wire(
      {0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x01, 'c', 0x01, 0x05, 0x02, 0xaa, 0xbb, 0xee});
  parsed_request h;
  ASSERT_TRUE(parse_request_header(span_of(frame), h));
  EXPECT_EQ(h.client_id, std::string("c"));
  EXPECT_EQ(h.body_offset, 16u);
}

TEST(RequestHeader, V0OnlyForControlledShutdownV0) {
  const std::string frame = wire({0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0xee});
  parsed_request h;
  ASSERT_TRUE(parse_request_header(span_of(frame), h));
  EXPECT_EQ(h.api_key, 7);
  EXPECT_EQ(h.correlation_id, 9);
  EXPECT_EQ(h.client_id, std::nullopt);
  EXPECT_EQ(h.body_offset, 8u);
}

TEST(RequestHeader, UnknownKeyOrVersionIsReadAsV1) {
  // Key 999 does not exist; ApiVersions v9 is beyond our range: both parse as header v1 so the
  // broker can still answer (ApiVersions) or close.
  const std::string unknown_key = wire({0x03, 0xe7, 0x00, 0x05, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00});
  parsed_request h;
  ASSERT_TRUE(parse_request_header(span_of(unknown_key), h));
  EXPECT_EQ(h.api_key, 999);
  EXPECT_EQ(h.body_offset, 10u);
  const std::string future = wire({0x00, 0x12, 0x00, 0x09, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00});
  ASSERT_TRUE(parse_request_header(span_of(future), h));
  EXPECT_EQ(h.api_version, 9);
  EXPECT_EQ(h.client_id, std::string());
  EXPECT_EQ(h.body_offset, 10u);
}

TEST(RequestHeader, TruncatedHeaderFails) {
  parsed_request h;
  EXPECT_FALSE(parse_request_header(span_of(wire({0x00, 0x12, 0x00})), h));
  EXPECT_FALSE(parse_request_header(
      span_of(wire({0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07, 0x00, 0x05, 'a'})), h));
  // Flexible version without its tagged section.
  EXPECT_FALSE(
      parse_request_header(span_of(wire({0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x2a, 0xff, 0xff})), h));
}

TEST(RequestHeader, WrittenHeaderMatchesTheHandComputedBytes) {
  writer w;
  write_request_header(w, 18, 3, 42, std::string("rdkafka"));
  write_request_header(w, 3, 1, 7, std::nullopt);
  EXPECT_EQ(std::move(w).take_string(),
            wire({0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x07, 'r',  'd',  'k',  'a',
                  'f',  'k',  'a',  0x00, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07, 0xff, 0xff}));
}

TEST(ResponseHeader, V0AndV1) {
  writer w;
  write_response_header(w, 0x01020304, 0);
  write_response_header(w, 0x01020304, 1);
  EXPECT_EQ(std::move(w).take_string(), wire({0x01, 0x02, 0x03, 0x04, 0x01, 0x02, 0x03, 0x04, 0x00}));
}

api_versions_response one_api_response() {
  api_versions_response r;
  r.error_code = 0;
  r.api_keys.push_back({18, 0, 3});
  return r;
}

TEST(ApiVersionsResponse, V0GoldenBytes) {
  const outbuf b = encode_response(0x2a, 18, 0, one_api_response());
  // Header v0: correlation id. Body: error_code, int32 array count, (key, min, max).
  EXPECT_EQ(flat(b), wire({0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x12, 0x00, 0x00,
                           0x00, 0x03}));
  EXPECT_EQ(flat(frame(encode_response(0x2a, 18, 0, one_api_response()))),
            wire({0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00,
                  0x00, 0x00, 0x00, 0x01, 0x00, 0x12, 0x00, 0x00, 0x00, 0x03}));
}

const std::string v3_golden = wire({
    0x00, 0x00, 0x00, 0x2a,                                   // response header v0: no tagged section
    0x00, 0x00,                                               // error_code
    0x02,                                                     // compact array: 1 element
    0x00, 0x12, 0x00, 0x00, 0x00, 0x03, 0x00,                 // api_key 18, min 0, max 3, no tags
    0x00, 0x00, 0x00, 0x00,                                   // throttle_time_ms
    0x03,                                                     // 3 tagged fields
    0x00, 0x08,                                               // tag 0 supported_features, 8 bytes:
    0x02, 0x02, 'x',  0x00, 0x01, 0x00, 0x02, 0x00,           //   [{name "x", min 1, max 2}]
    0x01, 0x08, 0,    0,    0,    0,    0,    0,    0, 0x05,  // tag 1 finalized_features_epoch = 5
    0x03, 0x01, 0x01,                                         // tag 3 zk_migration_ready = true
});

api_versions_response v3_value() {
  api_versions_response r = one_api_response();
  r.supported_features.push_back({"x", 1, 2});
  r.finalized_features_epoch = 5;
  r.zk_migration_ready = true;
  return r;
}

TEST(ApiVersionsResponse, V3GoldenBytes) {
  EXPECT_EQ(flat(encode_response(0x2a, 18, 3, v3_value())), v3_golden);
}

TEST(ApiVersionsResponse, V3GoldenBytesDecode) {
  reader r(span_of(v3_golden).subspan(4));
  api_versions_response d;
  ASSERT_TRUE(d.decode(r, 3));
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(d, v3_value());
  EXPECT_TRUE(d.finalized_features.empty());
}

TEST(ApiVersionsResponse, DefaultTaggedFieldsAreNotSent) {
  // finalized_features_epoch defaults to -1 and zk_migration_ready to false: tag count 0.
  EXPECT_EQ(flat(encode_response(0x2a, 18, 3, one_api_response())),
            wire({0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x02, 0x00, 0x12, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00,
                  0x00, 0x00, 0x00, 0x00}));
}

TEST(ApiVersionsResponse, UnknownTagAmongKnownOnesIsSkipped) {
  const std::string body = wire({0x00, 0x00,                                      // error_code
                                 0x01,                                            // no api keys
                                 0x00, 0x00, 0x00, 0x02,                          // throttle 2
                                 0x03,                                            // 3 tags
                                 0x01, 0x08, 0,    0,    0,    0, 0, 0, 0, 0x07,  // tag 1 = 7
                                 0x09, 0x03, 0xaa, 0xbb, 0xcc,                    // tag 9: unknown
                                 0x03, 0x01, 0x00});                              // tag 3 = false
  reader r(span_of(body));
  api_versions_response d;
  ASSERT_TRUE(d.decode(r, 3));
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(d.finalized_features_epoch, 7);
  EXPECT_FALSE(d.zk_migration_ready);
  EXPECT_EQ(d.throttle_time_ms, 2);
}

TEST(ApiVersionsResponse, KnownTagWithWrongSizeFails) {
  // Tag 1 (int64) claims 9 bytes.
  const std::string body =
      wire({0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x09, 0, 0, 0, 0, 0, 0, 0, 0x07, 0x00});
  reader r(span_of(body));
  api_versions_response d;
  EXPECT_FALSE(d.decode(r, 3));
}

TEST(ApiVersionsResponse, HugeArrayCountFailsBeforeAllocating) {
  const std::string classic = wire({0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0x00, 0x12});
  reader r1(span_of(classic));
  api_versions_response d;
  EXPECT_FALSE(d.decode(r1, 0));
  EXPECT_EQ(d.api_keys.capacity(), 0u);
  const std::string compact = wire({0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00});
  reader r2(span_of(compact));
  EXPECT_FALSE(d.decode(r2, 3));
  EXPECT_EQ(d.api_keys.capacity(), 0u);
}

TEST(ApiVersionsRequest, V3CompactStringsAndUnknownTagSkipped) {
  const std::string body =
      wire({0x07, 's', 'l', 'u', 'i', 'c', 'e', 0x04, '1', '.', '0', 0x01, 0x09, 0x03, 0xaa, 0xbb, 0xcc});
  reader r(span_of(body));
  api_versions_request d;
  ASSERT_TRUE(d.decode(r, 3));
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(d.client_software_name, "sluice");
  EXPECT_EQ(d.client_software_version, "1.0");
}

TEST(ApiVersionsRequest, NullSoftwareNameFails) {
  const std::string body = wire({0x00, 0x01, 0x00});
  reader r(span_of(body));
  api_versions_request d;
  EXPECT_FALSE(d.decode(r, 3));
}

TEST(ApiVersionsRequest, V0To2BodyIsEmpty) {
  for (int16_t v = 0; v <= 2; ++v) {
    writer w;
    api_versions_request{"a", "b"}.encode(w, v);
    EXPECT_EQ(w.size(), 0u);
  }
}

TEST(EncodeRequest, HeaderThenBody) {
  api_versions_request req{"sluice", "1.0"};
  EXPECT_EQ(flat(encode_request(5, 3, std::string("c"), req)),
            wire({0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x05, 0x00, 0x01, 'c', 0x00,
                  0x07, 's',  'l',  'u',  'i',  'c',  'e',  0x04, '1',  '.',  '0', 0x00}));
}

}  // namespace
}  // namespace sluice::protocol
