// cleaner_config: the broker-wide settings of the log cleaner (Kafka's log.cleaner.* broker
// configs). Per-topic settings (cleanup.policy, delete.retention.ms, ...) live in log_config.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

namespace sluice::storage {

// Value type.
struct cleaner_config {
  bool enable = true;                      // log.cleaner.enable
  int32_t threads = 1;                     // log.cleaner.threads
  int64_t backoff_ms = 15000;              // log.cleaner.backoff.ms: idle sleep between checks
  int64_t dedupe_buffer_size = 134217728;  // log.cleaner.dedupe.buffer.size, shared by the threads
  double io_buffer_load_factor = 0.9;      // log.cleaner.io.buffer.load.factor
  double io_max_bytes_per_second = std::numeric_limits<double>::max();  // log.cleaner.io.max.bytes.per.second
  std::string data_dir;  // where cleaner-offset-checkpoint lives
  // Appended to the checkpoint's file name: each shard's cleaner keeps its own file (a shard
  // count change only costs one extra pass over the logs that moved).
  std::string checkpoint_suffix;
};

}  // namespace sluice::storage
