// broker_stats: a point-in-time copy of the broker's process-level figures (uptime, listener,
// connections, group-commit fsyncs, cleaner totals) for introspection (the HTTP port).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "storage/log_cleaner.h"

namespace sluice::broker {

// Value type: taken on the shard thread by broker::stats(), then read anywhere.
struct broker_stats {
  std::chrono::milliseconds uptime{0};
  std::string listen_host;
  uint16_t listen_port = 0;  // the bound Kafka port
  std::string data_dir;
  size_t shards = 1;                               // event loops serving connections and partitions
  size_t connections_open = 0;                     // Kafka connections, draining ones included
  int64_t fsync_count = 0;                         // storage::flusher: fdatasync calls
  int64_t flush_rounds = 0;                        // storage::flusher: group-commit rounds
  std::optional<storage::cleaner_totals> cleaner;  // nullopt when the cleaner is disabled
};

// One hosted partition's log figures, read on the shard that owns it.
struct partition_summary {
  int64_t log_start_offset = 0;
  int64_t log_end_offset = 0;
  int64_t size_bytes = 0;
  int64_t segments = 0;
};
using partition_summaries = std::map<std::pair<std::string, int32_t>, partition_summary>;

}  // namespace sluice::broker
