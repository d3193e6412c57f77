// Smoke tests of the lead's core APIs through a real broker: ApiVersions, Metadata, Produce,
// Fetch, ListOffsets, and the dispatcher's handling of unknown keys and versions.
#include <algorithm>

#include "broker_harness.h"
#include "protocol/generated/api_versions.h"
#include "protocol/generated/fetch.h"
#include "protocol/generated/list_offsets.h"
#include "protocol/generated/metadata.h"
#include "protocol/generated/produce.h"
#include "records/batch_header.h"

namespace sluice::broker::test {
namespace {

using protocol::api_versions_request;
using protocol::api_versions_response;

const api_versions_response::api_version* find_key(const api_versions_response& r, int16_t key) {
  auto it =
      std::find_if(r.api_keys.begin(), r.api_keys.end(), [&](const auto& v) { return v.api_key == key; });
  return it == r.api_keys.end() ? nullptr : &*it;
}

class CoreApiTest : public BrokerTest {};

TEST_F(CoreApiTest, ApiVersionsListsEveryHandledApiWithItsSchemaRange) {
  api_versions_request req;
  req.client_software_name = "broker-test";
  req.client_software_version = "1.0";
  auto resp = client().call<api_versions_response>(req, 3);
  EXPECT_EQ(resp.error_code, 0);
  for (int16_t key : {0, 1, 2, 3, 10, 18, 19, 20, 21, 22, 23, 32, 33, 37, 44, 60, 61}) {
    EXPECT_NE(find_key(resp, key), nullptr) << "api key " << key << " not advertised";
  }
  const auto* fc = find_key(resp, 10);
  ASSERT_NE(fc, nullptr);
  EXPECT_EQ(fc->min_version, 0);
  EXPECT_EQ(fc->max_version, 4);
}

TEST_F(CoreApiTest, ApiVersionsAtAnUnsupportedVersionGetsTheV0ErrorReplyListingKey18) {
  const int32_t correlation = client().send_raw(18, 99);
  auto resp = client().receive<api_versions_response>(correlation, 0);
  EXPECT_EQ(resp.error_code, 35);  // UNSUPPORTED_VERSION
  const auto* av = find_key(resp, 18);
  ASSERT_NE(av, nullptr);
  EXPECT_EQ(av->min_version, 0);
  EXPECT_GE(av->max_version, 3);
  // The connection stays usable.
  auto again = client().call<api_versions_response>(api_versions_request{}, 0);
  EXPECT_EQ(again.error_code, 0);
}

TEST_F(CoreApiTest, UnknownApiKeyClosesTheConnection) {
  client().send_raw(1000, 0);
  EXPECT_TRUE(client().closed_by_peer());
}

TEST_F(CoreApiTest, UnsupportedVersionOfAKnownApiClosesTheConnection) {
  client().send_raw(3, 99);
  EXPECT_TRUE(client().closed_by_peer());
}

TEST_F(CoreApiTest, MetadataListsThisBrokerAndCreatedTopics) {
  ASSERT_EQ(create_topic("orders", 3), 0);
  protocol::metadata_request req;
  req.topics = std::nullopt;  // all topics
  auto resp = client().call<protocol::metadata_response>(req, 12);
  ASSERT_EQ(resp.brokers.size(), 1u);
  EXPECT_EQ(resp.brokers[0].node_id, test_node_id);
  EXPECT_EQ(resp.brokers[0].host, test_host);
  EXPECT_EQ(resp.brokers[0].port, test_advertised_port);
  EXPECT_EQ(resp.controller_id, test_node_id);
  ASSERT_TRUE(resp.cluster_id.has_value());
  EXPECT_FALSE(resp.cluster_id->empty());
  // The created topic and the internal __consumer_offsets (created at start, flagged internal).
  ASSERT_EQ(resp.topics.size(), 2u);
  const auto orders =
      std::find_if(resp.topics.begin(), resp.topics.end(), [](const auto& t) { return t.name == "orders"; });
  ASSERT_NE(orders, resp.topics.end());
  EXPECT_EQ(orders->partitions.size(), 3u);
  EXPECT_FALSE(orders->is_internal);
  const auto offsets = std::find_if(resp.topics.begin(), resp.topics.end(),
                                    [](const auto& t) { return t.name == "__consumer_offsets"; });
  ASSERT_NE(offsets, resp.topics.end());
  EXPECT_TRUE(offsets->is_internal);
  EXPECT_EQ(offsets->partitions.size(), 50u);
}

TEST_F(CoreApiTest, MetadataV0AutoCreatesAnUnknownTopic) {
  protocol::metadata_request req;
  req.topics = std::vector<protocol::metadata_request::topic>{{{}, std::string("auto-made")}};
  auto resp = client().call<protocol::metadata_response>(req, 0);
  ASSERT_EQ(resp.topics.size(), 1u);
  EXPECT_EQ(resp.topics[0].error_code, 0);
  EXPECT_EQ(resp.topics[0].partitions.size(), 1u);
}

TEST_F(CoreApiTest, ProducedBatchesAreFetchedBackWithTheirOffsets) {
  ASSERT_EQ(create_topic("events"), 0);
  auto [err1, base1] = produce("events", 0, {"a", "b", "c"});
  EXPECT_EQ(err1, 0);
  EXPECT_EQ(base1, 0);
  auto [err2, base2] = produce("events", 0, {"d", "e"});
  EXPECT_EQ(err2, 0);
  EXPECT_EQ(base2, 3);

  protocol::fetch_request req;
  req.max_wait_ms = 0;
  req.min_bytes = 1;
  protocol::fetch_request::topic_data t;
  t.topic = "events";
  t.partitions.push_back({0, -1, 0, -1, -1, 1 << 20});
  req.topics.push_back(t);
  auto resp = client().call<protocol::fetch_response>(req, 11);
  ASSERT_EQ(resp.responses.size(), 1u);
  ASSERT_EQ(resp.responses[0].partitions.size(), 1u);
  const auto& pd = resp.responses[0].partitions[0];
  EXPECT_EQ(pd.error_code, 0);
  EXPECT_EQ(pd.high_watermark, 5);
  EXPECT_EQ(pd.log_start_offset, 0);
  auto data = pd.records.view();
  ASSERT_FALSE(data.empty());
  auto first = records::parse_batch_header(data);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->base_offset, 0);
  EXPECT_EQ(first->records_count, 3);
  ASSERT_GT(data.size(), first->total_size());
  auto second = records::parse_batch_header(data.subspan(first->total_size()));
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->base_offset, 3);
  EXPECT_EQ(second->records_count, 2);
}

