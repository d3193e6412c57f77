// Tests for reading legacy (magic 0/1) message sets and up-converting them to RecordBatch v2.
// Every input is built here from the format description (zlib CRC-32, zlib/snappy/lz4 directly).
#include "records/legacy_message_set.h"

#include <gtest/gtest.h>
#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>

#include <cstring>

#include "records/batch_validator.h"
#include "records/record_reader.h"
#include "spec_bytes.h"

namespace sluice::records {
namespace {

using namespace sluice::records::testing;

std::string gzip(const std::string& in) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, in.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string raw_snappy(const std::string& in) {
  std::string out;
  snappy::Compress(in.data(), in.size(), &out);
  return out;
}

std::string lz4_frame(const std::string& in) {
  LZ4F_preferences_t p;
  std::memset(&p, 0, sizeof p);
  p.frameInfo.blockSizeID = LZ4F_max64KB;
  p.frameInfo.blockMode = LZ4F_blockIndependent;
  std::string out(LZ4F_compressFrameBound(in.size(), &p), '\0');
  out.resize(LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), &p));
  return out;
}

constexpr int8_t gzip_attr = 1, snappy_attr = 2, lz4_attr = 3;

TEST(LegacyRead, Magic0UncompressedMessagesKeepOffsetsAndHaveNoTimestamp) {
  const std::string set = spec_legacy_message(0, 10, 0, 0, std::nullopt, "v0") +
                          spec_legacy_message(0, 11, 0, 0, "k1", std::nullopt) +
                          spec_legacy_message(0, 12, 0, 0, "", "");
  auto msgs = read_message_set(span_of(set));
  ASSERT_TRUE(msgs.ok()) << msgs.err().detail;
  ASSERT_EQ(msgs->size(), 3u);
  const auto& m = *msgs;
  EXPECT_EQ(m[0].offset, 10);
  EXPECT_EQ(m[0].magic, 0);
  EXPECT_EQ(m[0].timestamp, -1);
  EXPECT_EQ(m[0].key, std::nullopt);
  EXPECT_EQ(m[0].value, "v0");
  EXPECT_EQ(m[1].key, "k1");
  EXPECT_EQ(m[1].value, std::nullopt);
  EXPECT_EQ(m[2].key, "");
  EXPECT_EQ(m[2].value, "");
}

TEST(LegacyRead, Magic1CarriesTimestampsAndTheTimestampType) {
  const std::string set =
      spec_legacy_message(1, 0, 0, 1500, "a", "1") + spec_legacy_message(1, 1, 0x08, 1600, "b", "2");
  auto msgs = read_message_set(span_of(set));
  ASSERT_TRUE(msgs.ok());
  EXPECT_EQ((*msgs)[0].timestamp, 1500);
  EXPECT_FALSE((*msgs)[0].log_append_time);
  EXPECT_EQ((*msgs)[1].timestamp, 1600);
  EXPECT_TRUE((*msgs)[1].log_append_time);
}

TEST(LegacyRead, Magic1GzipWrapperResolvesRelativeInnerOffsets) {
  const std::string inner = spec_legacy_message(1, 0, 0, 100, "a", "1") +
                            spec_legacy_message(1, 1, 0, 101, "b", "2") +
                            spec_legacy_message(1, 2, 0, 102, "c", "3");
  // The wrapper's offset is the absolute offset of the last inner message.
  const std::string set = spec_legacy_message(1, 52, gzip_attr, 102, std::nullopt, gzip(inner));
  auto msgs = read_message_set(span_of(set));
  ASSERT_TRUE(msgs.ok()) << msgs.err().detail;
  ASSERT_EQ(msgs->size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ((*msgs)[i].offset, 50 + i);
    EXPECT_EQ((*msgs)[i].timestamp, 100 + i);
    EXPECT_EQ((*msgs)[i].wrapper_codec, compression::gzip);
  }
  EXPECT_EQ((*msgs)[2].key, "c");
}

TEST(LegacyRead, Magic1LogAppendTimeWrapperStampsInnerMessages) {
  const std::string inner =
      spec_legacy_message(1, 0, 0, 1, "a", "1") + spec_legacy_message(1, 1, 0, 2, "b", "2");
  const std::string set = spec_legacy_message(1, 1, gzip_attr | 0x08, 777, std::nullopt, gzip(inner));
  auto msgs = read_message_set(span_of(set));
  ASSERT_TRUE(msgs.ok());
  for (const auto& m : *msgs) {
    EXPECT_EQ(m.timestamp, 777);
    EXPECT_TRUE(m.log_append_time);
  }
}

