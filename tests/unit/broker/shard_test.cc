// Shards through a real broker: partitions spread over several event loops, requests reaching
// partitions owned by other shards, pipelined produce order across shards, fetches spanning
// shards, topic ids resolved on every shard, and restarts with a different shard count.
#include <map>

#include "broker_harness.h"
#include "protocol/generated/fetch.h"
#include "protocol/generated/list_offsets.h"
#include "protocol/generated/metadata.h"
#include "protocol/generated/produce.h"
#include "records/batch_header.h"

namespace sluice::broker::test {
namespace {

constexpr int32_t partitions = 12;  // with 3 shards: about 4 per shard

class ShardTest : public BrokerTest {
 protected:
  explicit ShardTest(harness_options o = {}) : BrokerTest(std::move(o)) {}

  static protocol::produce_request one_batch(const std::string& topic, int32_t partition,
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
    return req;
  }

  static protocol::fetch_request fetch_all(const std::string& topic, int32_t max_bytes,
                                           int32_t partition_max) {
    protocol::fetch_request req;
    req.replica_id = -1;
    req.max_wait_ms = 0;
    req.min_bytes = 0;
    req.max_bytes = max_bytes;
    protocol::fetch_request::topic_data t;
    t.topic = topic;
    for (int32_t p = 0; p < partitions; ++p) t.partitions.push_back({p, -1, 0, -1, -1, partition_max});
    req.topics.push_back(t);
    return req;
  }

  static int record_count(std::span<const uint8_t> data) {
    int n = 0;
    while (auto h = records::parse_batch_header(data)) {
      if (h->total_size() > data.size()) break;
      n += h->records_count;
      data = data.subspan(h->total_size());
    }
    return n;
  }

