// offsets_topic_format: encoders/decoders of the __consumer_offsets records (see the header).
#include "group/offsets_topic_format.h"

#include "protocol/reader.h"
#include "protocol/writer.h"

namespace sluice::group::offsets_topic {
namespace {

// Record values of version 4 are flexible: compact strings/bytes and a tagged-field buffer after
// every struct. Keys are never flexible.
constexpr int16_t first_flexible_value_version = 4;

void skip_tags(protocol::reader& r, bool flexible) {
  if (flexible) r.skip_tagged_fields();
}

std::optional<std::string> read_nullable(protocol::reader& r, bool flexible) {
  std::optional<std::string> s;
  r.read_nullable_string(s, flexible);
  return s;
}

}  // namespace

std::string encode_offset_key(const std::string& group, const topic_partition& tp) {
  protocol::writer w;
  w.write_int16(offset_key_version);
  w.write_string(group, false);
  w.write_string(tp.topic, false);
  w.write_int32(tp.partition);
  return std::move(w).take_string();
}

std::string encode_group_key(const std::string& group) {
  protocol::writer w;
  w.write_int16(group_key_version);
  w.write_string(group, false);
  return std::move(w).take_string();
}

std::string encode_offset_value(const committed_offset& value) {
  protocol::writer w;
  w.write_int16(offset_value_version);
  w.write_int64(value.offset);
  w.write_int32(value.leader_epoch);
  // The value's metadata is not nullable: Kafka stores a null commit metadata as "".
  w.write_string(value.metadata.value_or(""), false);
  w.write_int64(value.commit_timestamp_ms);
  return std::move(w).take_string();
}

std::string encode_group_value(const group_snapshot& g) {
  protocol::writer w;
  w.write_int16(group_value_version);
  w.write_string(g.protocol_type, false);
  w.write_int32(g.generation);
  w.write_nullable_string(g.protocol_name, false);
  w.write_nullable_string(g.leader, false);
  w.write_int64(g.current_state_timestamp_ms);
  w.write_array_length(static_cast<int32_t>(g.members.size()), false);
  for (const auto& m : g.members) {
    w.write_string(m.member_id, false);
    w.write_nullable_string(m.group_instance_id, false);
    w.write_string(m.client_id, false);
    w.write_string(m.client_host, false);
    w.write_int32(m.rebalance_timeout_ms);
    w.write_int32(m.session_timeout_ms);
    w.write_bytes(m.subscription, false);
    w.write_bytes(m.assignment, false);
  }
  return std::move(w).take_string();
}

std::optional<record_key> decode_key(std::span<const uint8_t> key) {
  protocol::reader r(key);
  const int16_t version = r.read_int16();
  if (!r.ok()) return std::nullopt;
  if (version == 0 || version == 1) {
    offset_key k;
    r.read_string(k.group, false);
    r.read_string(k.tp.topic, false);
    k.tp.partition = r.read_int32();
    if (!r.ok()) return std::nullopt;
    return record_key{std::move(k)};
  }
  if (version == 2) {
    group_key k;
    r.read_string(k.group, false);
    if (!r.ok()) return std::nullopt;
    return record_key{std::move(k)};
  }
  if (version > 2) return record_key{std::monostate{}};
  return std::nullopt;
}

std::optional<committed_offset> decode_offset_value(std::span<const uint8_t> value) {
  protocol::reader r(value);
  const int16_t version = r.read_int16();
  if (!r.ok() || version < 0 || version > 4) return std::nullopt;
  const bool flexible = version >= first_flexible_value_version;
  committed_offset v;
  v.offset = r.read_int64();
  if (version >= 3) v.leader_epoch = r.read_int32();
  std::string metadata;
  r.read_string(metadata, flexible);
  v.metadata = std::move(metadata);
  v.commit_timestamp_ms = r.read_int64();
  if (version == 1) (void)r.read_int64();  // expireTimestamp (KIP-211 dropped its use)
  skip_tags(r, flexible);
  if (!r.ok()) return std::nullopt;
  return v;
}

std::optional<group_snapshot> decode_group_value(std::span<const uint8_t> value) {
  protocol::reader r(value);
  const int16_t version = r.read_int16();
  if (!r.ok() || version < 0 || version > 4) return std::nullopt;
  const bool flexible = version >= first_flexible_value_version;
  group_snapshot g;
  r.read_string(g.protocol_type, flexible);
  g.generation = r.read_int32();
  g.protocol_name = read_nullable(r, flexible);
  g.leader = read_nullable(r, flexible);
  if (version >= 2) g.current_state_timestamp_ms = r.read_int64();
  // Smallest member: memberId, clientId, clientHost (2 bytes each), sessionTimeout (4) and two
  // byte arrays (4 each) when not flexible.
  const int32_t count = r.read_array_length(flexible, flexible ? 9 : 18);
  for (int32_t i = 0; r.ok() && i < count; ++i) {
    member_snapshot m;
    r.read_string(m.member_id, flexible);
    if (version >= 3) m.group_instance_id = read_nullable(r, flexible);
    r.read_string(m.client_id, flexible);
    r.read_string(m.client_host, flexible);
    if (version >= 1) m.rebalance_timeout_ms = r.read_int32();
    m.session_timeout_ms = r.read_int32();
    if (version < 1) m.rebalance_timeout_ms = m.session_timeout_ms;
    r.read_bytes(m.subscription, flexible);
    r.read_bytes(m.assignment, flexible);
    skip_tags(r, flexible);
    g.members.push_back(std::move(m));
  }
  skip_tags(r, flexible);
  if (!r.ok()) return std::nullopt;
  return g;
}

int32_t java_string_hash(std::string_view s) {
  uint32_t h = 0;
  auto mix = [&h](uint32_t unit) { h = 31 * h + unit; };
  size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<uint8_t>(s[i]);
    auto cont = [&](size_t k) -> int {
      if (i + k >= s.size()) return -1;
      const auto b = static_cast<uint8_t>(s[i + k]);
      return (b & 0xC0) == 0x80 ? (b & 0x3F) : -1;
    };
    uint32_t cp = 0;
    size_t len = 1;
    if (b0 < 0x80) {
      cp = b0;
    } else if ((b0 & 0xE0) == 0xC0 && cont(1) >= 0) {
      cp = ((b0 & 0x1Fu) << 6) | static_cast<uint32_t>(cont(1));
      len = 2;
    } else if ((b0 & 0xF0) == 0xE0 && cont(1) >= 0 && cont(2) >= 0) {
      cp = ((b0 & 0x0Fu) << 12) | (static_cast<uint32_t>(cont(1)) << 6) | static_cast<uint32_t>(cont(2));
      len = 3;
    } else if ((b0 & 0xF8) == 0xF0 && cont(1) >= 0 && cont(2) >= 0 && cont(3) >= 0) {
      cp = ((b0 & 0x07u) << 18) | (static_cast<uint32_t>(cont(1)) << 12) |
           (static_cast<uint32_t>(cont(2)) << 6) | static_cast<uint32_t>(cont(3));
      len = 4;
    } else {
      cp = 0xFFFD;  // Java's decoder replaces a malformed byte with U+FFFD
    }
    if (cp >= 0x10000) {  // a surrogate pair in UTF-16
      cp -= 0x10000;
      mix(0xD800 + (cp >> 10));
      mix(0xDC00 + (cp & 0x3FF));
    } else {
      mix(cp);
    }
    i += len;
  }
  return static_cast<int32_t>(h);
}

int32_t partition_for(std::string_view group_id, int32_t partitions) {
  const int32_t h = java_string_hash(group_id);
  const int32_t abs = h == INT32_MIN ? 0 : (h < 0 ? -h : h);
  return partitions > 0 ? abs % partitions : 0;
}

}  // namespace sluice::group::offsets_topic
