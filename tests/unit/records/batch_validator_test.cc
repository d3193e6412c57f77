// Tests for records/batch_validator: every rejection reason, deep mode, and split_batches.
#include "records/batch_validator.h"

#include <gtest/gtest.h>

#include "records/batch_builder.h"
#include "spec_bytes.h"

namespace sluice::records {
namespace {

using namespace sluice::records::testing;

std::string build(const batch_builder_options& o, int n = 3, size_t value_size = 10) {
  batch_builder b(o);
  for (int i = 0; i < n; ++i) {
    const std::string key = "key-" + std::to_string(i);
    const std::string value(value_size, static_cast<char>('a' + i % 26));
    const header_view h[] = {{as_bytes("trace"), as_bytes("x")}};
    b.append(1000 + i, as_bytes(key), as_bytes(value), h);
  }
  auto r = b.build();
  EXPECT_TRUE(r.ok());
  return *r;
}
std::string build(int n = 3) { return build(batch_builder_options{}, n); }

batch_error reason_of(const std::string& b, const validation_limits& l = {}) {
  auto r = validate_batch(span_of(b), l);
  EXPECT_FALSE(r.ok()) << "unexpectedly valid";
  return r.ok() ? batch_error::corrupt_message : r.err().reason;
}

TEST(ValidateBatch, AcceptsAnUncompressedProducerBatchAndWalksItsRecords) {
  const std::string b = build(5);
  auto r = validate_batch(span_of(b), {});
  ASSERT_TRUE(r.ok()) << r.err().detail;
  EXPECT_TRUE(r->records_walked);
  EXPECT_EQ(r->header.records_count, 5);
  EXPECT_EQ(r->max_record_timestamp, 1004);
}

TEST(ValidateBatch, AcceptsASpecBuiltBatch) {
  spec_batch_fields f;
  f.last_offset_delta = 1;
  f.base_timestamp = 50;
  f.max_timestamp = 60;
  f.records_count = 2;
  const std::string b =
      spec_batch(f, spec_record(0, 0, "a", "1") + spec_record(10, 1, std::nullopt, std::nullopt));
  auto r = validate_batch(span_of(b), {});
  ASSERT_TRUE(r.ok()) << r.err().detail;
  EXPECT_EQ(r->max_record_timestamp, 60);
}

class CompressedValidation : public ::testing::TestWithParam<compression> {};

TEST_P(CompressedValidation, HeaderOnlyByDefaultAndWalkedInDeepMode) {
  batch_builder_options o;
  o.codec = GetParam();
  const std::string b = build(o, 50, 100);
  auto shallow = validate_batch(span_of(b), {});
  ASSERT_TRUE(shallow.ok()) << shallow.err().detail;
  EXPECT_FALSE(shallow->records_walked);
  validation_limits deep;
  deep.deep = true;
  auto walked = validate_batch(span_of(b), deep);
  ASSERT_TRUE(walked.ok()) << walked.err().detail;
  EXPECT_TRUE(walked->records_walked);
  EXPECT_EQ(walked->max_record_timestamp, 1049);
}

TEST_P(CompressedValidation, DeepModeRejectsAPayloadThatDecompressesBeyondTheBound) {
  batch_builder_options o;
  o.codec = GetParam();
  const std::string b = build(o, 20, 100000);  // ~2 MB of repetitive values
  validation_limits deep;
  deep.deep = true;
  deep.max_uncompressed_bytes = 1 << 20;
  EXPECT_EQ(reason_of(b, deep), batch_error::message_too_large);
}

TEST_P(CompressedValidation, DeepModeRejectsAGarbagePayloadAsCorrupt) {
  spec_batch_fields f;
  f.attributes = static_cast<int16_t>(GetParam());
  f.records_count = 1;
  const std::string b = spec_batch(f, "this is not compressed data at all");
  EXPECT_TRUE(validate_batch(span_of(b), {}).ok());  // header-only cannot tell
  validation_limits deep;
  deep.deep = true;
  EXPECT_EQ(reason_of(b, deep), batch_error::corrupt_message);
}

INSTANTIATE_TEST_SUITE_P(Codecs, CompressedValidation,
                         ::testing::Values(compression::gzip, compression::snappy, compression::lz4,
                                           compression::zstd));

TEST(ValidateBatch, NoCompleteBatchIsInvalidRecordLikeKafka) {
  const std::string b = build();
  EXPECT_EQ(reason_of(""), batch_error::invalid_record);
  EXPECT_EQ(reason_of(b.substr(0, 10)), batch_error::invalid_record);
  EXPECT_EQ(reason_of(b.substr(0, 60)), batch_error::invalid_record);
  EXPECT_EQ(reason_of(b.substr(0, b.size() - 1)), batch_error::invalid_record);
}

TEST(ValidateBatch, BatchLengthBelowTheHeaderIsCorrupt) {
  std::string b = build();
  put_be4_at(b, 8, 48);
  EXPECT_EQ(reason_of(b.substr(0, 60)), batch_error::corrupt_message);
  put_be4_at(b, 8, 13);
  EXPECT_EQ(reason_of(b), batch_error::corrupt_message);
  put_be4_at(b, 8, static_cast<uint32_t>(-5));
  EXPECT_EQ(reason_of(b), batch_error::corrupt_message);
}

TEST(ValidateBatch, TwoBatchesAreInvalidForProduceV3) {
  const std::string b = build();
  EXPECT_EQ(reason_of(b + b), batch_error::invalid_record);
}

TEST(ValidateBatch, AFewTrailingBytesAreInvalid) {
  EXPECT_EQ(reason_of(build() + "xyz"), batch_error::invalid_record);
}

TEST(ValidateBatch, MagicOtherThan2IsInvalidRecord) {
  std::string b = build();
  b[16] = 1;
  EXPECT_EQ(reason_of(b), batch_error::invalid_record);
}

TEST(ValidateBatch, BatchOverMaxMessageBytesIsTooLarge) {
  const std::string b = build();
  validation_limits l;
  l.max_message_bytes = b.size() - 1;
  EXPECT_EQ(reason_of(b, l), batch_error::message_too_large);
  l.max_message_bytes = b.size();
  EXPECT_TRUE(validate_batch(span_of(b), l).ok());
}

TEST(ValidateBatch, AnyFlippedBitUnderTheCrcIsCorrupt) {
  const std::string good = build();
  for (size_t i = 21; i < good.size(); i += 3) {
    std::string b = good;
    b[i] = static_cast<char>(b[i] ^ 0x10);
    EXPECT_EQ(reason_of(b), batch_error::corrupt_message) << "byte " << i;
  }
}

TEST(ValidateBatch, PartitionLeaderEpochIsNotCoveredByTheCrc) {
  std::string b = build();
  b[12] = 0x7f;
  EXPECT_TRUE(validate_batch(span_of(b), {}).ok());
}

TEST(ValidateBatch, CodecIds5To7AreUnsupported) {
  for (int codec : {5, 6, 7}) {
    std::string b = build();
    b[22] = static_cast<char>(codec);
    refresh_v2_crc(b);
    EXPECT_EQ(reason_of(b), batch_error::unsupported_compression_type);
  }
}

TEST(ValidateBatch, ZstdIsUnsupportedWhenTheRequestVersionForbidsIt) {
  batch_builder_options o;
  o.codec = compression::zstd;
  const std::string b = build(o);
  validation_limits l;
  l.allow_zstd = false;
  EXPECT_EQ(reason_of(b, l), batch_error::unsupported_compression_type);
}

TEST(ValidateBatch, UnusedAttributeBitsAreRejectedUnlessAllowed) {
  std::string b = build();
  b[21] = 0x01;  // bit 8
  refresh_v2_crc(b);
  EXPECT_EQ(reason_of(b), batch_error::invalid_record);
  validation_limits l;
  l.reject_unknown_attribute_bits = false;
  EXPECT_TRUE(validate_batch(span_of(b), l).ok());
}

TEST(ValidateBatch, ControlBatchesAreRejectedFromClientsButAcceptedFromTheLog) {
  auto marker = build_end_txn_marker({control_type::commit, 5, 1000, 2, 123456});
  ASSERT_TRUE(marker.ok());
  EXPECT_EQ(reason_of(*marker), batch_error::invalid_record);
  validation_limits log;
  log.origin = batch_origin::log;
  EXPECT_TRUE(validate_batch(span_of(*marker), log).ok());
}

TEST(ValidateBatch, RecordsCountMustMatchLastOffsetDeltaForProducers) {
  std::string b = build(3);
  put_be4_at(b, 57, 2);  // records_count 2, last_offset_delta 2
  refresh_v2_crc(b);
  EXPECT_EQ(reason_of(b), batch_error::invalid_record);
  put_be4_at(b, 57, 0);
  put_be4_at(b, 23, static_cast<uint32_t>(-1));
  refresh_v2_crc(b);
  EXPECT_EQ(reason_of(b), batch_error::invalid_record);
}

TEST(ValidateBatch, RecordsCountDisagreeingWithTheRecordsPresentIsInvalid) {
  std::string b = build(3);
  put_be4_at(b, 57, 4);
  put_be4_at(b, 23, 3);
  refresh_v2_crc(b);
  EXPECT_EQ(reason_of(b), batch_error::invalid_record);  // only 3 records present
  std::string c = build(3);
  put_be4_at(c, 57, 2);
  put_be4_at(c, 23, 1);
  refresh_v2_crc(c);
  EXPECT_EQ(reason_of(c), batch_error::invalid_record);  // a 3rd record left over
}

TEST(ValidateBatch, CompactedGapsAreValidFromTheLogButNotFromClients) {
  batch_builder b;
  b.append_with_offset_delta(0, 1, as_bytes("a"), as_bytes("1"));
  b.append_with_offset_delta(4, 2, as_bytes("b"), as_bytes("2"));
  auto batch = b.build();
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(reason_of(*batch), batch_error::invalid_record);
  validation_limits log;
  log.origin = batch_origin::log;
  EXPECT_TRUE(validate_batch(span_of(*batch), log).ok());
}

TEST(ValidateBatch, NonIncreasingOffsetDeltasAreInvalid) {
  spec_batch_fields f;
  f.last_offset_delta = 1;
  f.records_count = 2;
  const std::string b = spec_batch(f, spec_record(0, 1, "a", "1") + spec_record(0, 1, "b", "2"));
  EXPECT_EQ(reason_of(b), batch_error::invalid_record);
  validation_limits log;
  log.origin = batch_origin::log;
  EXPECT_EQ(reason_of(b, log), batch_error::invalid_record);
}

TEST(ValidateBatch, EmptyBatchesAreOnlyValidFromTheLog) {
  spec_batch_fields f;
  f.last_offset_delta = 4;
  f.records_count = 0;
  const std::string b = spec_batch(f, "");
  EXPECT_EQ(reason_of(b), batch_error::invalid_record);
  validation_limits log;
  log.origin = batch_origin::log;
  EXPECT_TRUE(validate_batch(span_of(b), log).ok());
}

TEST(ValidateBatch, ProducerFieldsMustBeConsistent) {
  batch_builder_options idem;
  idem.producer_id = 7;
  idem.producer_epoch = 0;
  idem.base_sequence = -1;
  EXPECT_EQ(reason_of(build(idem)), batch_error::invalid_record);
  idem.base_sequence = 0;
  EXPECT_TRUE(validate_batch(span_of(build(idem)), {}).ok());
  batch_builder_options txn;
  txn.transactional = true;
  EXPECT_EQ(reason_of(build(txn)), batch_error::invalid_record);
}

TEST(ValidateBatch, BrokenRecordFramingIsInvalidRecord) {
  spec_batch_fields f;
  f.records_count = 1;
  // key length runs past the record
  std::string body("\0\0\0", 3);
  zigzag_varint(body, 50);
  body += "ab";
  std::string rec;
  zigzag_varint(rec, static_cast<int64_t>(body.size()));
  EXPECT_EQ(reason_of(spec_batch(f, rec + body)), batch_error::invalid_record);
  // record length runs past the batch
  std::string rec2 = spec_record(0, 0, "k", "v");
  rec2[0] = 0x40;
  EXPECT_EQ(reason_of(spec_batch(f, rec2)), batch_error::invalid_record);
}

TEST(ValidateBatch, CompactedTopicsNeedKeys) {
  batch_builder b;
  b.append(1, std::nullopt, as_bytes("v"));
  auto batch = b.build();
  ASSERT_TRUE(batch.ok());
  validation_limits l;
  l.require_keys = true;
  EXPECT_EQ(reason_of(*batch, l), batch_error::invalid_record);
  EXPECT_TRUE(validate_batch(span_of(*batch), {}).ok());
}

TEST(ValidateBatch, TimestampsOutsideTheWindowAreInvalid) {
  const std::string b = build(3);  // timestamps 1000..1002
  validation_limits l;
  l.min_timestamp = 1001;
  EXPECT_EQ(reason_of(b, l), batch_error::invalid_timestamp);
  l.min_timestamp = 0;
  l.max_timestamp = 1001;
  EXPECT_EQ(reason_of(b, l), batch_error::invalid_timestamp);
  l.max_timestamp = 1002;
  EXPECT_TRUE(validate_batch(span_of(b), l).ok());
  // Header-only check for compressed batches uses maxTimestamp.
  batch_builder_options o;
  o.codec = compression::lz4;
  l.max_timestamp = 1001;
  EXPECT_EQ(reason_of(build(o), l), batch_error::invalid_timestamp);
}

TEST(ValidateBatch, NoTimestampIsAlwaysAllowed) {
  batch_builder b;
  b.append(-1, as_bytes("k"), as_bytes("v"));
  auto batch = b.build();
  ASSERT_TRUE(batch.ok());
  validation_limits l;
  l.min_timestamp = 0;
  l.max_timestamp = 10;
  EXPECT_TRUE(validate_batch(span_of(*batch), l).ok());
}

TEST(ValidateBatch, ErrorsMapToKafkaCodes) {
  EXPECT_EQ(kafka_error_code(batch_error::corrupt_message), 2);
  EXPECT_EQ(kafka_error_code(batch_error::message_too_large), 10);
  EXPECT_EQ(kafka_error_code(batch_error::invalid_timestamp), 32);
  EXPECT_EQ(kafka_error_code(batch_error::unsupported_compression_type), 76);
  EXPECT_EQ(kafka_error_code(batch_error::invalid_record), 87);
}

TEST(ValidateBatch, EverySingleByteMutationIsHandledWithoutCrashing) {
  const std::string good = build(4);
  validation_limits deep;
  deep.deep = true;
  for (size_t i = 0; i < good.size(); ++i) {
    for (uint8_t x : {0x01, 0x80, 0xFF}) {
      std::string b = good;
      b[i] = static_cast<char>(b[i] ^ x);
      if (i >= 21) refresh_v2_crc(b);
      (void)validate_batch(span_of(b), {});
      (void)validate_batch(span_of(b), deep);
    }
  }
}

// --- split_batches --------------------------------------------------------------------------

TEST(SplitBatches, YieldsEachWholeBatchInOrder) {
  const std::string a = build(1), b = build(2), c = build(3);
  std::vector<size_t> sizes;
  const std::string all = a + b + c;
  auto split = split_batches(span_of(all));
  for (auto batch : split) sizes.push_back(batch.size());
  EXPECT_EQ(sizes, (std::vector<size_t>{a.size(), b.size(), c.size()}));
  EXPECT_EQ(split.tail(), split_tail::none);
}

TEST(SplitBatches, ReportsAPartialTrailingBatch) {
  const std::string a = build(1), b = build(2);
  for (size_t cut : {size_t{1}, size_t{11}, size_t{12}, b.size() - 1}) {
    const std::string all = a + b.substr(0, cut);
    batch_splitter s(span_of(all));
    ASSERT_TRUE(s.next());
    EXPECT_FALSE(s.next());
    EXPECT_EQ(s.tail(), split_tail::partial);
    EXPECT_EQ(s.rest().size(), cut);
  }
}

TEST(SplitBatches, ReportsAMalformedLength) {
  std::string a = build(1);
  put_be4_at(a, 8, 20);  // below the v2 minimum of 49
  batch_splitter s(span_of(a));
  EXPECT_FALSE(s.next());
  EXPECT_EQ(s.tail(), split_tail::malformed);
  put_be4_at(a, 8, static_cast<uint32_t>(-1));
  batch_splitter t(span_of(a));
  EXPECT_FALSE(t.next());
  EXPECT_EQ(t.tail(), split_tail::malformed);
}

TEST(SplitBatches, SplitsLegacyMessageSetsToo) {
  const std::string m0 = spec_legacy_message(0, 0, 0, -1, std::nullopt, "a");
  const std::string m1 = spec_legacy_message(1, 1, 0, 5, "k", "bb");
  const std::string all = m0 + m1;
  int n = 0;
  for (auto e : split_batches(span_of(all))) {
    EXPECT_EQ(e.size(), n == 0 ? m0.size() : m1.size());
    ++n;
  }
  EXPECT_EQ(n, 2);
}

}  // namespace
}  // namespace sluice::records
