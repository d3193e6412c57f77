// broker_stats: a point-in-time copy of the broker's process-level figures (uptime, listener,
// connections, group-commit fsyncs, cleaner totals) for introspection (the HTTP port).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "storage/log_cleaner.h"

namespace sluice::broker {

// Value type: taken on the shard thread by broker::stats(), then read anywhere.
struct broker_stats {
  std::chrono::milliseconds uptime{0};
  std::string listen_host;
  uint16_t listen_port = 0;  // the bound Kafka port
  std::string data_dir;
  size_t connections_open = 0;                     // Kafka connections, draining ones included
  int64_t fsync_count = 0;                         // storage::flusher: fdatasync calls
  int64_t flush_rounds = 0;                        // storage::flusher: group-commit rounds
  std::optional<storage::cleaner_totals> cleaner;  // nullopt when the cleaner is disabled
};

}  // namespace sluice::broker
