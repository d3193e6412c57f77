// append_result: what partition_log::append returns: the assigned offsets, or a reason the broker
// can map to a Kafka error code (kept apart from base::errc, which has no Kafka-level reasons).
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>

#include "base/result.h"

namespace sluice::storage {

enum class append_errc {
  out_of_order_sequence,   // OUT_OF_ORDER_SEQUENCE_NUMBER (45)
  invalid_producer_epoch,  // INVALID_PRODUCER_EPOCH (47) / PRODUCER_FENCED (90) for old clients
  unknown_producer_id,     // UNKNOWN_PRODUCER_ID (59)
  record_too_large,        // MESSAGE_TOO_LARGE (10)
  invalid_record,          // CORRUPT_MESSAGE (2): the batch broke append's preconditions
  no_space,                // KAFKA_STORAGE_ERROR (56)
  io_error,                // KAFKA_STORAGE_ERROR (56)
  closed,                  // NOT_LEADER_OR_FOLLOWER (6): the log is closed or being removed
};

const char* to_string(append_errc c);

struct append_error {
  append_errc code = append_errc::io_error;
  std::string message;
  int sys_errno = 0;
};

// Converts an I/O failure from the file_system into an append error.
append_error to_append_error(const error& e);

// Result of a successful (or deduplicated) append. Value type.
struct append_info {
  int64_t base_offset = -1;
  int64_t last_offset = -1;
  int64_t log_append_time = -1;  // -1 unless message.timestamp.type=LogAppendTime
  int64_t log_start_offset = 0;
  // True when the batch repeated one of the producer's last 5 batches: nothing was written and
  // the offsets are those of the original append (Kafka answers success).
  bool duplicate = false;
};

// Either an append_info or an append_error. Thread-compatible value type.
class [[nodiscard]] append_result {
 public:
  append_result(append_info v) : v_(v) {}              // NOLINT(implicit)
  append_result(append_error e) : v_(std::move(e)) {}  // NOLINT(implicit)
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const append_info& value() const {
    assert(ok());
    return std::get<0>(v_);
  }
  const append_info* operator->() const { return &value(); }
  const append_info& operator*() const { return value(); }
  const append_error& err() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<append_info, append_error> v_;
};

}  // namespace sluice::storage
