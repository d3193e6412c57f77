// Tests for records/record_reader: absolute offsets and timestamps, null vs empty fields,
// headers, every codec, and malformed batches.
#include "records/record_reader.h"

#include <gtest/gtest.h>

#include "records/batch_builder.h"
#include "spec_bytes.h"

namespace sluice::records {
namespace {

using namespace sluice::records::testing;

TEST(RecordReader, ReadsASpecBuiltBatchWithAbsoluteOffsetsAndTimestamps) {
  spec_batch_fields f;
  f.base_offset = 500;
  f.last_offset_delta = 2;
  f.base_timestamp = 10000;
  f.max_timestamp = 10007;
  f.records_count = 3;
  std::string hs;
  zigzag_varint(hs, 1);
  zigzag_varint(hs, 1);
  hs += "h";
  zigzag_varint(hs, 2);
  hs += "hv";
  const std::string b = spec_batch(f, spec_record(0, 0, "k0", "v0") + spec_record(7, 1, std::nullopt, "") +
                                          spec_record(-3, 2, "", std::nullopt, hs));
  auto records = read_records(span_of(b));
  ASSERT_TRUE(records.ok()) << records.err().detail;
  ASSERT_EQ(records->size(), 3u);
  const auto& r = *records;
  EXPECT_EQ(r[0].offset, 500);
  EXPECT_EQ(r[0].timestamp, 10000);
  EXPECT_EQ(r[0].key, "k0");
  EXPECT_EQ(r[0].value, "v0");
  EXPECT_EQ(r[1].offset, 501);
  EXPECT_EQ(r[1].timestamp, 10007);
  EXPECT_EQ(r[1].key, std::nullopt);
  EXPECT_EQ(r[1].value, "");
  EXPECT_EQ(r[2].offset, 502);
  EXPECT_EQ(r[2].timestamp, 9997);
  EXPECT_EQ(r[2].key, "");
  EXPECT_EQ(r[2].value, std::nullopt);
  ASSERT_EQ(r[2].headers.size(), 1u);
  EXPECT_EQ(r[2].headers[0].first, "h");
  EXPECT_EQ(r[2].headers[0].second, "hv");
}

class ReaderCodecs : public ::testing::TestWithParam<compression> {};

TEST_P(ReaderCodecs, CompressedBatchesReadBackWhatWasBuilt) {
  batch_builder_options o;
  o.codec = GetParam();
  o.base_offset = 1000;
  batch_builder b(o);
  for (int i = 0; i < 200; ++i) {
    const std::string k = "key" + std::to_string(i), v = std::string(i, 'z');
    b.append(5000 + i, as_bytes(k), as_bytes(v));
  }
  auto batch = b.build();
  ASSERT_TRUE(batch.ok());
  auto reader = record_reader::open(span_of(*batch), {1 << 20, true});
  ASSERT_TRUE(reader.ok()) << reader.err().detail;
  EXPECT_EQ(reader->header().codec(), GetParam());
  record_view r;
  int i = 0;
  while (reader->next(r)) {
    EXPECT_EQ(r.offset, 1000 + i);
    EXPECT_EQ(r.timestamp, 5000 + i);
    EXPECT_EQ(as_chars(*r.key), "key" + std::to_string(i));
    EXPECT_EQ(r.value->size(), static_cast<size_t>(i));
    ++i;
  }
  EXPECT_FALSE(reader->error());
  EXPECT_EQ(i, 200);
}

TEST_P(ReaderCodecs, DecompressionBeyondTheBoundIsMessageTooLarge) {
  batch_builder_options o;
  o.codec = GetParam();
  batch_builder b(o);
  const std::string v(1 << 20, 'q');
  b.append(1, std::nullopt, as_bytes(v));
  auto batch = b.build();
  ASSERT_TRUE(batch.ok());
  auto reader = record_reader::open(span_of(*batch), {1000, false});
  if (GetParam() == compression::none) {  // nothing to decompress: the bound does not apply
    EXPECT_TRUE(reader.ok());
    return;
  }
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.err().reason, batch_error::message_too_large);
}

INSTANTIATE_TEST_SUITE_P(Codecs, ReaderCodecs,
                         ::testing::Values(compression::none, compression::gzip, compression::snappy,
                                           compression::lz4, compression::zstd),
                         [](const auto& info) { return std::to_string(static_cast<int>(info.param)); });

TEST(RecordReader, LogAppendTimeBatchesReportTheBatchTimestampForEveryRecord) {
  batch_builder_options o;
  o.log_append_time = 99999;
  batch_builder b(o);
  b.append(1, as_bytes("a"), as_bytes("1"));
  b.append(2, as_bytes("b"), as_bytes("2"));
  auto records = read_records(span_of(*b.build()));
  ASSERT_TRUE(records.ok());
  for (const auto& r : *records) EXPECT_EQ(r.timestamp, 99999);
}

TEST(RecordReader, CrcIsCheckedOnlyWhenAsked) {
  batch_builder b;
  b.append(1, as_bytes("a"), as_bytes("1"));
  std::string batch = *b.build();
  batch[20] = static_cast<char>(batch[20] ^ 1);  // inside the stored CRC
  EXPECT_TRUE(record_reader::open(span_of(batch), {}).ok());
  auto checked = record_reader::open(span_of(batch), {1 << 20, true});
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.err().reason, batch_error::corrupt_message);
}

TEST(RecordReader, RejectsWrongSizesAndMagic) {
  batch_builder b;
  b.append(1, as_bytes("a"), as_bytes("1"));
  const std::string batch = *b.build();
  EXPECT_EQ(record_reader::open(span_of(batch.substr(0, 40))).err().reason, batch_error::corrupt_message);
  EXPECT_EQ(record_reader::open(span_of(batch + "x")).err().reason, batch_error::corrupt_message);
  std::string m = batch;
  m[16] = 1;
  EXPECT_EQ(record_reader::open(span_of(m)).err().reason, batch_error::invalid_record);
}

TEST(RecordReader, RecordsCountDisagreeingWithTheRecordsIsAnError) {
  spec_batch_fields f;
  f.records_count = 2;
  f.last_offset_delta = 1;
  const std::string b = spec_batch(f, spec_record(0, 0, "a", "1"));
  auto records = read_records(span_of(b));
  ASSERT_FALSE(records.ok());
  EXPECT_EQ(records.err().reason, batch_error::invalid_record);
  f.records_count = 1;
  const std::string c = spec_batch(f, spec_record(0, 0, "a", "1") + spec_record(0, 1, "b", "2"));
  EXPECT_FALSE(read_records(span_of(c)).ok());
}

}  // namespace
}  // namespace sluice::records
