// protocol::writer: big-endian encoding of Kafka wire primitives into memory chunks and file slices.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/outbuf.h"
#include "protocol/records_field.h"
#include "protocol/types.h"

namespace sluice::protocol {

// Appends encoded primitives to an internal std::string; RECORDS values that hold file slices are
// passed through as file slices, so the finished outbuf can be sent with sendfile. Encoding never
// fails: values the wire cannot carry are clamped (see the individual methods). Thread-compatible.
class writer {
 public:
  writer() = default;

  void write_int8(int8_t v) { buf_.push_back(static_cast<char>(v)); }
  void write_int16(int16_t v) { write_be(static_cast<uint16_t>(v)); }
  void write_int32(int32_t v) { write_be(static_cast<uint32_t>(v)); }
  void write_int64(int64_t v) { write_be(static_cast<uint64_t>(v)); }
  void write_uint16(uint16_t v) { write_be(v); }
  void write_uint32(uint32_t v) { write_be(v); }
  void write_float64(double v);
  void write_bool(bool v) { buf_.push_back(v ? 1 : 0); }
  void write_uuid(const uuid& v) { write_raw(v.data(), v.size()); }

  void write_uvarint(uint32_t v);
  void write_varint(int32_t v);
  void write_varlong(int64_t v);

  void write_raw(const void* data, size_t n) { buf_.append(static_cast<const char*>(data), n); }
  void write_raw(std::string_view s) { buf_.append(s); }

  // STRING / COMPACT_STRING. Strings longer than 32767 bytes (which Kafka rejects) are truncated
  // so the frame stays well-formed.
  void write_string(std::string_view s, bool compact);
  // A null is written as null when `nullable`, else as an empty string.
  void write_nullable_string(const std::optional<std::string>& s, bool compact, bool nullable = true);
  void write_bytes(std::span<const uint8_t> b, bool compact);
  void write_nullable_bytes(const std::optional<bytes>& b, bool compact, bool nullable = true);
  // RECORDS: the length prefix, then the view's bytes or the owned chunks (file slices stay slices).
  // A null is written as null when `nullable`, else as empty.
  void write_records(const records& r, bool compact, bool nullable = true);
  // ARRAY / COMPACT_ARRAY count; -1 writes null.
  void write_array_length(int32_t count, bool compact);

  // Moves everything `other` holds (memory and file slices) to the end of this writer.
  void append(writer&& other);

  // Bytes written so far, file slices included.
  size_t size() const { return out_.size() + buf_.size(); }
  bool has_file_slices() const { return has_file_slices_; }

  // The encoded bytes as an outbuf (memory chunks and file slices, in order).
  outbuf finish() &&;
  // The encoded bytes as one string, for tests and small control messages.
  // REQUIRES: !has_file_slices().
  std::string take_string() &&;

 private:
  template <class U>
  void write_be(U v) {
    char b[sizeof(U)];
    for (size_t i = 0; i < sizeof(U); ++i) b[i] = static_cast<char>(v >> (8 * (sizeof(U) - 1 - i)));
    buf_.append(b, sizeof(U));
  }
  // Moves the pending memory bytes into out_ (before a file slice is appended).
  void flush_buffer();

  outbuf out_;
  std::string buf_;
  bool has_file_slices_ = false;
};

// The bytes of `b` as one string, or nullopt if it holds file slices.
std::optional<std::string> flatten(const outbuf& b);

}  // namespace sluice::protocol
