// Tests for records/batch_builder: byte-exact output against the spec, producer/transaction
// flags, compression, and end-transaction control batches.
#include "records/batch_builder.h"

#include <gtest/gtest.h>

#include "compression/compression.h"
#include "records/batch_validator.h"
#include "records/record_reader.h"
#include "spec_bytes.h"

namespace sluice::records {
namespace {

using namespace sluice::records::testing;

TEST(BatchBuilder, ProducesTheSpecBytesForAnUncompressedBatch) {
  batch_builder_options o;
  o.base_offset = 7;
  o.partition_leader_epoch = 3;
  o.producer_id = 1234;
  o.producer_epoch = 5;
  o.base_sequence = 42;
  batch_builder b(o);
  const header_view h[] = {{as_bytes("hk"), as_bytes("hv")}};
  b.append(1000, as_bytes("k"), as_bytes("v"));
  b.append(990, std::nullopt, as_bytes("second"), h);
  auto built = b.build();
  ASSERT_TRUE(built.ok());

  std::string hs;
  zigzag_varint(hs, 1);
  zigzag_varint(hs, 2);
  hs += "hk";
  zigzag_varint(hs, 2);
  hs += "hv";
  spec_batch_fields f;
  f.base_offset = 7;
  f.partition_leader_epoch = 3;
  f.last_offset_delta = 1;
  f.base_timestamp = 1000;
  f.max_timestamp = 1000;
  f.producer_id = 1234;
  f.producer_epoch = 5;
  f.base_sequence = 42;
  f.records_count = 2;
  const std::string expected =
      spec_batch(f, spec_record(0, 0, "k", "v") + spec_record(-10, 1, std::nullopt, "second", hs));
  EXPECT_EQ(*built, expected);
}

TEST(BatchBuilder, CompressedBatchesCompressTheWholeRecordSection) {
  for (compression c : {compression::gzip, compression::snappy, compression::lz4, compression::zstd}) {
    batch_builder_options o;
    o.codec = c;
    batch_builder b(o);
    b.append(1, as_bytes("a"), as_bytes("1"));
    b.append(2, as_bytes("b"), as_bytes("2"));
    auto built = b.build();
    ASSERT_TRUE(built.ok());
    auto h = parse_batch_header(span_of(*built));
    EXPECT_EQ(h->codec(), c);
    EXPECT_EQ(h->records_count, 2);
    auto plain = sluice::compression::decompress(static_cast<sluice::compression::codec>(c),
                                                 span_of(*built).subspan(61), 1000);
    ASSERT_TRUE(plain.ok());
    EXPECT_EQ(*plain, spec_record(0, 0, "a", "1") + spec_record(1, 1, "b", "2"));
    EXPECT_EQ(stored_crc(span_of(*built)),
              ref_crc32c(reinterpret_cast<const uint8_t*>(built->data()) + 21, built->size() - 21));
  }
}

TEST(BatchBuilder, FlagsAndLogAppendTimeGoToTheAttributes) {
  batch_builder_options o;
  o.transactional = true;
  o.producer_id = 9;
  o.producer_epoch = 1;
  o.base_sequence = 0;
  o.log_append_time = 5555;
  batch_builder b(o);
  b.append(1, as_bytes("a"), as_bytes("1"));
  auto built = b.build();
  auto h = parse_batch_header(span_of(*built));
  EXPECT_TRUE(h->is_transactional());
  EXPECT_TRUE(h->has_log_append_time());
  EXPECT_FALSE(h->is_control());
  EXPECT_EQ(h->max_timestamp, 5555);
  EXPECT_TRUE(validate_batch(span_of(*built), {}).ok());
}

TEST(BatchBuilder, EmptyBuilderIsAnErrorAndClearResets) {
  batch_builder b;
  EXPECT_FALSE(b.build().ok());
  b.append(1, as_bytes("a"), as_bytes("1"));
  EXPECT_EQ(b.record_count(), 1);
  b.clear();
  EXPECT_TRUE(b.empty());
  b.append(7, as_bytes("x"), as_bytes("y"));
  auto built = b.build();
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(parse_batch_header(span_of(*built))->base_timestamp, 7);
}

TEST(BatchBuilder, EndTxnMarkerIsAControlBatchWithTheSpecKeyAndValue) {
  end_txn_marker m;
  m.type = control_type::abort;
  m.coordinator_epoch = 17;
  m.producer_id = 4000;
  m.producer_epoch = 6;
  m.timestamp = 123;
  m.base_offset = 88;
  auto built = build_end_txn_marker(m);
  ASSERT_TRUE(built.ok());
  auto h = parse_batch_header(span_of(*built));
  EXPECT_TRUE(h->is_control());
  EXPECT_TRUE(h->is_transactional());
  EXPECT_EQ(h->producer_id, 4000);
  EXPECT_EQ(h->producer_epoch, 6);
  EXPECT_EQ(h->base_sequence, -1);
  EXPECT_EQ(h->records_count, 1);
  EXPECT_EQ(h->base_offset, 88);
  auto records = read_records(span_of(*built));
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].key, std::string("\0\0\0\0", 4));
  EXPECT_EQ((*records)[0].value, std::string("\0\0\0\0\0\x11", 6));
  auto type = parse_control_type(as_bytes(*(*records)[0].key));
  ASSERT_TRUE(type);
  EXPECT_EQ(*type, static_cast<int16_t>(control_type::abort));
  m.type = control_type::commit;
  auto commit = read_records(span_of(*build_end_txn_marker(m)));
  EXPECT_EQ(parse_control_type(as_bytes(*(*commit)[0].key)), int16_t{1});
  EXPECT_FALSE(parse_control_type(std::nullopt));
  EXPECT_FALSE(parse_control_type(as_bytes("ab")));
}

}  // namespace
}  // namespace sluice::records
