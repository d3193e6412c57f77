// protocol::reader: variable-length primitives (varints, strings, bytes, records, arrays, tags).
#include "protocol/reader.h"

#include <algorithm>
#include <bit>

namespace sluice::protocol {

namespace {
// Kafka rejects strings longer than this in both encodings (int16 length limit).
constexpr size_t max_string_length = 0x7fff;
}  // namespace

double reader::read_float64() { return std::bit_cast<double>(read_be<uint64_t>()); }

uuid reader::read_uuid() {
  uuid u{};
  if (const uint8_t* p = take(u.size())) std::memcpy(u.data(), p, u.size());
  return u;
}

uint32_t reader::read_uvarint() {
  uint32_t value = 0;
  for (int i = 0; i < 5; ++i) {
    const uint8_t* p = take(1);
    if (p == nullptr) return 0;
    const uint8_t b = *p;
    // The fifth byte carries bits 28-31 only; anything more does not fit in 32 bits.
    if (i == 4 && (b & 0xf0) != 0) {
      ok_ = false;
      return 0;
    }
    value |= static_cast<uint32_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) return value;
  }
  return 0;  // unreachable: a fifth byte with the continuation bit fails above
}

int32_t reader::read_varint() {
  const uint32_t raw = read_uvarint();
  return static_cast<int32_t>((raw >> 1) ^ (~(raw & 1) + 1));
}

int64_t reader::read_varlong() {
  uint64_t raw = 0;
  for (int i = 0; i < 10; ++i) {
    const uint8_t* p = take(1);
    if (p == nullptr) return 0;
    const uint8_t b = *p;
    // The tenth byte carries bit 63 only.
    if (i == 9 && (b & 0xfe) != 0) {
      ok_ = false;
      return 0;
    }
    raw |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) return static_cast<int64_t>((raw >> 1) ^ (~(raw & 1) + 1));
  }
  return 0;  // unreachable
}

std::span<const uint8_t> reader::read_span(size_t n) {
  const uint8_t* p = take(n);
  if (p == nullptr) return {};
  return {p, n};
}

void reader::read_string(std::string& out, bool compact) {
  std::optional<std::string> s;
  read_nullable_string(s, compact, /*nullable=*/false);
  if (s) out = std::move(*s);
}

void reader::read_nullable_string(std::optional<std::string>& out, bool compact, bool nullable) {
  int64_t len;
  if (compact) {
    const uint32_t n = read_uvarint();
    len = static_cast<int64_t>(n) - 1;
  } else {
    len = read_int16();
  }
  if (!ok_) return;
  if (len == -1) {
    if (!nullable) ok_ = false;
    out.reset();
    return;
  }
  if (len < -1 || static_cast<uint64_t>(len) > max_string_length) {
    ok_ = false;
    return;
  }
  const uint8_t* p = take(static_cast<size_t>(len));
  if (p == nullptr) return;
  out.emplace(reinterpret_cast<const char*>(p), static_cast<size_t>(len));
}

int64_t reader::read_bytes_length(bool compact) {
  int64_t len;
  if (compact) {
    len = static_cast<int64_t>(read_uvarint()) - 1;
  } else {
    len = read_int32();
  }
  if (!ok_) return -2;
  if (len < -1 || (len >= 0 && static_cast<uint64_t>(len) > data_.size() - pos_)) {
    ok_ = false;
    return -2;
  }
  return len;
}

void reader::read_bytes(bytes& out, bool compact) {
  std::optional<bytes> b;
  read_nullable_bytes(b, compact, /*nullable=*/false);
  if (b) out = std::move(*b);
}

void reader::read_nullable_bytes(std::optional<bytes>& out, bool compact, bool nullable) {
  const int64_t len = read_bytes_length(compact);
  if (len == -2) return;
  if (len == -1) {
    if (!nullable) ok_ = false;
    out.reset();
    return;
  }
  const auto s = read_span(static_cast<size_t>(len));
  out.emplace(s.begin(), s.end());
}

void reader::read_records(records& out, bool compact, bool nullable) {
  const int64_t len = read_bytes_length(compact);
  if (len == -2) return;
  if (len == -1) {
    if (!nullable) ok_ = false;
    out = records::make_null();
    return;
  }
  out = records::make_view(read_span(static_cast<size_t>(len)));
}

int32_t reader::read_array_length(bool compact, size_t min_element_size) {
  int64_t count;
  if (compact) {
    count = static_cast<int64_t>(read_uvarint()) - 1;
  } else {
    count = read_int32();
  }
  if (!ok_) return -1;
  if (count == -1) return -1;
  const uint64_t per = std::max<size_t>(min_element_size, 1);
  if (count < -1 || count > INT32_MAX || static_cast<uint64_t>(count) > (data_.size() - pos_) / per) {
    ok_ = false;
    return -1;
  }
  return static_cast<int32_t>(count);
}

std::span<const uint8_t> reader::read_tag_payload() {
  const uint32_t size = read_uvarint();
  return read_span(size);
}

void reader::skip_tagged_fields() {
  const uint32_t count = read_uvarint();
  // Each field takes at least two bytes, so the loop is bounded by the input even for a huge count.
  for (uint32_t i = 0; i < count && ok_; ++i) {
    (void)read_uvarint();
    (void)read_tag_payload();
  }
}

}  // namespace sluice::protocol
