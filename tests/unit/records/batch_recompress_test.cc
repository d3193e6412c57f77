// recompress_batch: a topic's compression.type applied to a produced batch keeps every record and
// header field and yields a batch the validator accepts.
#include "records/batch_recompress.h"

#include <gtest/gtest.h>

#include "records/batch_builder.h"
#include "records/batch_validator.h"
#include "records/record_reader.h"

namespace sluice::records {
namespace {

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string idempotent_batch(compression codec) {
  batch_builder_options o;
  o.codec = codec;
  o.base_offset = 0;
  o.producer_id = 77;
  o.producer_epoch = 3;
  o.base_sequence = 41;
  batch_builder b(o);
  for (int i = 0; i < 50; ++i) {
    const std::string key = "key-" + std::to_string(i % 7);
    const std::string value(200, static_cast<char>('a' + i % 26));
    b.append(1700000000000 + i, as_bytes(key), as_bytes(value));
  }
  b.append(1700000000100, std::nullopt, std::nullopt);  // a null key and value survive too
  return std::move(b.build()).value();
}

constexpr compression all_codecs[] = {compression::none, compression::gzip, compression::snappy,
                                      compression::lz4, compression::zstd};

TEST(BatchRecompressTest, EveryCodecPairKeepsRecordsAndHeaderFields) {
  for (compression from : all_codecs) {
    const std::string original = idempotent_batch(from);
    const auto before = *parse_batch_header(bytes_of(original));
    auto expected = read_records(bytes_of(original));
    ASSERT_TRUE(expected.ok());
    for (compression to : all_codecs) {
      auto re = recompress_batch(bytes_of(original), to, 64u << 20);
      ASSERT_TRUE(re.ok()) << static_cast<int>(from) << " -> " << static_cast<int>(to);
      validation_limits deep;
      deep.deep = true;
      auto v = validate_batch(bytes_of(*re), deep);
      ASSERT_TRUE(v.ok()) << v.err().detail;
      const auto after = v->header;
      EXPECT_EQ(after.codec(), to);
      EXPECT_EQ(after.base_offset, before.base_offset);
      EXPECT_EQ(after.last_offset_delta, before.last_offset_delta);
      EXPECT_EQ(after.base_timestamp, before.base_timestamp);
      EXPECT_EQ(after.max_timestamp, before.max_timestamp);
      EXPECT_EQ(after.producer_id, 77);
      EXPECT_EQ(after.producer_epoch, 3);
      EXPECT_EQ(after.base_sequence, 41);
      EXPECT_EQ(after.records_count, before.records_count);
      auto got = read_records(bytes_of(*re));
      ASSERT_TRUE(got.ok());
      ASSERT_EQ(got->size(), expected->size());
      for (size_t i = 0; i < got->size(); ++i) {
        EXPECT_EQ((*got)[i].offset, (*expected)[i].offset);
        EXPECT_EQ((*got)[i].timestamp, (*expected)[i].timestamp);
        EXPECT_EQ((*got)[i].key, (*expected)[i].key);
        EXPECT_EQ((*got)[i].value, (*expected)[i].value);
      }
    }
  }
}

TEST(BatchRecompressTest, BackToUncompressedIsByteForByteTheBuilderOutput) {
  const std::string plain = idempotent_batch(compression::none);
  auto zstd = recompress_batch(bytes_of(plain), compression::zstd, 64u << 20);
  ASSERT_TRUE(zstd.ok());
  EXPECT_LT(zstd->size(), plain.size());
  auto back = recompress_batch(bytes_of(*zstd), compression::none, 64u << 20);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, plain);
}

TEST(BatchRecompressTest, PayloadOverTheBoundIsMessageTooLarge) {
  const std::string gz = idempotent_batch(compression::gzip);
  auto re = recompress_batch(bytes_of(gz), compression::none, 1000);
  ASSERT_FALSE(re.ok());
  EXPECT_EQ(re.err().reason, batch_error::message_too_large);
}

TEST(BatchRecompressTest, UndecodablePayloadIsCorrupt) {
  std::string gz = idempotent_batch(compression::gzip);
  for (size_t i = batch_layout::header_size + 12; i < gz.size(); ++i) gz[i] = static_cast<char>(0x5a);
  auto re = recompress_batch(bytes_of(gz), compression::lz4, 64u << 20);
  ASSERT_FALSE(re.ok());
  EXPECT_EQ(re.err().reason, batch_error::corrupt_message);
}

}  // namespace
}  // namespace sluice::records
