// Random uuids and their base64url text form.
#include "base/uuid.h"

#include <random>

namespace sluice {
namespace {
constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int decode_char(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}
}  // namespace

uuid_bytes random_uuid() {
  static thread_local std::random_device rd;
  uuid_bytes id{};
  do {
    for (size_t i = 0; i < id.size(); i += 4) {
      const uint32_t r = rd();
      for (size_t j = 0; j < 4; ++j) id[i + j] = static_cast<uint8_t>(r >> (8 * j));
    }
    id[6] = static_cast<uint8_t>((id[6] & 0x0F) | 0x40);  // version 4
    id[8] = static_cast<uint8_t>((id[8] & 0x3F) | 0x80);  // IETF variant
  } while (is_zero(id));
  return id;
}

std::string uuid_to_string(const uuid_bytes& id) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : id) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(alphabet[(acc >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(alphabet[(acc << (6 - bits)) & 0x3F]);
  return out;
}

std::optional<uuid_bytes> uuid_from_string(std::string_view text) {
  if (text.size() != 22) return std::nullopt;
  uuid_bytes id{};
  uint32_t acc = 0;
  int bits = 0;
  size_t n = 0;
  for (char c : text) {
    const int v = decode_char(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n < id.size()) id[n++] = static_cast<uint8_t>(acc >> bits);
    }
  }
  if (n != id.size()) return std::nullopt;
  return id;
}

}  // namespace sluice
