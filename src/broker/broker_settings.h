// broker_settings: the resolved values the broker process needs to start, derived from the config
// module's broker_config by make_broker_settings (broker_main.cc), so the rest of the broker does
// not parse configuration.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "broker/partition_manager.h"
#include "broker/topic_admin.h"
#include "storage/cleaner_config.h"

namespace sluice::broker {

struct broker_settings {
  int32_t node_id = 0;
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 9092;
  std::string advertised_host = "127.0.0.1";
  int32_t advertised_port = 9092;
  std::string rack;
  std::string data_dir = "./sluice-data";
  int32_t socket_request_max_bytes = 104857600;
  size_t max_connections = 2147483647;
  size_t max_inflight_per_connection = 16;
  std::chrono::milliseconds idle_timeout{600000};
  bool fsync_acks = true;
  // sluice.log.fd.cache.size: open partition log files, over all shards (storage::fd_cache).
  size_t fd_cache_size = 8000;
  int64_t retention_check_interval_ms = 300000;  // log.retention.check.interval.ms
  int64_t checkpoint_interval_ms = 60000;        // log.flush.offset.checkpoint.interval.ms
  int64_t flush_scheduler_interval_ms = 1000;    // log.flush.scheduler.interval.ms (pagecache mode)
  std::chrono::milliseconds shutdown_drain_timeout{10000};
  // sluice.shards: event loops (threads) serving connections and partitions; 0 = one per core.
  size_t shards = 0;
  // The file system the logs use; null = POSIX. Tests pass a storage::fault_injection_fs to fail
  // writes and syncs. Must outlive the broker.
  storage::file_system* file_system = nullptr;
  topic_defaults topics;
  storage::cleaner_config cleaner;  // log.cleaner.*
  log_config_resolver resolve_log_config;
  topic_config_validator validate_topic_config;
};

}  // namespace sluice::broker
