// Tests of the __consumer_offsets record layout (byte-exact against Kafka's schemas) and of the
// group -> partition hash.
#include "group/offsets_topic_format.h"

#include <gtest/gtest.h>

#include "protocol/writer.h"

namespace sluice::group::offsets_topic {
namespace {

std::span<const uint8_t> span_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string hex(const std::string& s) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

TEST(offsets_topic_format, offset_key_is_version_1_with_group_topic_partition) {
  EXPECT_EQ(hex(encode_offset_key("g", {"t", 1})),
            "0001"
            "0001"
            "67"
            "0001"
            "74"
            "00000001");
  auto k = decode_key(span_of(encode_offset_key("group-a", {"orders", 7})));
  ASSERT_TRUE(k);
  auto* ok = std::get_if<offset_key>(&*k);
  ASSERT_NE(ok, nullptr);
  EXPECT_EQ(ok->group, "group-a");
  EXPECT_EQ(ok->tp.topic, "orders");
  EXPECT_EQ(ok->tp.partition, 7);
}

TEST(offsets_topic_format, key_version_0_is_an_offset_key_too) {
  std::string v0 = encode_offset_key("g", {"t", 2});
  v0[1] = 0;
  auto k = decode_key(span_of(v0));
  ASSERT_TRUE(k);
  EXPECT_TRUE(std::holds_alternative<offset_key>(*k));
}

TEST(offsets_topic_format, group_key_is_version_2) {
  EXPECT_EQ(hex(encode_group_key("ab")),
            "0002"
            "0002"
            "6162");
  auto k = decode_key(span_of(encode_group_key("ab")));
  ASSERT_TRUE(k);
  ASSERT_TRUE(std::holds_alternative<group_key>(*k));
  EXPECT_EQ(std::get<group_key>(*k).group, "ab");
}

TEST(offsets_topic_format, newer_key_versions_are_skipped_not_errors) {
  protocol::writer w;
  w.write_int16(3);  // KIP-848 ConsumerGroupMetadataKey
  w.write_string("g", false);
  auto k = decode_key(span_of(std::move(w).take_string()));
  ASSERT_TRUE(k);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(*k));
  EXPECT_FALSE(decode_key(span_of(std::string("\x00", 1))));
  EXPECT_FALSE(decode_key(span_of(std::string("\x00\x01\x00\x05g", 5))));  // truncated string
}

TEST(offsets_topic_format, offset_value_is_version_3) {
  committed_offset v;
  v.offset = 42;
  v.leader_epoch = 5;
  v.metadata = "m";
  v.commit_timestamp_ms = 1000;
  EXPECT_EQ(hex(encode_offset_value(v)),
            "0003"
            "000000000000002a"
            "00000005"
            "0001"
            "6d"
            "00000000000003e8");
  auto d = decode_offset_value(span_of(encode_offset_value(v)));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->offset, 42);
  EXPECT_EQ(d->leader_epoch, 5);
  EXPECT_EQ(d->metadata, "m");
  EXPECT_EQ(d->commit_timestamp_ms, 1000);
}

TEST(offsets_topic_format, null_metadata_is_stored_as_empty_string) {
  committed_offset v;
  v.offset = 1;
  auto d = decode_offset_value(span_of(encode_offset_value(v)));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->metadata, "");
}

TEST(offsets_topic_format, offset_values_of_every_kafka_version_decode) {
  // v1: offset, metadata, commit timestamp, expire timestamp.
  protocol::writer v1;
  v1.write_int16(1);
  v1.write_int64(9);
  v1.write_string("x", false);
  v1.write_int64(100);
  v1.write_int64(200);
  auto d1 = decode_offset_value(span_of(std::move(v1).take_string()));
  ASSERT_TRUE(d1);
  EXPECT_EQ(d1->offset, 9);
  EXPECT_EQ(d1->leader_epoch, -1);
  EXPECT_EQ(d1->commit_timestamp_ms, 100);
  // v4: flexible (compact string, tagged fields).
  protocol::writer v4;
  v4.write_int16(4);
  v4.write_int64(11);
  v4.write_int32(3);
  v4.write_string("yz", true);
  v4.write_int64(300);
  v4.write_uvarint(0);
  auto d4 = decode_offset_value(span_of(std::move(v4).take_string()));
  ASSERT_TRUE(d4);
  EXPECT_EQ(d4->offset, 11);
  EXPECT_EQ(d4->leader_epoch, 3);
  EXPECT_EQ(d4->metadata, "yz");
  EXPECT_EQ(d4->commit_timestamp_ms, 300);
  // v5 is unknown; truncated values are refused.
  std::string v5 = encode_offset_value({});
  v5[1] = 5;
  EXPECT_FALSE(decode_offset_value(span_of(v5)));
  std::string cut = encode_offset_value({});
  cut.pop_back();
  EXPECT_FALSE(decode_offset_value(span_of(cut)));
}

group_snapshot sample_group() {
  group_snapshot g;
  g.protocol_type = "consumer";
  g.generation = 3;
  g.protocol_name = "range";
  g.leader = "m1";
  g.current_state_timestamp_ms = 1234;
  member_snapshot m;
  m.member_id = "m1";
  m.group_instance_id = "i1";
  m.client_id = "c";
  m.client_host = "/127.0.0.1";
  m.rebalance_timeout_ms = 300000;
  m.session_timeout_ms = 10000;
  m.subscription = {1, 2};
  m.assignment = {3};
  g.members.push_back(m);
  m.member_id = "m2";
  m.group_instance_id.reset();
  g.members.push_back(m);
  return g;
}

