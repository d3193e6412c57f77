// legacy_message_set: Kafka's pre-0.11 MessageSet (magic 0 and 1 messages, CRC-32 IEEE,
// compressed wrapper messages). Up-conversion of Produce v0-2 data into one RecordBatch v2, and
// down-conversion of stored v2 batches into a MessageSet for Fetch v0-3.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "records/batch_header.h"
#include "records/records_error.h"

namespace sluice::records {

namespace legacy_layout {
// offset int64, message_size int32, then the message:
inline constexpr size_t crc = 12;         // uint32 CRC-32 (IEEE) of [magic, end of message)
inline constexpr size_t magic = 16;       // int8: 0 or 1
inline constexpr size_t attributes = 17;  // int8: bits 0-2 codec, bit 3 LogAppendTime (magic 1)
inline constexpr size_t timestamp = 18;   // int64, magic 1 only
inline constexpr size_t v0_key_length = 18;
inline constexpr size_t v1_key_length = 26;
inline constexpr int8_t timestamp_type_bit = 0x08;
}  // namespace legacy_layout

struct legacy_limits {
  // max.message.bytes, applied to each top-level (shallow) message as Kafka does.
  size_t max_message_bytes = 1048588;
  // Total bytes all compressed wrappers of one message set may decompress to.
  size_t max_uncompressed_bytes = 64u << 20;
};

// One message of a legacy message set, after unwrapping compression.
struct legacy_message {
  // Absolute offset: magic 1 inner messages are relative to the wrapper (whose offset is the
  // absolute offset of the last inner message); magic 0 inner offsets are absolute already.
  int64_t offset = 0;
  int8_t magic = 0;
  // -1 for magic 0 (no timestamp); for magic 1 inner messages of a LogAppendTime wrapper, the
  // wrapper's timestamp.
  int64_t timestamp = -1;
  bool log_append_time = false;
  compression wrapper_codec = compression::none;  // codec of the wrapper it came from
  std::optional<std::string> key;
  std::optional<std::string> value;
};

// Parses a whole message set (no trailing partial message: this is produce data). Checks each
// CRC-32 (corrupt_message), sizes (message_too_large above max_message_bytes), codec (zstd or
// 5-7: unsupported_compression_type), message framing (corrupt_message), wrapper rules
// (invalid_record: nested compression, inner magic != wrapper magic, a magic-2 batch inside).
// lz4 wrappers of magic 0 may carry Kafka 0.8-0.9's wrong frame-header checksum; it is accepted.
records_result<std::vector<legacy_message>> read_message_set(std::span<const uint8_t> bytes,
                                                             const legacy_limits& limits = {});

struct up_conversion_options {
  legacy_limits limits;
  // Codec of the v2 batch. nullopt: the source codec (the last compressed wrapper's codec, or
  // none), which is what Kafka does for compression.type=producer. Set it to the topic's
  // compression.type otherwise.
  std::optional<compression> target_codec;
  int compression_level = std::numeric_limits<int>::min();  // codec default
};

struct up_converted {
  std::string batch;        // one RecordBatch v2, base offset 0, CreateTime
  int8_t source_magic = 0;  // highest magic seen
  compression source_codec = compression::none;
  int32_t record_count = 0;
};

// Converts a Produce v0-2 message set into ONE RecordBatch v2, as Kafka does before appending:
// records in order with offset deltas 0..n-1 (the broker assigns offsets), keys and values
// kept (null stays null), timestamps kept (magic 0: -1, NO_TIMESTAMP), no headers, no producer
// id. An empty message set is invalid_record (nothing to append).
records_result<up_converted> up_convert_message_set(std::span<const uint8_t> bytes,
                                                    const up_conversion_options& options = {});

struct down_conversion_options {
  int8_t magic = 1;  // 1 for Fetch v2-3, 0 for Fetch v0-1
  // Records below this offset are dropped (a stored batch may start before the fetch offset).
  int64_t first_offset = std::numeric_limits<int64_t>::min();
  // Output bound: conversion stops before a message that would exceed it, except that the first
  // message is always written so a consumer can make progress.
  size_t max_bytes = std::numeric_limits<size_t>::max();
  // Bound on each batch's decompressed records.
  size_t max_uncompressed_bytes = 64u << 20;
};

struct down_converted {
  std::string message_set;  // uncompressed messages with absolute offsets
  int32_t message_count = 0;
  // Offset after the last input record consumed (written, skipped or in a control batch); -1 if
  // nothing was consumed.
  int64_t next_offset = -1;
  bool truncated = false;  // stopped at max_bytes before the end of the input
};

// Converts stored batches (as read from a segment, so a trailing partial batch is ignored) into
// a magic 0/1 message set for Fetch v0-3: uncompressed (Kafka keeps the codec; we do not, so old
// consumers need no codec support and max_bytes is exact), control batches skipped, headers
// dropped, LogAppendTime batches give every message the batch's maxTimestamp with the timestamp
// type bit set (magic 1). Legacy entries found in the input are re-encoded the same way.
// Errors: corrupt_message / invalid_record for undecodable batches, message_too_large when a
// batch decompresses beyond max_uncompressed_bytes.
records_result<down_converted> down_convert_to_message_set(std::span<const uint8_t> batches,
                                                           const down_conversion_options& options);

}  // namespace sluice::records
