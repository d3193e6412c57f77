// DeleteRecords, OffsetForLeaderEpoch, InitProducerId and DescribeProducers through a real broker.
#include <fstream>
#include <limits>
#include <sstream>

#include "broker_harness.h"
#include "protocol/generated/delete_records.h"
#include "protocol/generated/describe_producers.h"
#include "protocol/generated/fetch.h"
#include "protocol/generated/init_producer_id.h"
#include "protocol/generated/list_offsets.h"
#include "protocol/generated/offset_for_leader_epoch.h"
#include "records/batch_header.h"
#include "records/record_reader.h"
#include "storage/checkpoint_file.h"
#include "storage/file_names.h"

namespace sluice::broker::test {
namespace {

using protocol::delete_records_request;
using protocol::delete_records_response;
using protocol::init_producer_id_request;
using protocol::init_producer_id_response;
using protocol::offset_for_leader_epoch_request;
using protocol::offset_for_leader_epoch_response;

class RecordsApiTest : public BrokerTest {
 protected:
  delete_records_response::topic::partition delete_records(const std::string& topic, int32_t partition,
                                                           int64_t offset, int16_t version = 2) {
    delete_records_request req;
    req.topics.push_back({topic, {{partition, offset}}});
    req.timeout_ms = 10000;
    auto resp = client().call<delete_records_response>(req, version);
    if (resp.topics.size() != 1 || resp.topics[0].partitions.size() != 1) {
      ADD_FAILURE() << "unexpected DeleteRecords response shape";
      return {};
    }
    return resp.topics[0].partitions[0];
  }
  int64_t earliest_offset(const std::string& topic, int32_t partition) {
    protocol::list_offsets_request req;
    req.replica_id = -1;
    req.topics.push_back({topic, {{partition, -1, -2, 1}}});
    auto resp = client().call<protocol::list_offsets_response>(req, 1);
    return resp.topics.at(0).partitions.at(0).offset;
  }
  int16_t fetch_error(const std::string& topic, int32_t partition, int64_t offset) {
    protocol::fetch_request req;
    req.max_wait_ms = 0;
    protocol::fetch_request::topic_data t;
    t.topic = topic;
    t.partitions.push_back({partition, -1, offset, -1, -1, 1 << 20});
    req.topics.push_back(t);
    auto resp = client().call<protocol::fetch_response>(req, 11);
    return resp.responses.at(0).partitions.at(0).error_code;
  }
  offset_for_leader_epoch_response::topic_result::partition_result epoch_end(const std::string& topic,
                                                                             int32_t partition, int32_t epoch,
                                                                             int32_t current = -1,
                                                                             int16_t version = 4) {
    offset_for_leader_epoch_request req;
    req.replica_id = -1;
    req.topics.push_back({topic, {{partition, current, epoch}}});
    auto resp = client().call<offset_for_leader_epoch_response>(req, version);
    if (resp.topics.size() != 1 || resp.topics[0].partitions.size() != 1) {
      ADD_FAILURE() << "unexpected OffsetForLeaderEpoch response shape";
      return {};
    }
    EXPECT_EQ(resp.topics[0].topic, topic);
    EXPECT_EQ(resp.topics[0].partitions[0].partition, partition);
    return resp.topics[0].partitions[0];
  }
  init_producer_id_response init_producer(int16_t version, std::optional<std::string> txn_id = std::nullopt,
                                          int64_t producer_id = -1, int16_t epoch = -1,
                                          int32_t timeout = 60000) {
    init_producer_id_request req;
    req.transactional_id = std::move(txn_id);
    req.transaction_timeout_ms = timeout;
    req.producer_id = producer_id;
    req.producer_epoch = epoch;
    return client().call<init_producer_id_response>(req, version);
  }
};

TEST_F(RecordsApiTest, DeleteRecordsMovesTheLogStartOffsetAndPersistsIt) {
  ASSERT_EQ(create_topic("trim"), 0);
  produce("trim", 0, {"a", "b", "c"});
  produce("trim", 0, {"d", "e"});
  auto r = delete_records("trim", 0, 3);
  EXPECT_EQ(r.error_code, 0);
  EXPECT_EQ(r.low_watermark, 3);
  EXPECT_EQ(earliest_offset("trim", 0), 3);
  EXPECT_EQ(fetch_error("trim", 0, 0), 1);  // OFFSET_OUT_OF_RANGE below the new start
  EXPECT_EQ(fetch_error("trim", 0, 3), 0);

  // Written to the checkpoint at once, not only at shutdown.
  std::ifstream in(harness().log_dir() + "/" + std::string(storage::file_names::log_start_offset_checkpoint));
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = storage::parse_checkpoint(text.str());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->at({"trim", 0}), 3);