TEST(offsets_topic_format, group_value_round_trips_at_version_3) {
  const std::string bytes = encode_group_value(sample_group());
  EXPECT_EQ(hex(bytes.substr(0, 2)), "0003");
  auto g = decode_group_value(span_of(bytes));
  ASSERT_TRUE(g);
  EXPECT_EQ(g->protocol_type, "consumer");
  EXPECT_EQ(g->generation, 3);
  EXPECT_EQ(g->protocol_name, "range");
  EXPECT_EQ(g->leader, "m1");
  EXPECT_EQ(g->current_state_timestamp_ms, 1234);
  ASSERT_EQ(g->members.size(), 2u);
  EXPECT_EQ(g->members[0].group_instance_id, "i1");
  EXPECT_FALSE(g->members[1].group_instance_id);
  EXPECT_EQ(g->members[1].rebalance_timeout_ms, 300000);
  EXPECT_EQ(g->members[1].subscription, (std::vector<uint8_t>{1, 2}));
  EXPECT_EQ(g->members[1].assignment, (std::vector<uint8_t>{3}));
}

TEST(offsets_topic_format, empty_group_value_has_null_protocol_and_leader) {
  group_snapshot g;
  g.protocol_type = "consumer";
  g.generation = 4;
  const std::string bytes = encode_group_value(g);
  // version, "consumer", generation 4, null protocol, null leader, timestamp -1, 0 members.
  EXPECT_EQ(hex(bytes),
            "0003"
            "0008"
            "636f6e73756d6572"
            "00000004"
            "ffff"
            "ffff"
            "ffffffffffffffff"
            "00000000");
  auto d = decode_group_value(span_of(bytes));
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->protocol_name);
  EXPECT_FALSE(d->leader);
}

TEST(offsets_topic_format, group_value_version_0_uses_session_timeout_for_rebalance) {
  protocol::writer w;
  w.write_int16(0);
  w.write_string("consumer", false);
  w.write_int32(1);
  w.write_nullable_string(std::string("range"), false);
  w.write_nullable_string(std::string("m"), false);
  w.write_array_length(1, false);
  w.write_string("m", false);
  w.write_string("c", false);
  w.write_string("h", false);
  w.write_int32(7000);
  w.write_bytes({}, false);
  w.write_bytes({}, false);
  auto g = decode_group_value(span_of(std::move(w).take_string()));
  ASSERT_TRUE(g);
  ASSERT_EQ(g->members.size(), 1u);
  EXPECT_EQ(g->members[0].rebalance_timeout_ms, 7000);
  EXPECT_EQ(g->current_state_timestamp_ms, -1);
}

TEST(offsets_topic_format, hostile_group_values_are_refused_without_huge_allocations) {
  protocol::writer w;
  w.write_int16(3);
  w.write_string("consumer", false);
  w.write_int32(1);
  w.write_nullable_string(std::nullopt, false);
  w.write_nullable_string(std::nullopt, false);
  w.write_int64(-1);
  w.write_int32(0x7fffffff);  // member count far beyond the bytes present
  EXPECT_FALSE(decode_group_value(span_of(std::move(w).take_string())));
  std::string cut = encode_group_value(sample_group());
  for (size_t n = 0; n < cut.size(); n += 7) EXPECT_FALSE(decode_group_value(span_of(cut.substr(0, n))));
}

TEST(offsets_topic_format, java_string_hash_matches_java) {
  EXPECT_EQ(java_string_hash(""), 0);
  EXPECT_EQ(java_string_hash("abc"), 96354);
  EXPECT_EQ(java_string_hash("hello"), 99162322);
  EXPECT_EQ(java_string_hash("Aa"), java_string_hash("BB"));
  EXPECT_EQ(java_string_hash("\xc3\xa9"), 233);                           // U+00E9: one UTF-16 unit
  EXPECT_EQ(java_string_hash("\xf0\x9f\x98\x80"), 0xD83D * 31 + 0xDE00);  // U+1F600: a surrogate pair
  // Overflow wraps as Java's int does: "polygenelubricants".hashCode() == Integer.MIN_VALUE.
  EXPECT_EQ(java_string_hash("polygenelubricants"), INT32_MIN);
}

TEST(offsets_topic_format, partition_for_is_abs_hash_mod_partitions) {
  EXPECT_EQ(partition_for("abc", 50), 96354 % 50);
  EXPECT_EQ(partition_for("polygenelubricants", 50), 0);  // Utils.abs(MIN_VALUE) == 0
  for (const char* g : {"my-group", "console-consumer-12345", "x", ""}) {
    const int32_t p = partition_for(g, 50);
    EXPECT_GE(p, 0);
    EXPECT_LT(p, 50);
  }
  // A negative hash: "Cat-1"? Compute via the definition instead of a literal.
  const int32_t h = java_string_hash("group-with-negative-hash-zzzzzzzz");
  const int32_t expected = (h == INT32_MIN ? 0 : (h < 0 ? -h : h)) % 7;
  EXPECT_EQ(partition_for("group-with-negative-hash-zzzzzzzz", 7), expected);
}

}  // namespace
}  // namespace sluice::group::offsets_topic
