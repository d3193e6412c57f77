// lz4: the LZ4 frame format via lz4frame.h, bounded streaming decode, plus the repair of the
// broken header checksum written by Kafka < 0.10 for magic-0 messages.
#include <lz4frame.h>

#include <cstring>
#include <memory>

#include "compression/codecs.h"
#include "compression/compression.h"

namespace sluice::compression::detail {
namespace {

struct dctx_deleter {
  void operator()(LZ4F_dctx* d) const { LZ4F_freeDecompressionContext(d); }
};

// XXH32 (the frame format's header checksum), written from the xxHash specification. Only used
// on frame descriptors, so speed does not matter.
uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }
uint32_t read32le(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}
uint32_t xxh32(const uint8_t* p, size_t len, uint32_t seed) {
  constexpr uint32_t p1 = 0x9E3779B1u, p2 = 0x85EBCA77u, p3 = 0xC2B2AE3Du, p4 = 0x27D4EB2Fu, p5 = 0x165667B1u;
  const uint8_t* const end = p + len;
  uint32_t h;
  if (len >= 16) {
    uint32_t v[4] = {seed + p1 + p2, seed + p2, seed, seed - p1};
    while (end - p >= 16) {
      for (auto& acc : v) {
        acc = rotl32(acc + read32le(p) * p2, 13) * p1;
        p += 4;
      }
    }
    h = rotl32(v[0], 1) + rotl32(v[1], 7) + rotl32(v[2], 12) + rotl32(v[3], 18);
  } else {
    h = seed + p5;
  }
  h += static_cast<uint32_t>(len);
  for (; end - p >= 4; p += 4) h = rotl32(h + read32le(p) * p3, 17) * p4;
  for (; p < end; ++p) h = rotl32(h + *p * p5, 11) * p1;
  h ^= h >> 15;
  h *= p2;
  h ^= h >> 13;
  h *= p3;
  h ^= h >> 16;
  return h;
}

constexpr uint32_t lz4_frame_magic = 0x184D2204u;

}  // namespace

result<std::string> lz4_compress(std::span<const uint8_t> input, int level) {
  LZ4F_preferences_t prefs;
  std::memset(&prefs, 0, sizeof prefs);
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  // No content size in the header: librdkafka does not write one and old Kafka readers
  // (KafkaLZ4BlockInputStream) do not expect one.
  prefs.compressionLevel = level == default_level ? 0 : level;
  std::string out;
  out.resize(LZ4F_compressFrameBound(input.size(), &prefs));
  const size_t n = LZ4F_compressFrame(out.data(), out.size(), input.data(), input.size(), &prefs);
  if (LZ4F_isError(n)) return make_error(errc::internal, std::string("lz4: ") + LZ4F_getErrorName(n));
  out.resize(n);
  return out;
}

result<std::string> lz4_decompress(std::span<const uint8_t> input, size_t max_output) {
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION)))
    return make_error(errc::internal, "lz4: cannot create a decompression context");
  std::unique_ptr<LZ4F_dctx, dctx_deleter> dctx(raw);
  bounded_output out(max_output, output_hint(input.size(), max_output));
  const uint8_t* in = input.data();
  size_t in_left = input.size();
  if (in_left == 0) return corrupt("lz4", "empty input");
  for (;;) {
    const auto w = out.window();
    if (w.empty()) return too_large("lz4", max_output);
    size_t dst_n = w.size();
    size_t src_n = in_left;
    const size_t hint = LZ4F_decompress(dctx.get(), w.data(), &dst_n, in, &src_n, nullptr);
    if (LZ4F_isError(hint)) return corrupt("lz4", LZ4F_getErrorName(hint));
    in += src_n;
    in_left -= src_n;
    out.commit(dst_n);
    if (out.exceeded()) return too_large("lz4", max_output);
    if (hint == 0) {
      if (in_left == 0) break;  // frame complete, no more input
      continue;                 // another frame follows; the context resets by itself
    }
    if (in_left == 0 && dst_n < w.size()) return corrupt("lz4", "truncated frame");
  }
  return out.take();
}

}  // namespace sluice::compression::detail

namespace sluice::compression {

result<std::string> decompress_lz4_legacy_kafka(std::span<const uint8_t> input, size_t max_output) {
  // Frame header: magic(4) FLG(1) BD(1) [content size(8)] [dict id(4)] HC(1).
  if (input.size() < 7 || detail::read32le(input.data()) != detail::lz4_frame_magic)
    return detail::lz4_decompress(input, max_output);
  const uint8_t flg = input[4];
  const size_t descriptor = 2 + ((flg & 0x08) ? 8 : 0) + ((flg & 0x01) ? 4 : 0);
  const size_t hc_at = 4 + descriptor;
  if (input.size() <= hc_at) return detail::lz4_decompress(input, max_output);
  const uint8_t correct = static_cast<uint8_t>(detail::xxh32(input.data() + 4, descriptor, 0) >> 8);
  if (input[hc_at] == correct) return detail::lz4_decompress(input, max_output);
  // Kafka < 0.10 hashed the magic number as well; accept only that specific wrong value.
  const uint8_t legacy = static_cast<uint8_t>(detail::xxh32(input.data(), hc_at, 0) >> 8);
  if (input[hc_at] != legacy) return detail::corrupt("lz4", "bad frame header checksum");
  std::string fixed(reinterpret_cast<const char*>(input.data()), input.size());
  fixed[hc_at] = static_cast<char>(correct);
  return detail::lz4_decompress({reinterpret_cast<const uint8_t*>(fixed.data()), fixed.size()}, max_output);
}

}  // namespace sluice::compression
