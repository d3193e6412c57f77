// record_codec: one Record inside a RecordBatch v2 (length-prefixed, zigzag varints): decoding
// into a non-owning view, and encoding. Shared by the validator, the reader and the builder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sluice::records {

using bytes_view = std::span<const uint8_t>;
// A nullable byte string: nullopt is Kafka's null (length -1), distinct from empty.
using nullable_bytes = std::optional<bytes_view>;

inline bytes_view as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_chars(bytes_view b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

struct header_view {
  bytes_view key;  // never null in the format
  nullable_bytes value;
};

// Iterates the headers of a decoded record. The bytes were checked by decode_record, so
// iteration cannot fail. Input-iterator over header_view.
class header_range {
 public:
  class iterator {
   public:
    using value_type = header_view;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    iterator(bytes_view rest, int32_t left) : rest_(rest), left_(left) { load(); }
    const header_view& operator*() const { return cur_; }
    const header_view* operator->() const { return &cur_; }
    iterator& operator++() {
      --left_;
      load();
      return *this;
    }
    void operator++(int) { ++*this; }
    bool operator==(const iterator& o) const { return left_ == o.left_; }

   private:
    void load();
    bytes_view rest_;
    int32_t left_ = 0;
    header_view cur_;
  };

  header_range() = default;
  header_range(bytes_view bytes, int32_t count) : bytes_(bytes), count_(count) {}
  iterator begin() const { return {bytes_, count_}; }
  iterator end() const { return {}; }
  int32_t size() const { return count_; }
  bool empty() const { return count_ == 0; }

 private:
  bytes_view bytes_;
  int32_t count_ = 0;
};

// A decoded record. Views point into the bytes given to decode_record.
struct record_view {
  int8_t attributes = 0;
  int64_t timestamp_delta = 0;
  int32_t offset_delta = 0;
  int64_t offset = 0;     // batch base offset + offset_delta
  int64_t timestamp = 0;  // batch base timestamp + timestamp_delta (CreateTime)
  nullable_bytes key;
  nullable_bytes value;
  header_range headers;
  size_t encoded_size = 0;  // bytes of the record including its length prefix
};

// Decodes the record at the front of `data`. On success fills `out` (offset/timestamp relative
// to the given bases) and returns nullptr; on failure returns a static description (an
// INVALID_RECORD condition). Never reads outside `data`, never allocates. Follows Kafka's
// DefaultRecord.readFrom, except that key/value lengths below -1 are rejected instead of being
// read as null.
const char* decode_record(bytes_view data, int64_t base_offset, int64_t base_timestamp, record_view& out);

// Appends one encoded record to `out`.
void encode_record(std::string& out, int32_t offset_delta, int64_t timestamp_delta, nullable_bytes key,
                   nullable_bytes value, std::span<const header_view> headers);

// Adds with two's-complement wraparound (corrupt deltas must not be undefined behaviour).
inline int64_t wrapping_add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
inline int64_t wrapping_sub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}

}  // namespace sluice::records
