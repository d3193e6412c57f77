// Tests of idempotent-producer checks and producer snapshots (without a log).
#include "storage/producer_state.h"

#include <limits>

#include <gtest/gtest.h>

#include "batch_maker.h"
#include "storage/producer_snapshot.h"
#include "storage/record_scan.h"

namespace sluice::storage {
namespace {

records::batch_header batch(int64_t pid, int16_t epoch, int32_t seq, int32_t count, int64_t base_offset = 0) {
  records::batch_header h;
  h.producer_id = pid;
  h.producer_epoch = epoch;
  h.base_sequence = seq;
  h.last_offset_delta = count - 1;
  h.records_count = count;
  h.base_offset = base_offset;
  h.max_timestamp = 1000 + base_offset;
  return h;
}

bool is_ok(const producer_check& c) { return std::holds_alternative<producer_check_ok>(c); }
append_errc err_of(const producer_check& c) { return std::get<append_error>(c).code; }

TEST(ProducerState, FirstBatchOfNewProducerAtSequenceZeroIsAccepted) {
  producer_state s;
  EXPECT_TRUE(is_ok(s.check(batch(1, 0, 0, 5))));
}

TEST(ProducerState, NextSequenceMustFollowLastSequence) {
  producer_state s;
  s.apply(batch(1, 0, 0, 5, 0));
  EXPECT_TRUE(is_ok(s.check(batch(1, 0, 5, 1))));
  EXPECT_EQ(err_of(s.check(batch(1, 0, 6, 1))), append_errc::out_of_order_sequence);
  EXPECT_EQ(err_of(s.check(batch(1, 0, 3, 1))), append_errc::out_of_order_sequence);
}

TEST(ProducerState, RetryOfOneOfLastFiveBatchesIsDuplicateWithOriginalOffsets) {
  producer_state s;
  for (int i = 0; i < 7; ++i) s.apply(batch(1, 0, i * 2, 2, 100 + i * 2));
  // Batches 2..6 are cached (seq 4..13); batch 1 (seq 2-3) fell out of the cache.
  auto c = s.check(batch(1, 0, 4, 2));
  ASSERT_TRUE(std::holds_alternative<producer_check_duplicate>(c));
  EXPECT_EQ(std::get<producer_check_duplicate>(c).original.first_offset, 104);
  EXPECT_EQ(std::get<producer_check_duplicate>(c).original.last_offset, 105);
  EXPECT_EQ(err_of(s.check(batch(1, 0, 2, 2))), append_errc::out_of_order_sequence);
  // Same first sequence but a different length is not a duplicate.
  EXPECT_EQ(err_of(s.check(batch(1, 0, 4, 3))), append_errc::out_of_order_sequence);
}

TEST(ProducerState, OlderEpochIsFenced) {
  producer_state s;
  s.apply(batch(1, 3, 0, 1));
  EXPECT_EQ(err_of(s.check(batch(1, 2, 1, 1))), append_errc::invalid_producer_epoch);
}

TEST(ProducerState, EpochBumpMustRestartAtSequenceZero) {
  producer_state s;
  s.apply(batch(1, 0, 0, 3));
  EXPECT_EQ(err_of(s.check(batch(1, 1, 3, 1))), append_errc::out_of_order_sequence);
  EXPECT_TRUE(is_ok(s.check(batch(1, 1, 0, 1))));
  s.apply(batch(1, 1, 0, 1, 3));
  EXPECT_EQ(s.find(1)->batches.size(), 1u);  // the bump cleared the old epoch's batches
}

TEST(ProducerState, UnknownProducerWithNonZeroSequenceIsAcceptedLikeKafkaSinceKip360) {
  producer_state s;
  EXPECT_TRUE(is_ok(s.check(batch(9, 0, 42, 1))));
}

TEST(ProducerState, UnknownProducerWithNonZeroSequenceIsRejectedInStrictMode) {
  producer_state s(/*reject_unknown_producer_sequence=*/true);
  EXPECT_EQ(err_of(s.check(batch(9, 0, 42, 1))), append_errc::unknown_producer_id);
  EXPECT_TRUE(is_ok(s.check(batch(9, 0, 0, 1))));
}

TEST(ProducerState, SequenceWrapsFromIntMaxToZero) {
  constexpr int32_t max = std::numeric_limits<int32_t>::max();
  producer_state s;
  auto h = batch(1, 0, max - 1, 3);  // sequences max-1, max, 0
  EXPECT_EQ(batch_last_sequence(h), 0);
  s.apply(batch(1, 0, max - 1, 2));  // ends at max
  EXPECT_TRUE(is_ok(s.check(batch(1, 0, 0, 1))));
}

TEST(ProducerState, MissingBaseSequenceIsInvalid) {
  producer_state s;
  EXPECT_EQ(err_of(s.check(batch(1, 0, -1, 1))), append_errc::invalid_record);
}

TEST(ProducerState, ControlBatchWithOlderEpochIsFenced) {
  producer_state s;
  s.apply(batch(1, 5, 0, 1));
  auto marker = batch(1, 4, -1, 1);
  marker.attributes = records::batch_attr::control | records::batch_attr::transactional;
  EXPECT_EQ(err_of(s.check(marker)), append_errc::invalid_producer_epoch);
}

TEST(ProducerState, TransactionalBatchOpensATransactionUntilTheMarker) {
  producer_state s;
  auto data = batch(1, 0, 0, 1, 50);
  data.attributes = records::batch_attr::transactional;
  s.apply(data);
  EXPECT_EQ(s.describe()[0].current_txn_start_offset, 50);
  auto marker = batch(1, 0, -1, 1, 51);
  marker.attributes = records::batch_attr::control | records::batch_attr::transactional;
  s.apply(marker);
  EXPECT_EQ(s.describe()[0].current_txn_start_offset, -1);
}

TEST(ProducerState, DescribeReportsEpochLastSequenceAndTimestamp) {
  producer_state s;
  s.apply(batch(7, 2, 0, 4, 10));
  auto d = s.describe();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].producer_id, 7);
  EXPECT_EQ(d[0].producer_epoch, 2);
  EXPECT_EQ(d[0].last_sequence, 3);
  EXPECT_EQ(d[0].last_timestamp, 1010);
  EXPECT_EQ(d[0].coordinator_epoch, -1);
  EXPECT_EQ(d[0].current_txn_start_offset, -1);
}