TEST(LegacyRead, Magic0SnappyWrapperKeepsAbsoluteInnerOffsets) {
  const std::string inner =
      spec_legacy_message(0, 200, 0, 0, "a", "1") + spec_legacy_message(0, 201, 0, 0, "b", "2");
  const std::string set = spec_legacy_message(0, 201, snappy_attr, 0, std::nullopt, raw_snappy(inner));
  auto msgs = read_message_set(span_of(set));
  ASSERT_TRUE(msgs.ok()) << msgs.err().detail;
  ASSERT_EQ(msgs->size(), 2u);
  EXPECT_EQ((*msgs)[0].offset, 200);
  EXPECT_EQ((*msgs)[1].offset, 201);
  EXPECT_EQ((*msgs)[1].timestamp, -1);
}

TEST(LegacyRead, Magic1Lz4WrapperDecodes) {
  const std::string inner = spec_legacy_message(1, 0, 0, 5, "a", "1");
  const std::string set = spec_legacy_message(1, 0, lz4_attr, 5, std::nullopt, lz4_frame(inner));
  auto msgs = read_message_set(span_of(set));
  ASSERT_TRUE(msgs.ok()) << msgs.err().detail;
  EXPECT_EQ((*msgs)[0].value, "1");
}

TEST(LegacyRead, Magic0Lz4WithKafka08HeaderChecksumIsAccepted) {
  const std::string inner = spec_legacy_message(0, 0, 0, 0, "a", "1");
  std::string frame = lz4_frame(inner);
  ASSERT_EQ(frame.substr(0, 7), std::string("\x04\x22\x4d\x18\x60\x40\x82", 7));
  frame[6] = '\x1a';  // (XXH32 of magic + descriptor) >> 8, the KAFKA-3160 value
  const std::string set = spec_legacy_message(0, 0, lz4_attr, 0, std::nullopt, frame);
  auto msgs = read_message_set(span_of(set));
  ASSERT_TRUE(msgs.ok()) << msgs.err().detail;
  EXPECT_EQ((*msgs)[0].key, "a");
  // The same bug in a magic-1 wrapper is not tolerated (Kafka fixed it with magic 1).
  const std::string inner1 = spec_legacy_message(1, 0, 0, 0, "a", "1");
  std::string frame1 = lz4_frame(inner1);
  frame1[6] = '\x1a';
  auto bad = read_message_set(span_of(spec_legacy_message(1, 0, lz4_attr, 0, std::nullopt, frame1)));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.err().reason, batch_error::corrupt_message);
}

batch_error reason_of(const std::string& set, const legacy_limits& l = {}) {
  auto r = read_message_set(span_of(set), l);
  EXPECT_FALSE(r.ok());
  return r.ok() ? batch_error::invalid_timestamp : r.err().reason;
}

TEST(LegacyRead, CrcMismatchIsCorrupt) {
  std::string m = spec_legacy_message(1, 0, 0, 5, "key", "value");
  m[m.size() - 1] = 'X';
  EXPECT_EQ(reason_of(m), batch_error::corrupt_message);
}

TEST(LegacyRead, TruncatedMessageIsCorrupt) {
  const std::string m = spec_legacy_message(1, 0, 0, 5, "key", "value");
  EXPECT_EQ(reason_of(m + m.substr(0, m.size() - 2)), batch_error::corrupt_message);
  EXPECT_EQ(reason_of(m.substr(0, 8)), batch_error::corrupt_message);
}

TEST(LegacyRead, KeyLengthDisagreeingWithTheSizeIsCorrupt) {
  // magic 0, key length 100 but only 3 bytes; CRC is valid.
  std::string body;
  body.push_back(0);
  body.push_back(0);
  be4(body, 100);
  body += "abc";
  be4(body, -1);
  std::string m;
  be8(m, 0);
  be4(m, static_cast<int32_t>(4 + body.size()));
  be4(m, static_cast<int32_t>(
             crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()))));
  EXPECT_EQ(reason_of(m + body), batch_error::corrupt_message);
}

