// producer_state: per-partition idempotent-producer table (epoch + last 5 batches per producer id)
// used to fence stale epochs, reject sequence gaps and answer retried batches with their original
// offsets, following Kafka's ProducerStateManager / ProducerAppendInfo.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <variant>
#include <vector>

#include "records/batch_header.h"
#include "storage/append_result.h"

namespace sluice::storage {

// Metadata of one appended batch of a producer.
struct producer_batch {
  int32_t first_seq = -1;
  int32_t last_seq = -1;
  int64_t first_offset = -1;
  int64_t last_offset = -1;
  int64_t timestamp = -1;  // the batch's maxTimestamp
  bool operator==(const producer_batch&) const = default;
};

// State of one producer id. Value type.
struct producer_entry {
  int64_t producer_id = -1;
  int16_t epoch = -1;
  int32_t coordinator_epoch = -1;
  int64_t last_timestamp = -1;
  int64_t current_txn_first_offset = -1;
  std::deque<producer_batch> batches;  // oldest first, at most format::producer_batches_to_retain

  int32_t last_seq() const { return batches.empty() ? -1 : batches.back().last_seq; }
  bool operator==(const producer_entry&) const = default;
};

// One row of DescribeProducers.
struct producer_description {
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t last_sequence = -1;
  int64_t last_timestamp = -1;
  int32_t coordinator_epoch = -1;
  int64_t current_txn_start_offset = -1;
};

// What check() decided for a batch that has not been written yet.
struct producer_check_ok {};
struct producer_check_duplicate {
  producer_batch original;
};
using producer_check = std::variant<producer_check_ok, producer_check_duplicate, append_error>;

// The sequence number of the last record of a batch: baseSequence + lastOffsetDelta, wrapping
// from INT32_MAX to 0 (Kafka's DefaultRecordBatch.incrementSequence).
int32_t batch_last_sequence(const records::batch_header& h);

// Thread-compatible: owned by one partition_log.
class producer_state {
 public:
  // Kafka >= 2.5 (KIP-360) accepts any sequence from a producer id it has no state for (its
  // state may have expired). With `reject_unknown_producer_sequence`, a first batch with a
  // sequence other than 0 gets unknown_producer_id instead, as Kafka <= 2.4 did.
  explicit producer_state(bool reject_unknown_producer_sequence = false)
      : reject_unknown_(reject_unknown_producer_sequence) {}

  // Validates a batch from a client before it is written. REQUIRES: h.producer_id >= 0.
  // Order as in Kafka: duplicate of a cached batch (same epoch, same first and last sequence),
  // then epoch fencing, then sequence continuity.
  producer_check check(const records::batch_header& h) const;
  // Records a batch that was written (offsets assigned). No validation: also used to replay the
  // log at open. Ignores batches without a producer id.
  void apply(const records::batch_header& h);

  // Forgets producers idle for at least `max_idle_ms` (by their last batch timestamp) that have
  // no open transaction (producer.id.expiration.ms).
  void remove_expired(int64_t now_ms, int64_t max_idle_ms);

  const producer_entry* find(int64_t producer_id) const;
  std::vector<producer_description> describe() const;  // sorted by producer id
  std::vector<producer_entry> entries() const;         // sorted by producer id (for snapshots)
  void load(std::vector<producer_entry> entries);      // replaces everything
  void clear() { map_.clear(); }
  size_t size() const { return map_.size(); }
  void set_reject_unknown_producer_sequence(bool on) { reject_unknown_ = on; }

 private:
  std::unordered_map<int64_t, producer_entry> map_;
  bool reject_unknown_;
};

}  // namespace sluice::storage