TEST_F(CoreApiTest, AcksZeroProduceGetsNoResponseAndTheNextRequestIsStillAnswered) {
  ASSERT_EQ(create_topic("quiet"), 0);
  protocol::produce_request req;
  req.acks = 0;
  req.timeout_ms = 1000;
  protocol::produce_request::topic t;
  t.name = "quiet";
  protocol::produce_request::topic::partition p;
  p.index = 0;
  p.records = protocol::records::make_owned(make_batch({"x", "y"}));
  t.partition_data.push_back(std::move(p));
  req.topic_data.push_back(std::move(t));
  client().send(req, 7);
  // The very next frame on the wire answers the ApiVersions request.
  const int32_t correlation = client().send(api_versions_request{}, 2);
  auto resp = client().receive<api_versions_response>(correlation, 2);
  EXPECT_EQ(resp.error_code, 0);

  protocol::list_offsets_request lo;
  lo.replica_id = -1;
  lo.topics.push_back({"quiet", {{0, -1, -1, 1}}});
  auto offsets = client().call<protocol::list_offsets_response>(lo, 1);
  ASSERT_EQ(offsets.topics.size(), 1u);
  EXPECT_EQ(offsets.topics[0].partitions[0].offset, 2);
}

TEST_F(CoreApiTest, ListOffsetsAnswersEarliestAndLatestInEveryShape) {
  ASSERT_EQ(create_topic("lo"), 0);
  produce("lo", 0, {"1", "2", "3", "4"});
  protocol::list_offsets_request req;
  req.replica_id = -1;
  req.topics.push_back({"lo", {{0, -1, -2, 1}}});
  auto earliest = client().call<protocol::list_offsets_response>(req, 4);
  EXPECT_EQ(earliest.topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(earliest.topics[0].partitions[0].offset, 0);

  req.topics[0].partitions[0].timestamp = -1;
  auto latest_v0 = client().call<protocol::list_offsets_response>(req, 0);
  ASSERT_EQ(latest_v0.topics[0].partitions[0].old_style_offsets.size(), 1u);
  EXPECT_EQ(latest_v0.topics[0].partitions[0].old_style_offsets[0], 4);

  req.topics[0].partitions[0].partition_index = 7;
  auto missing = client().call<protocol::list_offsets_response>(req, 1);
  EXPECT_EQ(missing.topics[0].partitions[0].error_code, 3);
}

}  // namespace
}  // namespace sluice::broker::test
