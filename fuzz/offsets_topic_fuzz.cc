// libFuzzer entry for the __consumer_offsets record formats (issue 3): the broker reads these
// records back from disk at start-up, so decode_key, decode_offset_value and decode_group_value
// see whatever a corrupt or hostile segment holds. Each decoder gets the same bytes; whatever one
// accepts must re-encode (at the version Sluice writes) to bytes that decode to an equal value and
// re-encode identically, and an input already at the written version must be reproduced exactly.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "group/offsets_topic_format.h"

namespace {

using namespace sluice::group;
namespace ot = sluice::group::offsets_topic;

void check(bool ok) {
  if (!ok) std::abort();
}

std::span<const uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

int16_t version_of(std::span<const uint8_t> bytes) {
  return static_cast<int16_t>((bytes[0] << 8) | bytes[1]);
}

// `encoded` is a prefix of `input`: the decoders ignore trailing bytes, and every field of the
// written versions has exactly one encoding.
bool is_prefix(const std::string& encoded, std::span<const uint8_t> input) {
  return encoded.size() <= input.size() && std::memcmp(encoded.data(), input.data(), encoded.size()) == 0;
}

// group_snapshot and member_snapshot have no operator== (the coordinator never compares them).
bool same(const member_snapshot& a, const member_snapshot& b) {
  return a.member_id == b.member_id && a.group_instance_id == b.group_instance_id &&
         a.client_id == b.client_id && a.client_host == b.client_host &&
         a.rebalance_timeout_ms == b.rebalance_timeout_ms && a.session_timeout_ms == b.session_timeout_ms &&
         a.subscription == b.subscription && a.assignment == b.assignment;
}

bool same(const group_snapshot& a, const group_snapshot& b) {
  if (a.protocol_type != b.protocol_type || a.generation != b.generation ||
      a.protocol_name != b.protocol_name || a.leader != b.leader ||
      a.current_state_timestamp_ms != b.current_state_timestamp_ms || a.members.size() != b.members.size())
    return false;
  for (size_t i = 0; i < a.members.size(); ++i)
    if (!same(a.members[i], b.members[i])) return false;
  return true;
}

bool same(const committed_offset& a, const committed_offset& b) {
  return a.offset == b.offset && a.leader_epoch == b.leader_epoch && a.metadata == b.metadata &&
         a.commit_timestamp_ms == b.commit_timestamp_ms;
}

void fuzz_key(std::span<const uint8_t> bytes) {
  const auto key = ot::decode_key(bytes);
  if (!key) return;
  if (const auto* k = std::get_if<ot::offset_key>(&*key)) {
    const std::string enc = ot::encode_offset_key(k->group, k->tp);
    if (version_of(bytes) == ot::offset_key_version) check(is_prefix(enc, bytes));
    const auto again = ot::decode_key(as_bytes(enc));
    check(again.has_value());
    const auto* k2 = std::get_if<ot::offset_key>(&*again);
    check(k2 != nullptr && k2->group == k->group && k2->tp == k->tp);
    check(ot::encode_offset_key(k2->group, k2->tp) == enc);
    // The group -> partition mapping is total and in range for any group id the log holds.
    const int32_t p = ot::partition_for(k->group, 50);
    check(p >= 0 && p < 50);
    check(ot::java_string_hash(k->group) == ot::java_string_hash(k2->group));
  } else if (const auto* g = std::get_if<ot::group_key>(&*key)) {
    const std::string enc = ot::encode_group_key(g->group);
    if (version_of(bytes) == ot::group_key_version) check(is_prefix(enc, bytes));
    const auto again = ot::decode_key(as_bytes(enc));
    check(again.has_value());
    const auto* g2 = std::get_if<ot::group_key>(&*again);
    check(g2 != nullptr && g2->group == g->group);
    check(ot::encode_group_key(g2->group) == enc);
    const int32_t p = ot::partition_for(g->group, 1);
    check(p == 0);
  } else {
    // Unknown (newer) record types are skipped by the loader: only versions above 2 get here.
    check(version_of(bytes) > 2);
  }
}

void fuzz_offset_value(std::span<const uint8_t> bytes) {
  const auto v = ot::decode_offset_value(bytes);
  if (!v) return;
  check(v->metadata.has_value());  // the format's metadata is not nullable
  const std::string enc = ot::encode_offset_value(*v);
  if (version_of(bytes) == ot::offset_value_version) check(is_prefix(enc, bytes));
  const auto again = ot::decode_offset_value(as_bytes(enc));
  check(again.has_value() && same(*again, *v));
  check(ot::encode_offset_value(*again) == enc);
}

void fuzz_group_value(std::span<const uint8_t> bytes) {
  const auto g = ot::decode_group_value(bytes);
  if (!g) return;
  const std::string enc = ot::encode_group_value(*g);
  // A null members array decodes as empty and is written as [] (4 bytes either way, but not the
  // same bytes), so exact reproduction is only expected when some member or a [] was read.
  if (version_of(bytes) == ot::group_value_version && !g->members.empty()) check(is_prefix(enc, bytes));
  const auto again = ot::decode_group_value(as_bytes(enc));
  check(again.has_value() && same(*again, *g));
  check(ot::encode_group_value(*again) == enc);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  if (size < 2) {
    // Too short for the version: every decoder must refuse.
    check(!ot::decode_key(bytes) && !ot::decode_offset_value(bytes) && !ot::decode_group_value(bytes));
    return 0;
  }
  fuzz_key(bytes);
  fuzz_offset_value(bytes);
  fuzz_group_value(bytes);
  return 0;
}
