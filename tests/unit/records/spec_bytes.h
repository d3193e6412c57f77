// spec_bytes: test-only encoders written straight from the Kafka format description (big-endian
// writers, a bitwise CRC-32C, zigzag varints, legacy messages with zlib's CRC-32), so tests can
// state expected bytes without trusting the code under test.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace sluice::records::testing {

inline std::span<const uint8_t> span_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::span<uint8_t> mutable_span_of(std::string& s) {
  return {reinterpret_cast<uint8_t*>(s.data()), s.size()};
}

inline void be(std::string& s, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) s.push_back(static_cast<char>(v >> (8 * i)));
}
inline void be8(std::string& s, int64_t v) { be(s, static_cast<uint64_t>(v), 8); }
inline void be4(std::string& s, int32_t v) { be(s, static_cast<uint32_t>(v), 4); }
inline void be2(std::string& s, int16_t v) { be(s, static_cast<uint16_t>(v), 2); }
inline void put_be4_at(std::string& s, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>(v >> (8 * (3 - i)));
}
inline uint32_t get_be4_at(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(s[at + i]);
  return v;
}

// Bitwise CRC-32C (reflected polynomial 0x82F63B78).
inline uint32_t ref_crc32c(const uint8_t* p, size_t n) {
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) {
    crc ^= p[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1)));
  }
  return crc ^ 0xFFFFFFFFu;
}

// Recomputes a v2 batch's CRC (bytes 21..end) into bytes 17..20 after a test edits a field.
inline void refresh_v2_crc(std::string& batch) {
  put_be4_at(batch, 17, ref_crc32c(reinterpret_cast<const uint8_t*>(batch.data()) + 21, batch.size() - 21));
}

inline void zigzag_varint(std::string& s, int64_t v) {
  uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  while (z >= 0x80) {
    s.push_back(static_cast<char>(z | 0x80));
    z >>= 7;
  }
  s.push_back(static_cast<char>(z));
}

// One v2 record: attributes 0, no headers unless `headers_section` (count + headers) is given.
inline std::string spec_record(int64_t timestamp_delta, int32_t offset_delta, std::optional<std::string> key,
                               std::optional<std::string> value,
                               const std::string& headers_section = std::string(1, '\0')) {
  std::string body;
  body.push_back('\0');
  zigzag_varint(body, timestamp_delta);
  zigzag_varint(body, offset_delta);
  for (const auto* f : {&key, &value}) {
    if (!*f) {
      zigzag_varint(body, -1);
    } else {
      zigzag_varint(body, static_cast<int64_t>((*f)->size()));
      body += **f;
    }
  }
  body += headers_section;
  std::string out;
  zigzag_varint(out, static_cast<int64_t>(body.size()));
  return out + body;
}

struct spec_batch_fields {
  int64_t base_offset = 0;
  int32_t partition_leader_epoch = -1;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = -1;
  int64_t max_timestamp = -1;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t records_count = 0;
};

// A whole v2 batch around an already-encoded (maybe compressed) records section.
inline std::string spec_batch(const spec_batch_fields& f, const std::string& records) {
  std::string b;
  be8(b, f.base_offset);
  be4(b, static_cast<int32_t>(49 + records.size()));
  be4(b, f.partition_leader_epoch);
  b.push_back(2);
  be4(b, 0);  // CRC placeholder
  be2(b, f.attributes);
  be4(b, f.last_offset_delta);
  be8(b, f.base_timestamp);
  be8(b, f.max_timestamp);
  be8(b, f.producer_id);
  be2(b, f.producer_epoch);
  be4(b, f.base_sequence);
  be4(b, f.records_count);
  b += records;
  refresh_v2_crc(b);
  return b;
}

// One legacy message (offset, size, crc, magic, attributes, [timestamp], key, value), CRC-32 by
// zlib over magic..end.
inline std::string spec_legacy_message(int8_t magic, int64_t offset, int8_t attributes, int64_t timestamp,
                                       std::optional<std::string> key, std::optional<std::string> value) {
  std::string m;
  m.push_back(static_cast<char>(magic));
  m.push_back(static_cast<char>(attributes));
  if (magic == 1) be8(m, timestamp);
  for (const auto* f : {&key, &value}) {
    if (!*f) {
      be4(m, -1);
    } else {
      be4(m, static_cast<int32_t>((*f)->size()));
      m += **f;
    }
  }
  std::string out;
  be8(out, offset);
  be4(out, static_cast<int32_t>(4 + m.size()));
  be4(out,
      static_cast<int32_t>(crc32(0, reinterpret_cast<const Bytef*>(m.data()), static_cast<uInt>(m.size()))));
  return out + m;
}

}  // namespace sluice::records::testing
