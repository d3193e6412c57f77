// Fetch long-poll (Kafka's DelayedFetch) through a real broker: a fetch parked on min.bytes is
// answered as soon as an append makes min.bytes available, not at max.wait. Every parked fetch
// here uses max.wait = 30 s while the client gives up after 10 s, so "answered at all" means
// "woken by the append" without any timing assertion that could flake on a loaded machine.
#include "broker_harness.h"
#include "protocol/generated/fetch.h"
#include "protocol/generated/produce.h"
#include "records/batch_header.h"

namespace sluice::broker::test {
namespace {

constexpr int32_t long_wait_ms = 30'000;
constexpr int16_t fetch_version = 11;

class FetchWaitTest : public BrokerTest {
 protected:
  // Fetch v11 of `partitions` of `topic` from `offset`, parked until min_bytes or max_wait_ms.
  static protocol::fetch_request fetch_from(const std::string& topic, const std::vector<int32_t>& partitions,
                                            int64_t offset, int32_t min_bytes, int32_t max_wait_ms) {
    protocol::fetch_request req;
    req.replica_id = -1;
    req.max_wait_ms = max_wait_ms;
    req.min_bytes = min_bytes;
    req.max_bytes = 1 << 20;
    protocol::fetch_request::topic_data t;
    t.topic = topic;
    for (int32_t p : partitions) t.partitions.push_back({p, -1, offset, -1, -1, 1 << 20});
    req.topics.push_back(t);
    return req;
  }

  // Produce v7 of one batch with `acks` on `c` (another connection than the parked fetch's, as a
  // producer and a consumer are); returns the partition's error code.
  static int16_t produce_on(kafka_client& c, const std::string& topic, int32_t partition,
                            const std::vector<std::string>& values, int16_t acks) {
    protocol::produce_request req;
    req.acks = acks;
    req.timeout_ms = 10000;
    protocol::produce_request::topic t;
    t.name = topic;
    protocol::produce_request::topic::partition p;
    p.index = partition;
    p.records = protocol::records::make_owned(make_batch(values));
    t.partition_data.push_back(std::move(p));
    req.topic_data.push_back(std::move(t));
    auto resp = c.call<protocol::produce_response>(req, 7);
    if (resp.responses.size() != 1 || resp.responses[0].partition_responses.size() != 1) {
      ADD_FAILURE() << "unexpected Produce response shape";
      return -1;
    }
    return resp.responses[0].partition_responses[0].error_code;
  }

  // Number of whole record batches in a fetched records field.
  static int batch_count(std::span<const uint8_t> data) {
    int n = 0;
    while (auto h = records::parse_batch_header(data)) {
      if (h->total_size() > data.size()) break;
      data = data.subspan(h->total_size());
      ++n;
    }
    return n;
  }
};

TEST_F(FetchWaitTest, ParkedFetchIsAnsweredByAnAcksOneAppendLongBeforeMaxWait) {
  ASSERT_EQ(create_topic("wake"), 0);
  const int32_t corr = client().send(fetch_from("wake", {0}, 0, 1, long_wait_ms), fetch_version);
  kafka_client producer(harness().port());
  ASSERT_EQ(produce_on(producer, "wake", 0, {"hello"}, 1), 0);
  // receive() waits at most 10 s: a fetch left parked until max.wait (30 s) fails here.
  auto resp = client().receive<protocol::fetch_response>(corr, fetch_version);
  ASSERT_EQ(resp.responses.size(), 1u);
  ASSERT_EQ(resp.responses[0].partitions.size(), 1u);
  const auto& pd = resp.responses[0].partitions[0];
  EXPECT_EQ(pd.error_code, 0);
  EXPECT_EQ(pd.high_watermark, 1);
  EXPECT_EQ(batch_count(pd.records.view()), 1);
}

TEST_F(FetchWaitTest, ParkedFetchIsAnsweredByAnAcksAllAppend) {
  // acks=all waits for the group-commit fsync before answering the producer; the data is visible
  // at the high watermark (= log end offset) from the append on, so the fetch is answered too.
  ASSERT_EQ(create_topic("wake-all"), 0);
  const int32_t corr = client().send(fetch_from("wake-all", {0}, 0, 1, long_wait_ms), fetch_version);
  kafka_client producer(harness().port());
  ASSERT_EQ(produce_on(producer, "wake-all", 0, {"durable"}, -1), 0);
  auto resp = client().receive<protocol::fetch_response>(corr, fetch_version);
  ASSERT_EQ(resp.responses.size(), 1u);
  const auto& pd = resp.responses[0].partitions.at(0);
  EXPECT_EQ(pd.error_code, 0);
  EXPECT_EQ(pd.high_watermark, 1);
  EXPECT_EQ(batch_count(pd.records.view()), 1);
}

TEST_F(FetchWaitTest, AppendToAnyRequestedPartitionWakesTheFetch) {
  ASSERT_EQ(create_topic("wake-many", 3), 0);
  const int32_t corr = client().send(fetch_from("wake-many", {0, 1, 2}, 0, 1, long_wait_ms), fetch_version);
  kafka_client producer(harness().port());
  ASSERT_EQ(produce_on(producer, "wake-many", 2, {"third"}, 1), 0);
  auto resp = client().receive<protocol::fetch_response>(corr, fetch_version);
  ASSERT_EQ(resp.responses.size(), 1u);
  ASSERT_EQ(resp.responses[0].partitions.size(), 3u);
  for (const auto& pd : resp.responses[0].partitions) {
    EXPECT_EQ(pd.error_code, 0);
    EXPECT_EQ(batch_count(pd.records.view()), pd.partition_index == 2 ? 1 : 0) << pd.partition_index;
  }
}

TEST_F(FetchWaitTest, FetchStaysParkedUntilMinBytesIsReached) {
  ASSERT_EQ(create_topic("min-bytes"), 0);
  // One more byte than one batch: the first append must not answer the fetch, the second must.
  const auto one_batch = static_cast<int32_t>(make_batch({"0123456789"}).size());
  const int32_t corr =
      client().send(fetch_from("min-bytes", {0}, 0, one_batch + 1, long_wait_ms), fetch_version);
  kafka_client producer(harness().port());
  ASSERT_EQ(produce_on(producer, "min-bytes", 0, {"0123456789"}, 1), 0);
  ASSERT_EQ(produce_on(producer, "min-bytes", 0, {"abcdefghij"}, 1), 0);
  auto resp = client().receive<protocol::fetch_response>(corr, fetch_version);
  const auto& pd = resp.responses.at(0).partitions.at(0);
  EXPECT_EQ(pd.error_code, 0);
  EXPECT_EQ(pd.high_watermark, 2);
  // Answered after the first append, the response would hold only one batch.
  EXPECT_EQ(batch_count(pd.records.view()), 2);
}

TEST_F(FetchWaitTest, FetchWithoutDataIsAnsweredEmptyAtMaxWait) {
  ASSERT_EQ(create_topic("idle"), 0);
  const int32_t corr = client().send(fetch_from("idle", {0}, 0, 1, 50), fetch_version);
  auto resp = client().receive<protocol::fetch_response>(corr, fetch_version);
  const auto& pd = resp.responses.at(0).partitions.at(0);
  EXPECT_EQ(pd.error_code, 0);
  EXPECT_EQ(pd.high_watermark, 0);
  EXPECT_EQ(batch_count(pd.records.view()), 0);
}

}  // namespace
}  // namespace sluice::broker::test
