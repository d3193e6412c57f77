// Reads chosen partitions of one topic without a consumer group, for `sluice consume` and the
// consuming side of `sluice bench`.
//
// Why not rd_kafka_assign(): in librdkafka 2.0.2 assign() refuses to work without group.id, and a
// group.id makes librdkafka look for a group coordinator (FindCoordinator) even when only
// assign() is used; against a broker that lacks FindCoordinator it then sends the request with
// api_version -1 and the broker drops the connection. The simple consumer API
// (rd_kafka_consume_start_queue) is librdkafka's group-less static assignment.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "cli/rk_handle.h"

namespace sluice::cli {

struct partition_start {
  int32_t partition = 0;
  int64_t offset = RD_KAFKA_OFFSET_END;  // absolute, or RD_KAFKA_OFFSET_BEGINNING/END/TAIL(n)
};

// Owns the consumer handle. Not thread-safe: one thread polls it.
class partition_reader {
 public:
  // REQUIRES: h is an RD_KAFKA_CONSUMER handle without group.id.
  static result<std::unique_ptr<partition_reader>> open(rk_handle h, const std::string& topic,
                                                        const std::vector<partition_start>& starts);
  ~partition_reader();
  partition_reader(const partition_reader&) = delete;
  partition_reader& operator=(const partition_reader&) = delete;

  // Next message (possibly an error event, check ->err), or null after timeout_ms.
  message_ptr poll(int timeout_ms);
  // Up to out.size() messages; returns how many were written. Caller destroys them.
  size_t poll_batch(int timeout_ms, std::vector<rd_kafka_message_t*>& out);

  const rk_handle& handle() const { return h_; }

 private:
  partition_reader() = default;
  rk_handle h_;
  topic_ptr rkt_;
  queue_ptr q_;
  std::vector<int32_t> started_;
};

// Parses --offset: "earliest"/"beginning", "latest"/"end", N >= 0 (absolute), -N (N before end).
result<int64_t> parse_start_offset(const std::string& text);

// Common consumer settings for group-less reading: no auto-commit, explicit offsets, and
// out-of-range absolute offsets reported instead of silently reset.
void set_reader_defaults(conf_builder& cb, const std::string& isolation_level);

}  // namespace sluice::cli
