// The generated API table, header-version selection and Kafka error codes.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "protocol/error_code.h"
#include "protocol/generated/all_messages.h"
#include "protocol/generated/api_table.h"
#include "protocol/request_header.h"

namespace sluice::protocol {
namespace {

TEST(ApiTable, ApiVersionsIsAdvertisedWithItsSchemaRange) {
  const api_info* api = find_api(18);
  ASSERT_NE(api, nullptr);
  EXPECT_STREQ(api->name, "api_versions");
  EXPECT_EQ(api->min_version, 0);
  EXPECT_EQ(api->max_version, 3);
  EXPECT_EQ(api->first_flexible_version, 3);
  EXPECT_TRUE(api->is_flexible(3));
  EXPECT_FALSE(api->is_flexible(2));
  EXPECT_TRUE(api->supports(0));
  EXPECT_FALSE(api->supports(4));
}

TEST(ApiTable, UnknownKeysAreNotFound) {
  EXPECT_EQ(find_api(-1), nullptr);
  EXPECT_EQ(find_api(7), nullptr) << "ControlledShutdown has no schema";
  EXPECT_EQ(find_api(9999), nullptr);
}

TEST(ApiTable, SortedUniqueAndFindable) {
  std::set<int16_t> keys;
  int16_t prev = -1;
  for (const api_info& a : all_apis()) {
    EXPECT_GT(a.key, prev);
    prev = a.key;
    keys.insert(a.key);
    EXPECT_EQ(find_api(a.key), &a);
    EXPECT_LE(a.min_version, a.max_version);
  }
  EXPECT_EQ(keys.size(), all_apis().size());
}

TEST(ApiTable, EveryRequestTypeHasAMatchingEntry) {
  size_t requests = 0;
#define SLUICE_CHECK_REQUEST(T)                                              \
  {                                                                          \
    ++requests;                                                              \
    const api_info* api = find_api(T::api_key);                              \
    ASSERT_NE(api, nullptr) << #T;                                           \
    EXPECT_EQ(api->min_version, T::min_version) << #T;                       \
    EXPECT_EQ(api->max_version, T::max_version) << #T;                       \
    EXPECT_EQ(api->first_flexible_version, T::first_flexible_version) << #T; \
  }
  SLUICE_PROTOCOL_FOR_EACH_REQUEST(SLUICE_CHECK_REQUEST)
#undef SLUICE_CHECK_REQUEST
  EXPECT_EQ(requests, all_apis().size());
}

TEST(HeaderVersions, FollowTheApiTable) {
  for (const api_info& a : all_apis()) {
    for (int v = a.min_version; v <= a.max_version; ++v) {
      const auto version = static_cast<int16_t>(v);
      EXPECT_EQ(request_header_version(a.key, version), a.is_flexible(version) ? 2 : 1)
          << a.name << " v" << v;
      const int16_t expected_response = a.key == 18 ? 0 : a.is_flexible(version) ? 1 : 0;
      EXPECT_EQ(response_header_version(a.key, version), expected_response) << a.name << " v" << v;
    }
  }
}

TEST(HeaderVersions, SpecialCases) {
  EXPECT_EQ(request_header_version(7, 0), 0) << "ControlledShutdown v0";
  EXPECT_EQ(request_header_version(7, 1), 1);
  EXPECT_EQ(request_header_version(18, 3), 2);
  EXPECT_EQ(request_header_version(18, 4), 1) << "unsupported version: parse as v1";
  EXPECT_EQ(request_header_version(9999, 12), 1) << "unknown key: parse as v1";
  EXPECT_EQ(response_header_version(18, 3), 0) << "ApiVersions responses always use header v0";
}

TEST(ErrorCode, ValuesAndNamesMatchKafka) {
  EXPECT_EQ(to_int(error_code::none), 0);
  EXPECT_EQ(to_int(error_code::unknown_server_error), -1);
  EXPECT_EQ(to_int(error_code::not_leader_or_follower), 6);
  EXPECT_EQ(to_int(error_code::unsupported_version), 35);
  EXPECT_EQ(to_int(error_code::invalid_request), 42);
  EXPECT_EQ(to_int(error_code::member_id_required), 79);
  EXPECT_EQ(to_int(error_code::producer_fenced), 90);
  EXPECT_EQ(to_int(error_code::unknown_topic_id), 100);
  EXPECT_EQ(to_int(error_code::transaction_abortable), 120);
  EXPECT_STREQ(to_string(error_code::not_leader_or_follower), "NOT_LEADER_OR_FOLLOWER");
  EXPECT_STREQ(to_string(error_code::none), "NONE");
  EXPECT_STREQ(to_string(static_cast<error_code>(1000)), "UNKNOWN_ERROR_CODE");
}

TEST(ErrorCode, EveryCodeFromMinusOneTo128HasAName) {
  for (int c = -1; c <= 128; ++c) {
    EXPECT_STRNE(to_string(static_cast<error_code>(c)), "UNKNOWN_ERROR_CODE") << c;
  }
}

}  // namespace
}  // namespace sluice::protocol
