// replica_manager: one shard's share of replication (cluster mode): makes this broker leader or
// follower of the partitions the shard owns as cluster snapshots say, keeps each leader's view of
// its followers (high watermark, ISR shrink and expand), and runs the shard's replica fetchers.
// The pure decisions (high watermark, ISR changes) are free functions, tested without sockets.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "broker/partition.h"
#include "cluster/cluster_snapshot.h"
#include "protocol/error_code.h"

namespace sluice::broker {

class broker_state;
class replica_fetcher;

namespace replication {

// The ISR the leader must respect while a change is in flight (Kafka's maximalIsr): the committed
// ISR plus any replica a pending expansion adds (a pending shrink keeps the committed members).
std::vector<int32_t> maximal_isr(const replication_state& r);

// Kafka's maybeIncrementLeaderHW: the smallest log end offset over the leader (`leader_log_end`)
// and every other member of the maximal ISR (a member whose log end is unknown holds it at the
// current value). Never below the current high watermark (it only moves forward).
int64_t leader_high_watermark(const replication_state& r, int32_t self, int64_t leader_log_end);

// Kafka's Replica.updateFetchState: a follower fetched at `fetch_offset` while the leader's log
// ended at `leader_log_end`. It is caught up if it asked for the leader's log end, or for at least
// what the leader had at its previous fetch (then as of that previous fetch).
void record_follower_fetch(follower_state& f, int64_t fetch_offset, int64_t leader_log_end, int64_t now_ms);

// Kafka's maybeExpandIsr condition: a follower outside the ISR joins once it has everything up to
// the high watermark and has reached this leader epoch's start offset.
bool follower_in_sync(const follower_state& f, int64_t high_watermark, int64_t epoch_start_offset);

// Kafka's getOutOfSyncReplicas: ISR followers not caught up within `lag_max_ms` (the leader never).
std::vector<int32_t> out_of_sync_replicas(const replication_state& r, int32_t self, int64_t now_ms,
                                          int64_t lag_max_ms);

// Follower truncation (KIP-101/279, Kafka's AbstractFetcherThread.getOffsetTruncationState): the
// leader answered OffsetForLeaderEpoch with {leader_epoch, leader_end_offset} for our latest epoch.
struct truncation {
  int64_t offset = 0;    // truncate to this (never above our log end)
  bool complete = true;  // false: ask again with the epoch in force at `offset`
};
// `own_end_for_leader_epoch` is our epoch cache's answer for the leader's epoch ({epoch, end} of
// the largest epoch <= it; {-1,-1} if none). `high_watermark` is the fallback when the leader
// knows no epoch.
truncation decide_truncation(int32_t leader_epoch, int64_t leader_end_offset, int32_t own_epoch_for_leader,
                             int64_t own_end_for_leader_epoch, int64_t log_end, int64_t high_watermark);

}  // namespace replication

// One per shard, used only on that shard's thread; created by the broker in cluster mode and
// reachable as broker_state::replicas. REQUIRES: `state` (the shard's) outlives it; close() is
// called before the shard's loop stops and before the manager is destroyed.
class replica_manager {
 public:
  explicit replica_manager(broker_state& state);
  ~replica_manager();
  replica_manager(const replica_manager&) = delete;
  replica_manager& operator=(const replica_manager&) = delete;

  // The partition's leadership as the latest snapshot says (called for a hosted partition when it
  // first appears and whenever its leadership, ISR or version changes). Leader with a new epoch:
  // the epoch is recorded in the log's epoch cache at the log end, follower states reset, the high
  // watermark kept (never above the log end). Follower: no produce, the partition's fetcher
  // (re)starts with a truncation by OffsetForLeaderEpoch. Same leader and epoch: ISR and version
  // update only (a pending ISR change is then settled).
  void apply(partition& p, const cluster::partition_leadership& leadership);
  // Before the partition is deleted (or no longer hosted): stops fetching it, wakes its waiters.
  void remove(partition& p);
  // Shutdown: stops every fetcher and the ISR timer. Idempotent; apply() is ignored afterwards.
  void close();

  // --- leader side (handlers, on this shard) ---
  // A follower's Fetch (replica_id >= 0) at `fetch_offset`: records its progress, may expand the
  // ISR and advance the high watermark. Returns the partition's error (not leader, not a replica).
  protocol::error_code on_replica_fetch(partition& p, int32_t replica_id, int64_t fetch_offset);
  // After a leader append: with the ISR {self} the high watermark follows the log end.
  void on_leader_append(partition& p);
  // min.insync.replicas of the partition's topic (resolved from the snapshot's topic configs).
  int32_t min_insync_replicas(partition& p);
  // acks=all (DelayedProduce): waits until the high watermark passes `last_offset`, or the
  // deadline. none, not_leader_or_follower (leadership lost / partition gone), request_timed_out,
  // or not_enough_replicas_after_append (the ISR fell below min.insync.replicas).
  boost::asio::awaitable<protocol::error_code> wait_for_replication(
      partition& p, int32_t leader_epoch, int64_t last_offset,
      std::chrono::steady_clock::time_point deadline);

  // --- follower side (the fetchers) ---
  // Sets a follower's high watermark from its leader's (never above its own log end).
  void set_follower_high_watermark(partition& p, int64_t leader_high_watermark);
  broker_state& state() { return state_; }
  int32_t self() const;
  bool closed() const { return closed_; }

  // Runs the ISR shrink check now (the timer runs it every replica.lag.time.max.ms / 2).
  void check_isr_shrink();

 private:
  void become_leader(partition& p, const cluster::partition_leadership& l);
  void become_follower(partition& p, const cluster::partition_leadership& l);
  void stop_following(partition& p);
  // Recomputes the leader's high watermark; wakes waiters when it moves.
  void maybe_advance_high_watermark(partition& p);
  void propose(partition& p, std::vector<int32_t> isr);
  void schedule_isr_check();
  int64_t now_ms() const;

  broker_state& state_;
  // By source (leader) broker id.
  std::map<int32_t, std::shared_ptr<replica_fetcher>> fetchers_;
  boost::asio::steady_timer isr_timer_;
  bool closed_ = false;
};

}  // namespace sluice::broker
