// protocol::reader: bounds-checked big-endian decoding of Kafka wire primitives over a byte span.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>

#include "protocol/records_field.h"
#include "protocol/types.h"

namespace sluice::protocol {

// Reads primitives front to back. Failure is sticky: the first malformed or truncated read clears
// ok(); every later read returns a zero/empty value and consumes nothing. Callers decode a whole
// message and check ok() once. Never throws; never allocates more than the remaining input could
// justify (lengths and counts are checked against remaining() before anything is allocated).
// Thread-compatible; the bytes must outlive the reader and every view it returns.
class reader {
 public:
  reader() = default;
  explicit reader(std::span<const uint8_t> data) : data_(data) {}

  bool ok() const { return ok_; }
  void fail() { ok_ = false; }
  size_t position() const { return pos_; }
  size_t remaining() const { return ok_ ? data_.size() - pos_ : 0; }

  // Fixed-width integers, big-endian.
  int8_t read_int8() { return static_cast<int8_t>(read_be<uint8_t>()); }
  int16_t read_int16() { return static_cast<int16_t>(read_be<uint16_t>()); }
  int32_t read_int32() { return static_cast<int32_t>(read_be<uint32_t>()); }
  int64_t read_int64() { return static_cast<int64_t>(read_be<uint64_t>()); }
  uint16_t read_uint16() { return read_be<uint16_t>(); }
  uint32_t read_uint32() { return read_be<uint32_t>(); }
  double read_float64();
  // One byte; any non-zero value is true (as Kafka reads it).
  bool read_bool() { return read_be<uint8_t>() != 0; }
  uuid read_uuid();

  // UNSIGNED_VARINT: LEB128, at most 5 bytes, value must fit in 32 bits.
  uint32_t read_uvarint();
  // VARINT / VARLONG (record format): zigzag over LEB128, at most 5 / 10 bytes.
  int32_t read_varint();
  int64_t read_varlong();

  // A view of the next `n` bytes (fails if fewer remain).
  std::span<const uint8_t> read_span(size_t n);
  void skip(size_t n) { (void)read_span(n); }

  // STRING / COMPACT_STRING. Null (or any invalid length, or more than 32767 bytes) fails.
  void read_string(std::string& out, bool compact);
  // NULLABLE_STRING / COMPACT_NULLABLE_STRING. A null fails unless `nullable`.
  void read_nullable_string(std::optional<std::string>& out, bool compact, bool nullable = true);
  // BYTES / COMPACT_BYTES (copied).
  void read_bytes(bytes& out, bool compact);
  void read_nullable_bytes(std::optional<bytes>& out, bool compact, bool nullable = true);
  // RECORDS: like nullable bytes, but `out` becomes a view into the input (no copy).
  void read_records(records& out, bool compact, bool nullable = true);

  // ARRAY / COMPACT_ARRAY count: -1 for null (and on failure), else the element count. Fails when
  // count * max(min_element_size, 1) exceeds the remaining bytes, so a hostile count can never
  // make the caller allocate more than the input justifies.
  int32_t read_array_length(bool compact, size_t min_element_size = 1);

  // Tagged-field section helpers (KIP-482): the section is a uvarint count, then per field a
  // uvarint tag, a uvarint size and `size` bytes.
  // Reads a field's size and returns a view of its payload.
  std::span<const uint8_t> read_tag_payload();
  // Reads and ignores a whole tagged-field section.
  void skip_tagged_fields();

 private:
  // Returns a pointer to the next `n` bytes and advances, or nullptr (and fails).
  const uint8_t* take(size_t n) {
    if (!ok_ || data_.size() - pos_ < n) {
      ok_ = false;
      return nullptr;
    }
    const uint8_t* p = data_.data() + pos_;
    pos_ += n;
    return p;
  }
  template <class U>
  U read_be() {
    const uint8_t* p = take(sizeof(U));
    if (p == nullptr) return 0;
    U v = 0;
    for (size_t i = 0; i < sizeof(U); ++i) v = static_cast<U>((v << 8) | p[i]);
    return v;
  }
  // Reads a BYTES-style length: -1 null, -2 invalid (and fails). The length is checked against
  // remaining().
  int64_t read_bytes_length(bool compact);

  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace sluice::protocol
