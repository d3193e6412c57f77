// Tests for records/batch_header: field parsing, and in-place patches that keep the CRC valid.
#include "records/batch_header.h"

#include <gtest/gtest.h>

#include "spec_bytes.h"

namespace sluice::records {
namespace {

using namespace sluice::records::testing;

std::string sample_batch() {
  spec_batch_fields f;
  f.base_offset = 0x0102030405060708;
  f.partition_leader_epoch = 7;
  f.attributes = 0x0010;  // transactional
  f.last_offset_delta = 1;
  f.base_timestamp = 1000;
  f.max_timestamp = 1005;
  f.producer_id = 42;
  f.producer_epoch = 3;
  f.base_sequence = 9;
  f.records_count = 2;
  return spec_batch(f, spec_record(0, 0, "k", "v") + spec_record(5, 1, std::nullopt, "w"));
}

bool crc_ok(const std::string& b) { return stored_crc(span_of(b)) == compute_crc(span_of(b)); }

TEST(BatchHeader, ParsesEveryField) {
  const std::string b = sample_batch();
  auto h = parse_batch_header(span_of(b));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->base_offset, 0x0102030405060708);
  EXPECT_EQ(h->batch_length, static_cast<int32_t>(b.size() - 12));
  EXPECT_EQ(h->total_size(), b.size());
  EXPECT_EQ(h->partition_leader_epoch, 7);
  EXPECT_EQ(h->magic, 2);
  EXPECT_EQ(h->crc, get_be4_at(b, 17));
  EXPECT_TRUE(h->is_transactional());
  EXPECT_FALSE(h->is_control());
  EXPECT_FALSE(h->has_log_append_time());
  EXPECT_EQ(h->codec(), compression::none);
  EXPECT_EQ(h->last_offset_delta, 1);
  EXPECT_EQ(h->last_offset(), 0x0102030405060709);
  EXPECT_EQ(h->base_timestamp, 1000);
  EXPECT_EQ(h->max_timestamp, 1005);
  EXPECT_EQ(h->producer_id, 42);
  EXPECT_EQ(h->producer_epoch, 3);
  EXPECT_EQ(h->base_sequence, 9);
  EXPECT_EQ(h->records_count, 2);
  EXPECT_TRUE(crc_ok(b));
}

TEST(BatchHeader, ShorterThan61BytesDoesNotParse) {
  const std::string b = sample_batch().substr(0, 60);
  EXPECT_FALSE(parse_batch_header(span_of(b)));
}

TEST(BatchHeader, PeekMagicReadsByte16OrMinusOne) {
  const std::string b = sample_batch();
  EXPECT_EQ(peek_magic(span_of(b)), 2);
  EXPECT_EQ(peek_magic(span_of(b.substr(0, 16))), -1);
}

TEST(BatchHeader, CrcCoversAttributesToTheEnd) {
  const std::string b = sample_batch();
  EXPECT_EQ(compute_crc(span_of(b)),
            ref_crc32c(reinterpret_cast<const uint8_t*>(b.data()) + 21, b.size() - 21));
}

TEST(BatchHeader, SetBaseOffsetAndLeaderEpochLeaveTheCrcValid) {
  std::string b = sample_batch();
  set_base_offset(mutable_span_of(b), 12345);
  set_partition_leader_epoch(mutable_span_of(b), 99);
  auto h = parse_batch_header(span_of(b));
  EXPECT_EQ(h->base_offset, 12345);
  EXPECT_EQ(h->partition_leader_epoch, 99);
  EXPECT_TRUE(crc_ok(b));
}

TEST(BatchHeader, SetLogAppendTimeSetsTheBitAndMaxTimestampAndRewritesTheCrc) {
  std::string b = sample_batch();
  set_log_append_time(mutable_span_of(b), 77777);
  auto h = parse_batch_header(span_of(b));
  EXPECT_TRUE(h->has_log_append_time());
  EXPECT_TRUE(h->is_transactional());  // other bits kept
  EXPECT_EQ(h->max_timestamp, 77777);
  EXPECT_EQ(h->base_timestamp, 1000);
  EXPECT_TRUE(crc_ok(b));
  EXPECT_EQ(stored_crc(span_of(b)),
            ref_crc32c(reinterpret_cast<const uint8_t*>(b.data()) + 21, b.size() - 21));
}

TEST(BatchHeader, SetMaxTimestampKeepsCreateTimeAndRewritesTheCrc) {
  std::string b = sample_batch();
  set_max_timestamp(mutable_span_of(b), 2000);
  auto h = parse_batch_header(span_of(b));
  EXPECT_FALSE(h->has_log_append_time());
  EXPECT_EQ(h->max_timestamp, 2000);
  EXPECT_TRUE(crc_ok(b));
}

TEST(BatchHeader, BigEndianHelpersRoundTrip) {
  uint8_t buf[8];
  store_be64(buf, -2);
  EXPECT_EQ(load_be64(buf), -2);
  EXPECT_EQ(buf[0], 0xFF);
  EXPECT_EQ(buf[7], 0xFE);
  store_be32(buf, 0x01020304);
  EXPECT_EQ(buf[0], 1);
  EXPECT_EQ(load_be32(buf), 0x01020304);
  store_be16(buf, -300);
  EXPECT_EQ(load_be16(buf), -300);
}

}  // namespace
}  // namespace sluice::records