  restart();
  EXPECT_EQ(earliest_offset("trim", 0), 3);
}

TEST_F(RecordsApiTest, DeleteRecordsToMinusOneDeletesUpToTheHighWatermark) {
  ASSERT_EQ(create_topic("all-gone"), 0);
  produce("all-gone", 0, {"a", "b", "c", "d"});
  auto r = delete_records("all-gone", 0, -1, 0);
  EXPECT_EQ(r.error_code, 0);
  EXPECT_EQ(r.low_watermark, 4);
  // Deleting below the current start changes nothing.
  auto again = delete_records("all-gone", 0, 1, 1);
  EXPECT_EQ(again.error_code, 0);
  EXPECT_EQ(again.low_watermark, 4);
}

TEST_F(RecordsApiTest, DeleteRecordsRefusesOffsetsBeyondTheHighWatermarkAndUnknownPartitions) {
  ASSERT_EQ(create_topic("bounded"), 0);
  produce("bounded", 0, {"a"});
  auto beyond = delete_records("bounded", 0, 2);
  EXPECT_EQ(beyond.error_code, 1);
  EXPECT_EQ(beyond.low_watermark, -1);
  EXPECT_EQ(delete_records("bounded", 0, -7).error_code, 1);
  EXPECT_EQ(delete_records("bounded", 3, 0).error_code, 3);
  EXPECT_EQ(delete_records("elsewhere", 0, 0).error_code, 3);
  EXPECT_EQ(earliest_offset("bounded", 0), 0);
}

TEST_F(RecordsApiTest, DeleteRecordsOnACompactedTopicIsAPolicyViolation) {
  ASSERT_EQ(create_topic("compacted", 1, {{"cleanup.policy", "compact"}}), 0);
  produce("compacted", 0, {"a"});
  EXPECT_EQ(delete_records("compacted", 0, 1).error_code, 44);
}

TEST_F(RecordsApiTest, OffsetForTheCurrentEpochIsTheLogEndOffset) {
  ASSERT_EQ(create_topic("epochs"), 0);
  produce("epochs", 0, {"a", "b", "c"});
  auto r = epoch_end("epochs", 0, 0);
  EXPECT_EQ(r.error_code, 0);
  EXPECT_EQ(r.leader_epoch, 0);
  EXPECT_EQ(r.end_offset, 3);
  auto v0 = epoch_end("epochs", 0, 0, -1, 0);
  EXPECT_EQ(v0.error_code, 0);
  EXPECT_EQ(v0.end_offset, 3);
}

TEST_F(RecordsApiTest, OffsetForAFutureOrUndefinedEpochIsUndefined) {
  ASSERT_EQ(create_topic("future"), 0);
  produce("future", 0, {"a"});
  for (int32_t epoch : {1, 5, -1}) {
    auto r = epoch_end("future", 0, epoch);
    EXPECT_EQ(r.error_code, 0) << epoch;
    EXPECT_EQ(r.leader_epoch, -1) << epoch;
    EXPECT_EQ(r.end_offset, -1) << epoch;
  }
}

TEST_F(RecordsApiTest, OffsetForLeaderEpochFencesStaleAndFutureLeaderEpochs) {
  ASSERT_EQ(create_topic("fenced"), 0);
  EXPECT_EQ(epoch_end("fenced", 0, 0, 1).error_code, 75);  // UNKNOWN_LEADER_EPOCH
  EXPECT_EQ(epoch_end("fenced", 0, 0, 0).error_code, 0);
  EXPECT_EQ(epoch_end("fenced", 7, 0).error_code, 3);
  EXPECT_EQ(epoch_end("absent", 0, 0).error_code, 3);
}

TEST_F(RecordsApiTest, IdempotentProducersGetFreshIdsWithEpochZero) {
  auto a = init_producer(0);
  auto b = init_producer(4);
  EXPECT_EQ(a.error_code, 0);
  EXPECT_EQ(b.error_code, 0);
  EXPECT_GE(a.producer_id, 0);
  EXPECT_GE(b.producer_id, 0);
  EXPECT_NE(a.producer_id, b.producer_id);
  EXPECT_EQ(a.producer_epoch, 0);
  EXPECT_EQ(b.producer_epoch, 0);
}

TEST_F(RecordsApiTest, ProducerIdsAreNotReusedAfterARestart) {
  auto before = init_producer(2);
  restart();
  auto after = init_producer(2);
  EXPECT_NE(before.producer_id, after.producer_id);
}

TEST_F(RecordsApiTest, PresentingAProducerIdWithoutTransactionalIdGetsAFreshId) {
  // Kafka: without a transactional id the presented id is not trusted; a new id with epoch 0.
  auto first = init_producer(3);
  auto again = init_producer(3, std::nullopt, first.producer_id, first.producer_epoch);
  EXPECT_EQ(again.error_code, 0);
  EXPECT_NE(again.producer_id, first.producer_id);
  EXPECT_EQ(again.producer_epoch, 0);
  auto half = init_producer(4, std::nullopt, first.producer_id, -1);
  EXPECT_EQ(half.error_code, 42);
  EXPECT_EQ(half.producer_id, -1);
  EXPECT_EQ(half.producer_epoch, -1);
}

TEST_F(RecordsApiTest, TransactionalProducersAreRefusedUntilTransactionsExist) {
  auto txn = init_producer(1, std::string("my-txn"));
  EXPECT_EQ(txn.error_code, 53);  // TRANSACTIONAL_ID_AUTHORIZATION_FAILED
  EXPECT_EQ(txn.producer_id, -1);
  EXPECT_EQ(init_producer(1, std::string("my-txn"), -1, -1, 0).error_code,
            50);  // INVALID_TRANSACTION_TIMEOUT
  EXPECT_EQ(init_producer(1, std::string("")).error_code, 42);
}

TEST_F(RecordsApiTest, DescribeProducersListsTheIdempotentProducersOfAPartition) {
  ASSERT_EQ(create_topic("tracked", 2), 0);
  auto pid = init_producer(4);
  ASSERT_EQ(pid.error_code, 0);
  auto [err, base] = produce("tracked", 1, {"a", "b", "c"}, pid.producer_id, pid.producer_epoch, 0);
  ASSERT_EQ(err, 0);

  protocol::describe_producers_request req;
  req.topics.push_back({"tracked", {0, 1, 9}});
  req.topics.push_back({"untracked", {0}});
  auto resp = client().call<protocol::describe_producers_response>(req, 0);
  ASSERT_EQ(resp.topics.size(), 2u);
  const auto& parts = resp.topics[0].partitions;
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].error_code, 0);
  EXPECT_TRUE(parts[0].active_producers.empty());
  EXPECT_EQ(parts[1].error_code, 0);
  ASSERT_EQ(parts[1].active_producers.size(), 1u);
  const auto& p = parts[1].active_producers[0];
  EXPECT_EQ(p.producer_id, pid.producer_id);
  EXPECT_EQ(p.producer_epoch, 0);
  EXPECT_EQ(p.last_sequence, 2);
  EXPECT_GT(p.last_timestamp, 0);
  EXPECT_EQ(p.current_txn_start_offset, -1);
  EXPECT_EQ(parts[2].error_code, 3);
  ASSERT_EQ(resp.topics[1].partitions.size(), 1u);
  EXPECT_EQ(resp.topics[1].partitions[0].error_code, 3);
}

}  // namespace
}  // namespace sluice::broker::test

