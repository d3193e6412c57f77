// partition: one hosted topic partition on this broker: its log plus the broker-side state around
// it (leader epoch, replication role and high watermark, fetches and produces waiting on it).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/uuid.h"
#include "storage/partition_log.h"

namespace sluice::broker {

// Cluster mode: what this broker is for a partition. `none` until the replica manager applied the
// partition's leadership (and always on a single node).
enum class replica_role { none, leader, follower };

// What a leader knows of one follower (Kafka's Replica / ReplicaState). Times are steady-clock ms.
struct follower_state {
  int32_t id = -1;
  int64_t log_end_offset = -1;    // the offset of its last fetch: it has everything below it
  int64_t last_caught_up_ms = 0;  // last time it had fetched up to the leader's log end
  int64_t last_fetch_ms = 0;
  int64_t last_fetch_leader_log_end = -1;  // the leader's log end at its last fetch
};

// Cluster mode: a partition's replication state on this broker (Kafka's Partition fields). Written
// by the replica manager and the produce/fetch paths, all on the owner shard's thread.
struct replication_state {
  replica_role role = replica_role::none;
  int32_t leader_id = -1;
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;  // as last committed (the snapshot's)
  int32_t version = -1;      // the state znode version the ISR was read at
  int64_t high_watermark = 0;
  // Leader: the log end when this epoch's leadership began (a follower joins the ISR only past it).
  int64_t epoch_start_offset = 0;
  std::vector<follower_state> followers;  // leader: every other replica
  // Leader: an ISR change proposed and not yet seen in a snapshot (at most one in flight).
  std::optional<std::vector<int32_t>> pending_isr;
  int64_t pending_since_ms = 0;
  // Cached min.insync.replicas of the topic, resolved against `min_insync_of` (a snapshot version).
  int32_t min_insync = 1;
  uint64_t min_insync_of = 0;

  bool in_isr_or_pending(int32_t id) const {
    if (std::find(isr.begin(), isr.end(), id) != isr.end()) return true;
    return pending_isr && std::find(pending_isr->begin(), pending_isr->end(), id) != pending_isr->end();
  }
  follower_state* follower(int32_t id) {
    for (auto& f : followers) {
      if (f.id == id) return &f;
    }
    return nullptr;
  }
};

// Owned by the partition_manager; used only on the shard thread.
struct partition {
  partition() = default;
  partition(const partition&) = delete;
  partition& operator=(const partition&) = delete;
  // Waiters that outlive the partition find `gone` set when they wake.
  ~partition() {
    *gone = true;
    notify_replication();
  }

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
  // Fetches parked on min.bytes (the DelayedFetch), woken when this partition's log grows or its
  // high watermark advances. The fetch owns the callback; an entry whose fetch has finished is
  // simply expired.
  std::vector<std::weak_ptr<std::function<void()>>> data_waiters;
  // acks=all produces waiting for the high watermark (DelayedProduce), woken when it advances, the
  // ISR or the leadership changes, or the partition goes away. Same ownership rule as data_waiters.
  std::vector<std::weak_ptr<std::function<void()>>> replication_waiters;
  // Cluster mode only (role != none); see replica_manager.
  replication_state repl;
  // Set when the partition is being removed: waiters that wake see it and give up. Shared so that
  // a waiter can hold it past the partition's deletion.
  std::shared_ptr<bool> gone = std::make_shared<bool>(false);

  bool replicated() const { return repl.role != replica_role::none; }
  bool is_leader() const { return repl.role == replica_role::leader; }
  // Single node: the log end offset (see docs/ARCHITECTURE.md). Cluster mode: the replicated high
  // watermark (docs/replication.md), never above the log end.
  int64_t high_watermark() const {
    if (!replicated()) return log->log_end_offset();
    return std::min(repl.high_watermark, log->log_end_offset());
  }
  // No transactions yet: the last stable offset is the high watermark.
  int64_t last_stable_offset() const { return high_watermark(); }

  void add_data_waiter(const std::shared_ptr<std::function<void()>>& w) { add_waiter(data_waiters, w); }
  void add_replication_waiter(const std::shared_ptr<std::function<void()>>& w) {
    add_waiter(replication_waiters, w);
  }
  void notify_data() { notify(data_waiters); }
  void notify_replication() { notify(replication_waiters); }

 private:
  static void add_waiter(std::vector<std::weak_ptr<std::function<void()>>>& list,
                         const std::shared_ptr<std::function<void()>>& w) {
    // Waits that timed out leave expired entries behind on idle partitions: prune them so the
    // list stays bounded by the number of operations actually waiting.
    if (list.size() >= 16) {
      std::erase_if(list, [](const auto& e) { return e.expired(); });
    }
    list.push_back(w);
  }
  static void notify(std::vector<std::weak_ptr<std::function<void()>>>& list) {
    if (list.empty()) return;
    auto waiters = std::move(list);
    list.clear();
    for (auto& w : waiters) {
      if (auto f = w.lock()) (*f)();
    }
  }
};

}  // namespace sluice::broker
