// protocol::writer: variable-length primitives, records pass-through and finishing.
#include "protocol/writer.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <variant>

namespace sluice::protocol {

namespace {
constexpr size_t max_string_length = 0x7fff;
}  // namespace

void writer::write_float64(double v) { write_be(std::bit_cast<uint64_t>(v)); }

void writer::write_uvarint(uint32_t v) {
  while (v >= 0x80) {
    buf_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  buf_.push_back(static_cast<char>(v));
}

void writer::write_varint(int32_t v) {
  const uint32_t u = static_cast<uint32_t>(v);
  write_uvarint((u << 1) ^ (v < 0 ? 0xffffffffu : 0u));
}

void writer::write_varlong(int64_t v) {
  uint64_t u = (static_cast<uint64_t>(v) << 1) ^ (v < 0 ? ~uint64_t{0} : uint64_t{0});
  while (u >= 0x80) {
    buf_.push_back(static_cast<char>((u & 0x7f) | 0x80));
    u >>= 7;
  }
  buf_.push_back(static_cast<char>(u));
}

void writer::write_string(std::string_view s, bool compact) {
  s = s.substr(0, std::min(s.size(), max_string_length));
  if (compact) {
    write_uvarint(static_cast<uint32_t>(s.size() + 1));
  } else {
    write_int16(static_cast<int16_t>(s.size()));
  }
  buf_.append(s);
}

void writer::write_nullable_string(const std::optional<std::string>& s, bool compact, bool nullable) {
  if (s) {
    write_string(*s, compact);
  } else if (!nullable) {
    write_string({}, compact);
  } else if (compact) {
    write_uvarint(0);
  } else {
    write_int16(-1);
  }
}

void writer::write_bytes(std::span<const uint8_t> b, bool compact) {
  if (compact) {
    write_uvarint(static_cast<uint32_t>(b.size() + 1));
  } else {
    write_int32(static_cast<int32_t>(b.size()));
  }
  write_raw(b.data(), b.size());
}

void writer::write_nullable_bytes(const std::optional<bytes>& b, bool compact, bool nullable) {
  if (b) {
    write_bytes(*b, compact);
  } else if (!nullable) {
    write_bytes({}, compact);
  } else if (compact) {
    write_uvarint(0);
  } else {
    write_int32(-1);
  }
}

void writer::write_records(const records& r, bool compact, bool nullable) {
  if (r.is_null()) {
    if (!nullable) {
      write_bytes({}, compact);
    } else if (compact) {
      write_uvarint(0);
    } else {
      write_int32(-1);
    }
    return;
  }
  const size_t n = r.size();
  if (compact) {
    write_uvarint(static_cast<uint32_t>(n + 1));
  } else {
    write_int32(static_cast<int32_t>(n));
  }
  write_raw(r.view().data(), r.view().size());
  for (const auto& c : r.owned().chunks()) {
    if (const auto* s = std::get_if<std::string>(&c)) {
      buf_.append(*s);
    } else {
      flush_buffer();
      out_.append(std::get<file_slice>(c));
      has_file_slices_ = true;
    }
  }
}

void writer::write_array_length(int32_t count, bool compact) {
  if (compact) {
    write_uvarint(static_cast<uint32_t>(count + 1));  // -1 (null) becomes 0
  } else {
    write_int32(count);
  }
}

void writer::append(writer&& other) {
  if (other.has_file_slices_) {
    flush_buffer();
    out_.append(std::move(other.out_));
    has_file_slices_ = true;
  } else {
    // No slices: other.out_ holds only memory chunks (from earlier flushes); keep them contiguous.
    for (auto& c : other.out_.chunks()) buf_ += std::get<std::string>(c);
    other.out_ = outbuf{};
  }
  buf_ += other.buf_;
  other.buf_.clear();
  other.has_file_slices_ = false;
}

void writer::flush_buffer() {
  if (!buf_.empty()) out_.append(std::move(buf_));
  buf_ = std::string();
}

outbuf writer::finish() && {
  flush_buffer();
  return std::move(out_);
}

std::string writer::take_string() && {
  assert(!has_file_slices_);
  std::string s;
  for (auto& c : out_.chunks()) s += std::get<std::string>(c);
  s += buf_;
  return s;
}

std::optional<std::string> flatten(const outbuf& b) {
  std::string s;
  s.reserve(b.size());
  for (const auto& c : b.chunks()) {
    const auto* m = std::get_if<std::string>(&c);
    if (m == nullptr) return std::nullopt;
    s += *m;
  }
  return s;
}

}  // namespace sluice::protocol