namespace sluice::broker::test {
namespace {

// compression.type other than "producer": batches are stored (and fetched) with the topic's codec.
class CompressionTypeTest : public BrokerTest {
 protected:
  std::string fetch_bytes(const std::string& topic) {
    protocol::fetch_request req;
    req.max_wait_ms = 0;
    protocol::fetch_request::topic_data t;
    t.topic = topic;
    t.partitions.push_back({0, -1, 0, -1, -1, 1 << 20});
    req.topics.push_back(t);
    auto resp = client().call<protocol::fetch_response>(req, 11);
    auto view = resp.responses.at(0).partitions.at(0).records.view();
    return std::string(reinterpret_cast<const char*>(view.data()), view.size());
  }
};

TEST_F(CompressionTypeTest, ATopicsCodecIsAppliedToProducedBatches) {
  const std::vector<std::string> values{std::string(300, 'x'), "y", std::string(300, 'z')};
  for (auto [name, codec] :
       {std::pair{"zstd", records::compression::zstd}, std::pair{"gzip", records::compression::gzip},
        std::pair{"lz4", records::compression::lz4}}) {
    const std::string topic = std::string("packed-") + name;
    ASSERT_EQ(create_topic(topic, 1, {{"compression.type", name}}), 0);
    ASSERT_EQ(produce(topic, 0, values).first, 0);
    const std::string stored = fetch_bytes(topic);
    auto span = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(stored.data()), stored.size());
    auto h = records::parse_batch_header(span);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->codec(), codec) << topic;
    auto got = records::read_records(span.first(h->total_size()));
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got->size(), values.size());
    for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ((*got)[i].value, values[i]);
  }
  // "producer" (the default) stores what was sent.
  ASSERT_EQ(create_topic("as-sent", 1), 0);
  ASSERT_EQ(produce("as-sent", 0, values).first, 0);
  const std::string stored = fetch_bytes("as-sent");
  auto h = records::parse_batch_header(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(stored.data()), stored.size()));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->codec(), records::compression::none);
}

}  // namespace
}  // namespace sluice::broker::test
