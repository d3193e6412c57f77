// snappy: raw snappy (librdkafka) and xerial/snappy-java framing (Java client), bounded.
#include <snappy.h>

#include <cstring>

#include "compression/codecs.h"

namespace sluice::compression::detail {
namespace {

// xerial framing: 8-byte magic, int32 version, int32 min-compatible version, then blocks of
// int32 big-endian compressed length + raw snappy data.
constexpr uint8_t xerial_magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr size_t xerial_header_size = 16;
// snappy-java's default block size; Kafka's producer uses it.
constexpr size_t xerial_block_size = 32 * 1024;

uint32_t load_u32be(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
void append_u32be(std::string& s, uint32_t v) {
  const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                     static_cast<char>(v)};
  s.append(b, 4);
}

bool is_xerial(std::span<const uint8_t> in) {
  return in.size() >= xerial_header_size && std::memcmp(in.data(), xerial_magic, sizeof xerial_magic) == 0;
}

// Decodes one raw snappy block and appends it to `out`, keeping out.size() <= max_output.
result<void> append_raw_block(std::span<const uint8_t> block, size_t max_output, std::string& out) {
  const char* src = reinterpret_cast<const char*>(block.data());
  size_t n = 0;
  if (!snappy::GetUncompressedLength(src, block.size(), &n))
    return corrupt("snappy", "bad block length header");
  if (n > max_output || out.size() > max_output - n) return too_large("snappy", max_output);
  // No snappy element expands more than 64 output bytes per 3 input bytes, so a block claiming
  // more than 32x its size is corrupt; reject it before allocating the claimed size.
  if (n / 32 > block.size() + 2) return corrupt("snappy", "claimed length exceeds what the block can hold");
  const size_t at = out.size();
  out.resize(at + n);
  if (!snappy::RawUncompress(src, block.size(), out.data() + at)) return corrupt("snappy", "invalid block");
  return {};
}

}  // namespace

result<std::string> snappy_compress(std::span<const uint8_t> input) {
  std::string out;
  out.reserve(xerial_header_size + snappy::MaxCompressedLength(input.size()) +
              4 * (input.size() / xerial_block_size + 1));
  out.append(reinterpret_cast<const char*>(xerial_magic), sizeof xerial_magic);
  append_u32be(out, 1);  // version
  append_u32be(out, 1);  // minimum compatible version
  std::string block;
  for (size_t pos = 0; pos < input.size(); pos += xerial_block_size) {
    const size_t n = std::min(xerial_block_size, input.size() - pos);
    block.resize(snappy::MaxCompressedLength(n));
    size_t written = 0;
    snappy::RawCompress(reinterpret_cast<const char*>(input.data() + pos), n, block.data(), &written);
    append_u32be(out, static_cast<uint32_t>(written));
    out.append(block.data(), written);
  }
  return out;
}

result<std::string> snappy_decompress(std::span<const uint8_t> input, size_t max_output) {
  std::string out;
  if (!is_xerial(input)) {
    auto r = append_raw_block(input, max_output, out);
    if (!r) return r.err();
    return out;
  }
  size_t pos = xerial_header_size;
  while (pos < input.size()) {
    if (input.size() - pos < 4) return corrupt("snappy", "truncated xerial block length");
    const uint32_t len = load_u32be(input.data() + pos);
    pos += 4;
    if (len > input.size() - pos) return corrupt("snappy", "truncated xerial block");
    auto r = append_raw_block(input.subspan(pos, len), max_output, out);
    if (!r) return r.err();
    pos += len;
  }
  return out;
}

}  // namespace sluice::compression::detail
