// compaction_filter: decides, for one stored RecordBatch v2, which records a compaction pass keeps
// and produces the batch to write in the cleaned segment (the original bytes, a rewritten batch,
// an empty batch header, or nothing). Pure: no I/O, no clock.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>

#include "base/result.h"
#include "records/batch_header.h"
#include "storage/offset_map.h"

namespace sluice::storage {

// What the filter needs to know about the pass. Value type.
struct compaction_context {
  const offset_map* map = nullptr;  // key → latest offset in the dirty section (may be empty)
  int64_t now_ms = 0;
  int64_t delete_retention_ms = 0;  // delete.retention.ms: tombstone horizon = first pass + this
  // Active idempotent producers: producer id → last offset of its last batch. That batch is kept
  // (as an empty header if all its records go) so the producer's sequence state survives.
  const std::unordered_map<int64_t, int64_t>* producer_last_offsets = nullptr;
};

enum class filter_action {
  keep,     // write the original bytes
  rewrite,  // write `bytes`
  drop,     // write nothing
};

struct filter_result {
  filter_action action = filter_action::keep;
  std::string bytes;  // for rewrite
  int32_t records_in = 0;
  int32_t records_kept = 0;
  // The delete horizon of the written batch if it still holds tombstones, else -1: the cleaner
  // must pass again once now >= horizon to remove them.
  int64_t tombstone_horizon = -1;
};

// Filters one whole batch read from a segment. `must_keep_header`: the batch ends a cleaned file,
// so it survives at least as an empty batch (segments stay contiguous in offsets: the next
// segment's base offset is this batch's last offset + 1, which recovery relies on).
// Rules (Kafka's LogCleaner / KIP-534):
//   * control batches (transaction markers) are kept as they are;
//   * a record whose key maps to a later offset is dropped; a record without a key is dropped;
//   * a tombstone (null value) that is the latest for its key is kept until the batch's delete
//     horizon has passed; a batch that holds kept tombstones and has no horizon yet is rewritten
//     with attribute bit 6 set and baseTimestamp = now + delete.retention.ms;
//   * a rewritten batch keeps its base offset, lastOffsetDelta, partition leader epoch, producer
//     id/epoch, base sequence, timestamp type and codec (recompressed with the same codec);
//   * a batch left without records is dropped, unless it is the last batch of an active producer
//     or must_keep_header: then only its header is written (recordsCount 0, uncompressed).
// Errors: corruption if the batch's records do not decode.
result<filter_result> filter_batch(std::span<const uint8_t> batch, const compaction_context& ctx,
                                   bool must_keep_header);

// The empty batch Kafka writes to preserve producer state: the header of `h` with recordsCount 0,
// no codec, no delete horizon, baseTimestamp = maxTimestamp.
std::string empty_batch_like(const records::batch_header& h);

}  // namespace sluice::storage