  // Offsets a Produce answered, in the order the requests were sent.
  std::map<int32_t, std::vector<int64_t>> produce_pipelined(const std::string& topic, int rounds,
                                                            int16_t acks) {
    std::vector<std::pair<int32_t, int32_t>> sent;  // correlation, partition
    for (int i = 0; i < rounds; ++i) {
      const int32_t p = i % partitions;
      sent.emplace_back(client().send(one_batch(topic, p, {"v" + std::to_string(i)}, acks), 7), p);
    }
    std::map<int32_t, std::vector<int64_t>> offsets;
    for (auto [correlation, p] : sent) {
      auto resp = client().receive<protocol::produce_response>(correlation, 7);
      EXPECT_EQ(resp.responses.at(0).partition_responses.at(0).error_code, 0);
      offsets[p].push_back(resp.responses.at(0).partition_responses.at(0).base_offset);
    }
    return offsets;
  }
};

TEST_F(ShardTest, PipelinedProducesToPartitionsOnEveryShardKeepTheirOrder) {
  ASSERT_EQ(create_topic("spread", partitions), 0);
  // 16 in flight per connection: requests to partitions on other shards overtake nothing.
  for (int16_t acks : {int16_t{1}, int16_t{-1}}) {
    auto offsets = produce_pipelined("spread", 240, acks);
    ASSERT_EQ(offsets.size(), static_cast<size_t>(partitions));
    for (auto& [p, got] : offsets) {
      ASSERT_EQ(got.size(), 20u) << "partition " << p;
      const int64_t first = acks == 1 ? 0 : 20;
      for (size_t i = 0; i < got.size(); ++i)
        EXPECT_EQ(got[i], first + static_cast<int64_t>(i)) << "partition " << p;
    }
  }
}

TEST_F(ShardTest, OneFetchReadsPartitionsOfEveryShard) {
  ASSERT_EQ(create_topic("spread", partitions), 0);
  produce_pipelined("spread", 3 * partitions, 1);
  auto resp = client().call<protocol::fetch_response>(fetch_all("spread", 1 << 20, 1 << 20), 11);
  ASSERT_EQ(resp.responses.size(), 1u);
  ASSERT_EQ(resp.responses[0].partitions.size(), static_cast<size_t>(partitions));
  for (int32_t p = 0; p < partitions; ++p) {
    const auto& pd = resp.responses[0].partitions[static_cast<size_t>(p)];
    EXPECT_EQ(pd.partition_index, p) << "answered in request order";
    EXPECT_EQ(pd.error_code, 0);
    EXPECT_EQ(pd.high_watermark, 3);
    EXPECT_EQ(record_count(pd.records.view()), 3) << "partition " << p;
  }
}

TEST_F(ShardTest, FetchSpanningShardsStaysWithinMaxBytesAndAlwaysReturnsTheFirstBatch) {
  ASSERT_EQ(create_topic("spread", partitions), 0);
  for (int32_t p = 0; p < partitions; ++p) {
    ASSERT_EQ(produce("spread", p, {std::string(1000, 'x')}).first, 0);
  }
  // Room for about three 1 KB batches: the response keeps whole partitions in request order and
  // never exceeds max_bytes except for the first batch (KIP-74).
  auto resp = client().call<protocol::fetch_response>(fetch_all("spread", 3500, 1 << 20), 11);
  size_t total = 0;
  int with_data = 0;
  bool gap = false;
  for (const auto& pd : resp.responses.at(0).partitions) {
    EXPECT_EQ(pd.error_code, 0);
    const size_t n = pd.records.view().size();
    if (n > 0) {
      EXPECT_FALSE(gap) << "a later partition got data an earlier one did not";
      ++with_data;
    } else {
      gap = true;
    }
    total += n;
  }
  EXPECT_LE(total, 3500u);
  EXPECT_GE(with_data, 1);
  // A budget smaller than one batch still returns the first partition's batch.
  auto tiny = client().call<protocol::fetch_response>(fetch_all("spread", 10, 1 << 20), 11);
  EXPECT_EQ(record_count(tiny.responses.at(0).partitions.at(0).records.view()), 1);
}

TEST_F(ShardTest, FetchByTopicIdResolvesOnTheConnectionsShard) {
  ASSERT_EQ(create_topic("by-id", partitions), 0);
  produce_pipelined("by-id", partitions, 1);
  protocol::metadata_request mreq;
  mreq.topics.emplace();
  mreq.topics->push_back({});
  mreq.topics->back().name = "by-id";
  auto meta = client().call<protocol::metadata_response>(mreq, 12);
  ASSERT_EQ(meta.topics.size(), 1u);
  ASSERT_EQ(meta.topics[0].partitions.size(), static_cast<size_t>(partitions));
  // Several connections: the kernel spreads them over the shards' listeners.
  for (int c = 0; c < 6; ++c) {
    kafka_client other(harness().port());
    auto req = fetch_all("", 1 << 20, 1 << 20);
    req.topics[0].topic_id = meta.topics[0].topic_id;
    auto resp = other.call<protocol::fetch_response>(req, 13);
    ASSERT_EQ(resp.responses.size(), 1u);
    for (const auto& pd : resp.responses[0].partitions) {
      EXPECT_EQ(pd.error_code, 0);
      EXPECT_EQ(record_count(pd.records.view()), 1);
    }
    auto unknown = fetch_all("", 1 << 20, 1 << 20);
    unknown.topics[0].topic_id[0] = 0x42;
    auto missing = other.call<protocol::fetch_response>(unknown, 13);
    EXPECT_EQ(missing.responses.at(0).partitions.at(0).error_code, 100) << "UNKNOWN_TOPIC_ID";
  }
}

TEST_F(ShardTest, TopicCreatedOnTheControlShardIsUsableAtOnceFromEveryConnection) {
  for (int i = 0; i < 5; ++i) {
    kafka_client admin(harness().port());
    kafka_client producer(harness().port());
    const std::string topic = "fresh-" + std::to_string(i);
    protocol::produce_request req = one_batch(topic, partitions - 1, {"x"}, -1);
    // Unknown before it exists (auto-creation makes a 1-partition topic, so the last index is
    // still unknown).
    auto before = producer.call<protocol::produce_response>(req, 7);
    EXPECT_EQ(before.responses.at(0).partition_responses.at(0).error_code, 3) << "UNKNOWN_TOPIC_OR_PARTITION";
    ASSERT_EQ(create_topic(topic + "-x", partitions), 0);
    auto after =
        producer.call<protocol::produce_response>(one_batch(topic + "-x", partitions - 1, {"x"}, -1), 7);
    EXPECT_EQ(after.responses.at(0).partition_responses.at(0).error_code, 0);
  }
}

TEST_F(ShardTest, ListOffsetsAnswersEveryPartitionFromItsShard) {
  ASSERT_EQ(create_topic("spread", partitions), 0);
  produce_pipelined("spread", 5 * partitions, 1);
  protocol::list_offsets_request req;
  req.replica_id = -1;
  protocol::list_offsets_request::topic t;
  t.name = "spread";
  for (int32_t p = 0; p < partitions; ++p) t.partitions.push_back({p, -1, -1, 1});
  req.topics.push_back(t);
  auto resp = client().call<protocol::list_offsets_response>(req, 5);
  ASSERT_EQ(resp.topics.at(0).partitions.size(), static_cast<size_t>(partitions));
  for (int32_t p = 0; p < partitions; ++p) {
    const auto& pr = resp.topics[0].partitions[static_cast<size_t>(p)];
    EXPECT_EQ(pr.partition_index, p);
    EXPECT_EQ(pr.error_code, 0);
    EXPECT_EQ(pr.offset, 5);
  }
}

class ShardCountChangeTest : public ShardTest {
 protected:
  ShardCountChangeTest() : ShardTest(options(4)) {}
  static harness_options options(size_t shards) {
    harness_options o;
    o.shards = shards;
    return o;
  }
};

TEST_F(ShardCountChangeTest, RestartWithAnotherShardCountKeepsEveryPartition) {
  ASSERT_EQ(create_topic("moved", partitions), 0);
  produce_pipelined("moved", 4 * partitions, -1);
  int64_t expected = 4;
  for (size_t shards : {size_t{1}, size_t{2}, size_t{5}}) {
    // Partitions change owners: each is opened by its new shard from the same files.
    restart(shards);
    auto resp = client().call<protocol::fetch_response>(fetch_all("moved", 1 << 20, 1 << 20), 11);
    for (const auto& pd : resp.responses.at(0).partitions) {
      EXPECT_EQ(pd.error_code, 0);
      EXPECT_EQ(pd.high_watermark, expected) << shards << " shards, partition " << pd.partition_index;
      EXPECT_EQ(record_count(pd.records.view()), expected);
    }
    produce_pipelined("moved", partitions, -1);
    ++expected;
  }
}

}  // namespace
}  // namespace sluice::broker::test
