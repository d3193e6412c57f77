// batch_validator: decides whether bytes received in a Produce request (or read back from a log)
// are exactly one well-formed RecordBatch v2, and says why not in Kafka's terms. Also splits a
// byte range into its batches / legacy messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>

#include "records/batch_header.h"
#include "records/records_error.h"

namespace sluice::records {

// Where the bytes come from. Client data follows Kafka's produce rules (records_count > 0 and
// == last_offset_delta + 1, no control batches). Log data may have been compacted (gaps, empty
// batches) and holds control batches.
enum class batch_origin : uint8_t { client, log };

struct validation_limits {
  // max.message.bytes: the largest batch accepted (Kafka's default 1048588).
  size_t max_message_bytes = 1048588;
  // False for Produce < v7, where Kafka answers UNSUPPORTED_COMPRESSION_TYPE to zstd.
  bool allow_zstd = true;
  batch_origin origin = batch_origin::client;
  // Compressed batches: false checks only the header (cheap); true decompresses, bounded by
  // max_uncompressed_bytes, and walks every record as for uncompressed batches.
  bool deep = false;
  size_t max_uncompressed_bytes = 64u << 20;
  // Attribute bits 7-15 are unused; reject batches that set them.
  bool reject_unknown_attribute_bits = true;
  // cleanup.policy=compact: every record needs a non-null key (Kafka: INVALID_RECORD).
  bool require_keys = false;
  // Allowed CreateTime window (now -/+ message.timestamp.*.max.ms); -1 (no timestamp) is always
  // allowed. Checked per record when records are walked, else on the header's maxTimestamp.
  int64_t min_timestamp = std::numeric_limits<int64_t>::min();
  int64_t max_timestamp = std::numeric_limits<int64_t>::max();
};

// What validation learned about an accepted batch.
struct batch_info {
  batch_header header;
  // True when every record was decoded (uncompressed batches, or deep mode).
  bool records_walked = false;
  // The largest record timestamp when walked (Kafka rewrites a CreateTime batch's maxTimestamp
  // to this), else header.max_timestamp.
  int64_t max_record_timestamp = -1;
};

// Validates that `bytes` is exactly one whole RecordBatch v2 (checks in Kafka's order):
//   no complete batch (fewer bytes than batchLength announces, or < 12 bytes) -> invalid_record
//     (Kafka: "at least one record batch per partition");
//   batchLength below 14 (any message's minimum) or below the 49 of a v2 header -> corrupt_message;
//   magic != 2 -> invalid_record;
//   bytes after the batch -> invalid_record (Produce v3+ carries exactly one batch; Kafka would
//     silently drop a trailing partial batch, we reject it);
//   size > max_message_bytes -> message_too_large;
//   CRC-32C mismatch -> corrupt_message;
//   codec 5-7, or zstd when !allow_zstd -> unsupported_compression_type;
//   unused attribute bits -> invalid_record (when reject_unknown_attribute_bits);
//   client origin: control batch, records_count <= 0, records_count != last_offset_delta + 1,
//     producer id without a sequence, transactional without a producer id -> invalid_record;
//   log origin: records_count < 0 or > last_offset_delta + 1 -> invalid_record;
//   records (uncompressed, or deep): framing, strictly increasing offset deltas within
//     [0, last_offset_delta], exactly records_count records filling the batch, keys when
//     require_keys -> invalid_record; undecodable payload -> corrupt_message; payload over
//     max_uncompressed_bytes -> message_too_large;
//   timestamps outside [min_timestamp, max_timestamp] -> invalid_timestamp.
// Uncompressed batches (and compressed ones without deep) are validated without allocating.
records_result<batch_info> validate_batch(std::span<const uint8_t> bytes, const validation_limits& limits);

// How a split ended.
enum class split_tail : uint8_t {
  none,       // every byte belonged to a whole entry
  partial,    // trailing bytes shorter than the entry they announce (normal at a fetch limit)
  malformed,  // an entry announces a length below its format's minimum (or negative)
};

// Splits a byte range into consecutive entries using the common prefix of RecordBatch v2 and
// legacy messages: offset int64, length int32 (bytes after the length field). Each entry
// returned is whole but otherwise unchecked (validate it with validate_batch or the legacy
// parser, chosen by peek_magic). Use for Produce v0-2 message sets, for rejecting multi-batch
// Produce v3+ data, and for walking log reads. No allocation. Thread-compatible.
class batch_splitter {
 public:
  explicit batch_splitter(std::span<const uint8_t> bytes) : rest_(bytes) {}

  // The next whole entry, or nullopt when none is left (then see tail()).
  std::optional<std::span<const uint8_t>> next();
  split_tail tail() const { return tail_; }
  // Bytes not yet returned as entries (the partial or malformed tail after the last next()).
  std::span<const uint8_t> rest() const { return rest_; }

  // Range-for support: `for (auto batch : split_batches(bytes))`.
  class iterator {
   public:
    using value_type = std::span<const uint8_t>;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(batch_splitter* s) : s_(s) { advance(); }
    const std::span<const uint8_t>& operator*() const { return cur_; }
    iterator& operator++() {
      advance();
      return *this;
    }
    void operator++(int) { advance(); }
    bool operator==(const iterator& o) const { return s_ == o.s_; }

   private:
    void advance() {
      if (auto n = s_->next())
        cur_ = *n;
      else
        s_ = nullptr;
    }
    batch_splitter* s_ = nullptr;
    std::span<const uint8_t> cur_;
  };
  iterator begin() { return iterator(this); }
  iterator end() { return iterator(); }

 private:
  std::span<const uint8_t> rest_;
  split_tail tail_ = split_tail::none;
};

inline batch_splitter split_batches(std::span<const uint8_t> bytes) { return batch_splitter(bytes); }

// Smallest value of the length field: a v2 batch (61-byte header minus the 12-byte prefix) and a
// magic-0 legacy message (crc, magic, attributes, key length, value length).
inline constexpr int32_t min_batch_length =
    static_cast<int32_t>(batch_layout::header_size - batch_layout::log_overhead);
inline constexpr int32_t min_legacy_message_length = 14;

}  // namespace sluice::records
