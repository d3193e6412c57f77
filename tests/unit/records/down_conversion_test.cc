// Tests for down-converting stored v2 batches into magic 0/1 message sets (Fetch v0-3). Expected
// bytes come from the spec encoder in spec_bytes.h.
#include <gtest/gtest.h>

#include "records/batch_builder.h"
#include "records/legacy_message_set.h"
#include "spec_bytes.h"

namespace sluice::records {
namespace {

using namespace sluice::records::testing;

std::string batch(int64_t base_offset, int n, batch_builder_options o = {}) {
  o.base_offset = base_offset;
  batch_builder b(o);
  for (int i = 0; i < n; ++i) {
    const std::string k = "k" + std::to_string(base_offset + i), v = "v" + std::to_string(base_offset + i);
    const header_view h[] = {{as_bytes("dropped"), as_bytes("header")}};
    b.append(1000 + base_offset + i, as_bytes(k), as_bytes(v), h);
  }
  return *b.build();
}

std::string expected_magic1(int64_t from, int64_t to) {
  std::string out;
  for (int64_t o = from; o < to; ++o)
    out += spec_legacy_message(1, o, 0, 1000 + o, "k" + std::to_string(o), "v" + std::to_string(o));
  return out;
}

TEST(DownConvert, Magic1MessagesHaveAbsoluteOffsetsTimestampsAndNoHeaders) {
  const std::string in = batch(50, 3) + batch(53, 2);
  auto out = down_convert_to_message_set(span_of(in), {});
  ASSERT_TRUE(out.ok()) << out.err().detail;
  EXPECT_EQ(out->message_set, expected_magic1(50, 55));
  EXPECT_EQ(out->message_count, 5);
  EXPECT_EQ(out->next_offset, 55);
  EXPECT_FALSE(out->truncated);
}

TEST(DownConvert, Magic0MessagesDropTimestamps) {
  down_conversion_options o;
  o.magic = 0;
  auto out = down_convert_to_message_set(span_of(batch(7, 2)), o);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->message_set,
            spec_legacy_message(0, 7, 0, 0, "k7", "v7") + spec_legacy_message(0, 8, 0, 0, "k8", "v8"));
}

TEST(DownConvert, NullKeysAndValuesStayNull) {
  batch_builder b;
  b.append(5, std::nullopt, std::nullopt);
  b.append(6, as_bytes(""), as_bytes(""));
  auto out = down_convert_to_message_set(span_of(*b.build()), {});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->message_set, spec_legacy_message(1, 0, 0, 5, std::nullopt, std::nullopt) +
                                  spec_legacy_message(1, 1, 0, 6, std::string(), std::string()));
}

TEST(DownConvert, CompressedBatchesComeOutUncompressed) {
  for (compression c : {compression::gzip, compression::snappy, compression::lz4, compression::zstd}) {
    batch_builder_options o;
    o.codec = c;
    auto out = down_convert_to_message_set(span_of(batch(50, 3, o)), {});
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out->message_set, expected_magic1(50, 53));
  }
}

TEST(DownConvert, ControlBatchesAreSkippedButAdvanceTheNextOffset) {
  end_txn_marker m;
  m.producer_id = 1;
  m.producer_epoch = 0;
  m.base_offset = 53;
  m.timestamp = 1;
  batch_builder_options txn;
  txn.transactional = true;
  txn.producer_id = 1;
  txn.producer_epoch = 0;
  txn.base_sequence = 0;
  const std::string in = batch(50, 3, txn) + *build_end_txn_marker(m);
  auto out = down_convert_to_message_set(span_of(in), {});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->message_set, expected_magic1(50, 53));
  EXPECT_EQ(out->next_offset, 54);
}

TEST(DownConvert, LogAppendTimeBatchesGiveTheBatchTimestampAndSetTheTypeBit) {
  batch_builder_options o;
  o.log_append_time = 424242;
  auto out = down_convert_to_message_set(span_of(batch(0, 2, o)), {});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->message_set, spec_legacy_message(1, 0, 0x08, 424242, "k0", "v0") +
                                  spec_legacy_message(1, 1, 0x08, 424242, "k1", "v1"));
}

TEST(DownConvert, RecordsBeforeTheFetchOffsetAreDropped) {
  down_conversion_options o;
  o.first_offset = 52;
  const std::string in = batch(40, 5) + batch(50, 4);
  auto out = down_convert_to_message_set(span_of(in), o);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->message_set, expected_magic1(52, 54));
  EXPECT_EQ(out->next_offset, 54);
}

TEST(DownConvert, StopsAtMaxBytesButAlwaysWritesOneMessage) {
  const std::string in = batch(0, 10);
  const size_t one = spec_legacy_message(1, 0, 0, 1000, "k0", "v0").size();
  down_conversion_options o;
  o.max_bytes = one * 3 + 5;
  auto out = down_convert_to_message_set(span_of(in), o);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->message_set, expected_magic1(0, 3));
  EXPECT_TRUE(out->truncated);
  EXPECT_EQ(out->next_offset, 3);
  o.max_bytes = 1;
  auto first = down_convert_to_message_set(span_of(in), o);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->message_set, expected_magic1(0, 1));
  EXPECT_TRUE(first->truncated);
}

TEST(DownConvert, ATrailingPartialBatchIsIgnored) {
  const std::string second = batch(3, 2);
  const std::string in = batch(0, 3) + second.substr(0, second.size() / 2);
  auto out = down_convert_to_message_set(span_of(in), {});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->message_set, expected_magic1(0, 3));
  EXPECT_EQ(out->next_offset, 3);
}

TEST(DownConvert, LegacyEntriesAreReencodedInTheTargetMagic) {
  const std::string in = spec_legacy_message(1, 9, 0, 1009, "k9", "v9") + batch(10, 1);
  down_conversion_options o;
  o.magic = 0;
  auto out = down_convert_to_message_set(span_of(in), o);
  ASSERT_TRUE(out.ok()) << out.err().detail;
  EXPECT_EQ(out->message_set,
            spec_legacy_message(0, 9, 0, 0, "k9", "v9") + spec_legacy_message(0, 10, 0, 0, "k10", "v10"));
}

TEST(DownConvert, CorruptRecordsAndBadTargetsAreErrors) {
  spec_batch_fields f;
  f.records_count = 2;
  f.last_offset_delta = 1;
  const std::string short_batch = spec_batch(f, spec_record(0, 0, "a", "1"));
  auto out = down_convert_to_message_set(span_of(short_batch), {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.err().reason, batch_error::invalid_record);
  down_conversion_options o;
  o.magic = 2;
  EXPECT_FALSE(down_convert_to_message_set(span_of(batch(0, 1)), o).ok());
}

TEST(DownConvert, EmptyInputGivesAnEmptySet) {
  auto out = down_convert_to_message_set({}, {});
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->message_set.empty());
  EXPECT_EQ(out->next_offset, -1);
}

}  // namespace
}  // namespace sluice::records
