// protocol::records: the RECORDS field of Produce/Fetch, a zero-copy view when decoded and a
// sequence of memory chunks and file slices when encoded (so fetched log data goes out by sendfile).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "base/outbuf.h"

namespace sluice::protocol {

// A RECORDS value. Three shapes:
//  * null (the wire's -1 / 0 length),
//  * a view into a received frame (what decode produces; nothing is copied, so the caller must keep
//    the frame alive as long as the view is used),
//  * an owned outbuf of memory chunks and file slices (what a Fetch handler builds for encoding).
// A default-constructed value is empty and not null. Thread-compatible.
class records {
 public:
  records() = default;

  static records make_null();
  // REQUIRES: `bytes` outlives every use of the returned value.
  static records make_view(std::span<const uint8_t> bytes);
  static records make_owned(outbuf data);
  // Convenience for tests and small payloads: one owned memory chunk.
  static records make_owned(std::string data);

  bool is_null() const { return null_; }
  // Total byte count (0 when null).
  size_t size() const { return null_ ? 0 : view_.size() + owned_.size(); }
  // The decoded view; empty for owned or null values.
  std::span<const uint8_t> view() const { return view_; }
  // The owned chunks; empty for views or null values.
  const outbuf& owned() const { return owned_; }
  bool has_file_slices() const;

  // Equal when both are null, or both are non-null with the same bytes. Values holding file slices
  // compare equal only to values with the same chunk structure (fd, offset, length), since the file
  // contents are not read.
  bool operator==(const records& other) const;

 private:
  bool null_ = false;
  std::span<const uint8_t> view_;
  outbuf owned_;
};

}  // namespace sluice::protocol
