// frame: the 4-byte big-endian size prefix that delimits every frame on the wire.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sluice::net {

inline constexpr size_t frame_header_bytes = 4;

// Decodes a big-endian int32 size prefix.
inline int32_t decode_frame_size(const uint8_t* p) {
  uint32_t v = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
  return static_cast<int32_t>(v);
}

// A size the reader must refuse before allocating: negative, or above the configured maximum.
inline bool frame_size_acceptable(int32_t size, int32_t max_frame_bytes) {
  return size >= 0 && size <= max_frame_bytes;
}

}  // namespace sluice::net
