// records_error: why a batch or legacy message set was rejected, as the Kafka error a broker
// returns for it, plus records_result<T>, the value-or-records_error return type of this module.
#pragma once

#include <cstdint>
#include <utility>

#include "base/result.h"

namespace sluice::records {

// Kafka-meaningful rejection reasons. Comments give the Kafka error (code) each maps to.
enum class batch_error : uint8_t {
  // CORRUPT_MESSAGE (2): CRC mismatch, batch/message lengths inconsistent with the bytes given,
  // truncated data, undecodable compressed payload.
  corrupt_message,
  // INVALID_RECORD (87): a record's framing is wrong (varint lengths, offset deltas, header
  // sizes), records count inconsistent with the offsets, batch-level rules (magic != 2 where v2
  // is required, more than one batch, control batch from a client, producer fields inconsistent),
  // null key on a compacted topic.
  invalid_record,
  // MESSAGE_TOO_LARGE (10): the batch exceeds max.message.bytes, or its decompressed payload
  // exceeds the decompression bound (a decompression bomb, or a batch too large to check).
  message_too_large,
  // UNSUPPORTED_COMPRESSION_TYPE (76): codec id 5-7, zstd when the request version forbids it,
  // zstd inside a magic 0/1 message.
  unsupported_compression_type,
  // INVALID_TIMESTAMP (32): a CreateTime timestamp outside the caller's allowed window.
  invalid_timestamp,
};

inline const char* to_string(batch_error e) {
  switch (e) {
    case batch_error::corrupt_message:
      return "corrupt_message";
    case batch_error::invalid_record:
      return "invalid_record";
    case batch_error::message_too_large:
      return "message_too_large";
    case batch_error::unsupported_compression_type:
      return "unsupported_compression_type";
    case batch_error::invalid_timestamp:
      return "invalid_timestamp";
  }
  return "unknown";
}

// The Kafka protocol error code for a reason (see the enum comments).
constexpr int16_t kafka_error_code(batch_error e) {
  switch (e) {
    case batch_error::corrupt_message:
      return 2;
    case batch_error::invalid_record:
      return 87;
    case batch_error::message_too_large:
      return 10;
    case batch_error::unsupported_compression_type:
      return 76;
    case batch_error::invalid_timestamp:
      return 32;
  }
  return -1;
}

// A rejection: the reason plus a static, human-readable detail (never allocated, so the
// validation fast path stays allocation-free).
struct records_error {
  batch_error reason = batch_error::corrupt_message;
  const char* detail = "";
};

// records_result<T>: a T or a records_error. Thread-compatible value type.
template <class T>
using records_result = basic_result<T, records_error>;

inline records_error make_records_error(batch_error reason, const char* detail) { return {reason, detail}; }

}  // namespace sluice::records