TEST(LegacyRead, ZstdAndUnknownCodecsAreUnsupported) {
  EXPECT_EQ(reason_of(spec_legacy_message(1, 0, 4, 0, std::nullopt, "x")),
            batch_error::unsupported_compression_type);
  EXPECT_EQ(reason_of(spec_legacy_message(1, 0, 6, 0, std::nullopt, "x")),
            batch_error::unsupported_compression_type);
}

TEST(LegacyRead, NestedCompressionIsInvalid) {
  const std::string innermost = spec_legacy_message(1, 0, 0, 0, "a", "1");
  const std::string inner = spec_legacy_message(1, 0, gzip_attr, 0, std::nullopt, gzip(innermost));
  EXPECT_EQ(reason_of(spec_legacy_message(1, 0, gzip_attr, 0, std::nullopt, gzip(inner))),
            batch_error::invalid_record);
}

TEST(LegacyRead, InnerMagicDifferentFromTheWrapperIsInvalid) {
  const std::string inner = spec_legacy_message(0, 0, 0, 0, "a", "1");
  EXPECT_EQ(reason_of(spec_legacy_message(1, 0, gzip_attr, 0, std::nullopt, gzip(inner))),
            batch_error::invalid_record);
}

TEST(LegacyRead, WrapperWithNullValueOrGarbageIsCorrupt) {
  EXPECT_EQ(reason_of(spec_legacy_message(1, 0, gzip_attr, 0, std::nullopt, std::nullopt)),
            batch_error::corrupt_message);
  EXPECT_EQ(reason_of(spec_legacy_message(1, 0, gzip_attr, 0, std::nullopt, "not gzip")),
            batch_error::corrupt_message);
}

TEST(LegacyRead, MessageOverMaxMessageBytesIsTooLarge) {
  const std::string m = spec_legacy_message(1, 0, 0, 0, "k", std::string(1000, 'v'));
  legacy_limits l;
  l.max_message_bytes = m.size() - 1;
  EXPECT_EQ(reason_of(m, l), batch_error::message_too_large);
}

TEST(LegacyRead, DecompressionBombIsTooLarge) {
  std::string inner;
  for (int i = 0; i < 100; ++i)
    inner += spec_legacy_message(1, i, 0, 0, std::nullopt, std::string(100000, '\0'));
  const std::string set = spec_legacy_message(1, 99, gzip_attr, 0, std::nullopt, gzip(inner));
  ASSERT_LT(set.size(), 100000u);
  legacy_limits l;
  l.max_uncompressed_bytes = 1 << 20;
  EXPECT_EQ(reason_of(set, l), batch_error::message_too_large);
}

TEST(LegacyRead, TheDecompressionBoundIsSharedByAllWrappers) {
  const std::string inner = spec_legacy_message(1, 0, 0, 0, std::nullopt, std::string(600, 'x'));
  const std::string w = spec_legacy_message(1, 0, gzip_attr, 0, std::nullopt, gzip(inner));
  legacy_limits l;
  l.max_uncompressed_bytes = inner.size() * 2;
  EXPECT_TRUE(read_message_set(span_of(w + w), l).ok());
  EXPECT_EQ(reason_of(w + w + w, l), batch_error::message_too_large);
}

TEST(LegacyRead, AMagic2BatchInsideALegacySetIsInvalid) {
  spec_batch_fields f;
  f.records_count = 1;
  const std::string v2 = spec_batch(f, spec_record(0, 0, "k", "v"));
  EXPECT_EQ(reason_of(spec_legacy_message(1, 0, 0, 0, "a", "1") + v2), batch_error::invalid_record);
}

// --- up-conversion --------------------------------------------------------------------------

