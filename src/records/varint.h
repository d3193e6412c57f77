// varint: the zigzag LEB128 VARINT / VARLONG of the record format (not the unsigned varints of
// flexible request encoding), read with Kafka's exact acceptance rules.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace sluice::records {

inline constexpr size_t max_varint_bytes = 5;
inline constexpr size_t max_varlong_bytes = 10;

// Decodes a zigzag varint from the front of `in`. Returns the bytes consumed, or 0 if `in` ends
// first or the encoding is longer than 5 bytes. Like Kafka's ByteUtils.readVarint, surplus high
// bits of the fifth byte are ignored.
inline size_t read_varint(std::span<const uint8_t> in, int32_t& out) {
  uint32_t raw = 0;
  const size_t n = in.size() < max_varint_bytes ? in.size() : max_varint_bytes;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t b = in[i];
    raw |= static_cast<uint32_t>(b & 0x7F) << (7 * i);
    if ((b & 0x80) == 0) {
      out = static_cast<int32_t>((raw >> 1) ^ (~(raw & 1) + 1));
      return i + 1;
    }
  }
  return 0;
}

// Same for a 64-bit varlong (at most 10 bytes).
inline size_t read_varlong(std::span<const uint8_t> in, int64_t& out) {
  uint64_t raw = 0;
  const size_t n = in.size() < max_varlong_bytes ? in.size() : max_varlong_bytes;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t b = in[i];
    raw |= static_cast<uint64_t>(b & 0x7F) << (7 * i);
    if ((b & 0x80) == 0) {
      out = static_cast<int64_t>((raw >> 1) ^ (~(raw & 1) + 1));
      return i + 1;
    }
  }
  return 0;
}

// Encodes into `out` (room for 5 / 10 bytes); returns the bytes written.
inline size_t write_varint(uint8_t* out, int32_t v) {
  uint32_t z = (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
  size_t n = 0;
  while (z >= 0x80) {
    out[n++] = static_cast<uint8_t>(z | 0x80);
    z >>= 7;
  }
  out[n++] = static_cast<uint8_t>(z);
  return n;
}
inline size_t write_varlong(uint8_t* out, int64_t v) {
  uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  size_t n = 0;
  while (z >= 0x80) {
    out[n++] = static_cast<uint8_t>(z | 0x80);
    z >>= 7;
  }
  out[n++] = static_cast<uint8_t>(z);
  return n;
}

inline size_t varint_size(int32_t v) {
  uint8_t tmp[max_varint_bytes];
  return write_varint(tmp, v);
}
inline size_t varlong_size(int64_t v) {
  uint8_t tmp[max_varlong_bytes];
  return write_varlong(tmp, v);
}

inline void append_varint(std::string& s, int32_t v) {
  uint8_t tmp[max_varint_bytes];
  s.append(reinterpret_cast<const char*>(tmp), write_varint(tmp, v));
}
inline void append_varlong(std::string& s, int64_t v) {
  uint8_t tmp[max_varlong_bytes];
  s.append(reinterpret_cast<const char*>(tmp), write_varlong(tmp, v));
}

}  // namespace sluice::records
