// partition: one hosted topic partition on this broker: its log plus the broker-side state around
// it (leader epoch, fetches waiting for data).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/uuid.h"
#include "storage/partition_log.h"

namespace sluice::broker {

// Owned by the partition_manager; used only on the shard thread.
struct partition {
  std::string topic;
  int32_t index = 0;
  uuid_bytes topic_id{};
  int32_t leader_epoch = 0;
  std::unique_ptr<storage::partition_log> log;
  // A group-commit fdatasync of this log failed. Linux may have dropped the dirty pages it could
  // not write and a later fdatasync can succeed without them, so a later sync proves nothing about
  // the earlier bytes: the partition takes no more appends until a restart recovers it from what
  // is on disk (Kafka takes the whole log directory offline instead).
  bool sync_failed = false;
  // Fetches parked on min.bytes (the DelayedFetch), woken when this partition's log grows. The
  // fetch owns the callback; an entry whose fetch has finished is simply expired.
  std::vector<std::weak_ptr<std::function<void()>>> data_waiters;

  // Single node: the high watermark is the log end offset (see docs/ARCHITECTURE.md).
  int64_t high_watermark() const { return log->log_end_offset(); }
  // No transactions yet: the last stable offset is the high watermark.
  int64_t last_stable_offset() const { return high_watermark(); }

  void add_data_waiter(const std::shared_ptr<std::function<void()>>& w) {
    // Fetches that timed out leave expired entries behind on idle partitions: prune them so the
    // list stays bounded by the number of fetches actually waiting.
    if (data_waiters.size() >= 16) {
      std::erase_if(data_waiters, [](const auto& e) { return e.expired(); });
    }
    data_waiters.push_back(w);
  }
  void notify_data() {
    if (data_waiters.empty()) return;
    auto waiters = std::move(data_waiters);
    data_waiters.clear();
    for (auto& w : waiters) {
      if (auto f = w.lock()) (*f)();
    }
  }
};

}  // namespace sluice::broker