TEST(UpConvert, Magic0SetBecomesOneValidV2BatchWithNoTimestamps) {
  const std::string set =
      spec_legacy_message(0, 0, 0, 0, "k0", "v0") + spec_legacy_message(0, 0, 0, 0, std::nullopt, "v1");
  auto up = up_convert_message_set(span_of(set));
  ASSERT_TRUE(up.ok()) << up.err().detail;
  EXPECT_EQ(up->source_magic, 0);
  EXPECT_EQ(up->source_codec, compression::none);
  EXPECT_EQ(up->record_count, 2);
  auto v = validate_batch(span_of(up->batch), {});
  ASSERT_TRUE(v.ok()) << v.err().detail;
  EXPECT_EQ(v->header.base_offset, 0);
  EXPECT_EQ(v->header.codec(), compression::none);
  EXPECT_EQ(v->header.producer_id, -1);
  EXPECT_EQ(v->header.max_timestamp, -1);
  EXPECT_FALSE(v->header.has_log_append_time());
  auto records = read_records(span_of(up->batch));
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].offset, 0);
  EXPECT_EQ((*records)[0].timestamp, -1);
  EXPECT_EQ((*records)[0].key, "k0");
  EXPECT_EQ((*records)[1].offset, 1);
  EXPECT_EQ((*records)[1].key, std::nullopt);
  EXPECT_EQ((*records)[1].value, "v1");
  EXPECT_TRUE((*records)[1].headers.empty());
}

TEST(UpConvert, CompressedMagic1KeepsTheSourceCodecByDefault) {
  const std::string inner =
      spec_legacy_message(1, 0, 0, 300, "a", "1") + spec_legacy_message(1, 1, 0, 200, "b", std::nullopt);
  const std::string set = spec_legacy_message(1, 1, snappy_attr, 300, std::nullopt, raw_snappy(inner)) +
                          spec_legacy_message(1, 2, 0, 400, "c", "3");
  auto up = up_convert_message_set(span_of(set));
  ASSERT_TRUE(up.ok()) << up.err().detail;
  EXPECT_EQ(up->source_magic, 1);
  EXPECT_EQ(up->source_codec, compression::snappy);
  validation_limits deep;
  deep.deep = true;
  auto v = validate_batch(span_of(up->batch), deep);
  ASSERT_TRUE(v.ok()) << v.err().detail;
  EXPECT_EQ(v->header.codec(), compression::snappy);
  EXPECT_EQ(v->header.records_count, 3);
  EXPECT_EQ(v->header.base_timestamp, 300);
  EXPECT_EQ(v->header.max_timestamp, 400);
  auto records = read_records(span_of(up->batch));
  ASSERT_TRUE(records.ok());
  EXPECT_EQ((*records)[1].timestamp, 200);
  EXPECT_EQ((*records)[1].value, std::nullopt);
  EXPECT_EQ((*records)[2].key, "c");
  EXPECT_EQ((*records)[2].offset, 2);
}

TEST(UpConvert, TargetCodecOverridesTheSource) {
  const std::string inner = spec_legacy_message(1, 0, 0, 1, "a", "1");
  const std::string set = spec_legacy_message(1, 0, gzip_attr, 1, std::nullopt, gzip(inner));
  up_conversion_options o;
  o.target_codec = compression::none;
  auto up = up_convert_message_set(span_of(set), o);
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(up->source_codec, compression::gzip);
  EXPECT_EQ(parse_batch_header(span_of(up->batch))->codec(), compression::none);
  o.target_codec = compression::zstd;
  auto z = up_convert_message_set(span_of(set), o);
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(parse_batch_header(span_of(z->batch))->codec(), compression::zstd);
  EXPECT_EQ((*read_records(span_of(z->batch)))[0].value, "1");
}

TEST(UpConvert, EmptySetIsInvalidAndErrorsPassThrough) {
  auto empty = up_convert_message_set({});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.err().reason, batch_error::invalid_record);
  std::string bad = spec_legacy_message(0, 0, 0, 0, "k", "v");
  bad.back() = 'w';
  auto crc = up_convert_message_set(span_of(bad));
  ASSERT_FALSE(crc.ok());
  EXPECT_EQ(crc.err().reason, batch_error::corrupt_message);
}

TEST(LegacyRead, EverySingleByteMutationIsHandledWithoutCrashing) {
  const std::string inner =
      spec_legacy_message(1, 0, 0, 1, "a", "1") + spec_legacy_message(1, 1, 0, 2, "b", "2");
  const std::string good = spec_legacy_message(1, 1, gzip_attr, 2, std::nullopt, gzip(inner)) +
                           spec_legacy_message(0, 5, 0, 0, "k", "v");
  for (size_t i = 0; i < good.size(); ++i) {
    std::string b = good;
    b[i] = static_cast<char>(b[i] ^ 0x41);
    (void)read_message_set(span_of(b));
    (void)up_convert_message_set(span_of(b));
  }
}

}  // namespace
}  // namespace sluice::records