TEST(ProducerState, IdleProducersExpire) {
  producer_state s;
  s.apply(batch(1, 0, 0, 1, 0));     // timestamp 1000
  s.apply(batch(2, 0, 0, 1, 5000));  // timestamp 6000
  s.remove_expired(/*now=*/7000, /*max_idle=*/5000);
  EXPECT_EQ(s.find(1), nullptr);
  EXPECT_NE(s.find(2), nullptr);
}

TEST(RecordScan, FindsTheFirstRecordAtOrAfterATimestamp) {
  test::batch_spec s;
  s.records = 4;
  s.base_timestamp = 1000;
  s.timestamp_step = 10;  // 1000, 1010, 1020, 1030
  auto b = test::make_batch(s);
  records::set_base_offset(b, 50);
  EXPECT_EQ(first_record_at_or_after(b, 0)->offset, 50);
  EXPECT_EQ(first_record_at_or_after(b, 1011)->offset, 52);
  EXPECT_EQ(first_record_at_or_after(b, 1011)->timestamp, 1020);
  EXPECT_EQ(first_record_at_or_after(b, 1030)->offset, 53);
  EXPECT_FALSE(first_record_at_or_after(b, 1031));
  s.codec_bits = 1;  // claims gzip: records are not walked
  EXPECT_FALSE(first_record_at_or_after(test::make_batch(s), 0));
  b.resize(b.size() - 1);
  EXPECT_FALSE(first_record_at_or_after(b, 0));
}

TEST(ProducerSnapshot, EncodeDecodeRoundTrips) {
  producer_state s;
  for (int i = 0; i < 7; ++i) s.apply(batch(1, 0, i, 1, i));
  s.apply(batch(2, 4, 0, 3, 20));
  auto bytes = encode_producer_snapshot(23, s.entries());
  auto back = decode_producer_snapshot(bytes, 23);
  ASSERT_TRUE(back.ok()) << back.err().message;
  EXPECT_EQ(*back, s.entries());
  EXPECT_EQ((*back)[0].batches.size(), 5u);
}

TEST(ProducerSnapshot, CorruptionAndWrongOffsetAreRejected) {
  producer_state s;
  s.apply(batch(1, 0, 0, 1, 0));
  auto bytes = encode_producer_snapshot(1, s.entries());
  EXPECT_FALSE(decode_producer_snapshot(bytes, 2).ok());
  auto flipped = bytes;
  flipped[25] ^= 0x01;
  EXPECT_EQ(decode_producer_snapshot(flipped, 1).err().code, errc::corruption);
  auto torn = bytes;
  torn.resize(torn.size() - 3);
  EXPECT_FALSE(decode_producer_snapshot(torn, 1).ok());
}

}  // namespace
}  // namespace sluice::storage
