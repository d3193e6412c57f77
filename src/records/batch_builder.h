// batch_builder: writes a valid RecordBatch v2 (any codec, idempotent/transactional/control
// flags) from records, and the end-transaction control batches. Used by tests, format
// conversion and the transaction coordinator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>

#include "base/result.h"
#include "records/batch_header.h"
#include "records/record_codec.h"

namespace sluice::records {

// compression::default_level, repeated so callers need not include compression/.
inline constexpr int default_compression_level = std::numeric_limits<int>::min();

struct batch_builder_options {
  compression codec = compression::none;
  int compression_level = default_compression_level;
  int64_t base_offset = 0;
  int32_t partition_leader_epoch = -1;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  bool transactional = false;
  bool control = false;
  // Set: the batch is LogAppendTime and maxTimestamp is this value. Unset: CreateTime, and
  // maxTimestamp is the largest record timestamp.
  std::optional<int64_t> log_append_time;
};

// Accumulates encoded records; build() adds the header, compresses and computes the CRC.
// The first record's timestamp becomes baseTimestamp (as the Java producer does).
// Thread-compatible.
class batch_builder {
 public:
  explicit batch_builder(batch_builder_options options = {}) : options_(options) {}

  // Appends a record with the next offset delta (0, 1, 2, ...).
  void append(int64_t timestamp, nullable_bytes key, nullable_bytes value,
              std::span<const header_view> headers = {});
  // Appends with an explicit offset delta.
  // REQUIRES: offset_delta greater than the previous record's (compacted batches keep gaps).
  void append_with_offset_delta(int32_t offset_delta, int64_t timestamp, nullable_bytes key,
                                nullable_bytes value, std::span<const header_view> headers = {});

  // Changes the codec build() uses (records are kept uncompressed until then).
  void set_compression(compression codec, int level = default_compression_level) {
    options_.codec = codec;
    options_.compression_level = level;
  }

  int32_t record_count() const { return count_; }
  bool empty() const { return count_ == 0; }
  // Bytes of the batch if built uncompressed.
  size_t uncompressed_size() const { return batch_layout::header_size + body_.size(); }

  // The whole batch. Errors: invalid_argument for an empty builder or a body over 2 GiB,
  // internal if compression fails. The builder can be reused after clear().
  result<std::string> build() const;
  void clear();

 private:
  batch_builder_options options_;
  std::string body_;  // encoded records, uncompressed
  int32_t count_ = 0;
  int32_t last_offset_delta_ = -1;
  int64_t base_timestamp_ = -1;
  int64_t max_timestamp_ = -1;
};

// Control record types (key: int16 version 0, int16 type).
enum class control_type : int16_t { abort = 0, commit = 1 };

struct end_txn_marker {
  control_type type = control_type::commit;
  int32_t coordinator_epoch = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int64_t timestamp = -1;
  int64_t base_offset = 0;
  int32_t partition_leader_epoch = -1;
};

// A control batch (control + transactional bits, baseSequence -1) with one ABORT/COMMIT record:
// key = {version 0, type}, value = {version 0, coordinator_epoch}.
result<std::string> build_end_txn_marker(const end_txn_marker& marker);

// Decodes the key of a control record (4 bytes: version, type). nullopt if malformed.
std::optional<int16_t> parse_control_type(nullable_bytes key);

}  // namespace sluice::records
