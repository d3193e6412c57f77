// log_config: the per-partition storage settings, named after Kafka's topic configs, with Kafka's
// defaults. The config module maps `segment.bytes` etc. onto these fields.
#pragma once

#include <cstdint>
#include <limits>

namespace sluice::storage {

enum class timestamp_type { create_time, log_append_time };

// Value type. Field = Kafka topic config (broker default config in parentheses).
struct log_config {
  int64_t segment_bytes = 1LL << 30;                 // segment.bytes (log.segment.bytes), 1 GiB
  int64_t segment_ms = 7LL * 24 * 60 * 60 * 1000;    // segment.ms (log.roll.ms), 7 days
  int64_t retention_ms = 7LL * 24 * 60 * 60 * 1000;  // retention.ms (log.retention.ms); -1 = infinite
  int64_t retention_bytes = -1;                      // retention.bytes (log.retention.bytes); -1 = infinite
  int32_t index_interval_bytes = 4096;               // index.interval.bytes (log.index.interval.bytes)
  int32_t segment_index_bytes = 10 * 1024 * 1024;    // segment.index.bytes (log.index.size.max.bytes)
  int32_t max_message_bytes = 1048588;               // max.message.bytes (message.max.bytes)
  timestamp_type message_timestamp_type = timestamp_type::create_time;  // message.timestamp.type
  // flush.messages / flush.ms (log.flush.interval.messages / log.flush.interval.ms): Kafka's
  // page-cache mode knobs. Long.MAX_VALUE (the default) leaves durability to replication / the
  // group-commit flusher; smaller values make partition_log::flush_due() report true.
  int64_t flush_messages = std::numeric_limits<int64_t>::max();
  int64_t flush_ms = std::numeric_limits<int64_t>::max();
  int64_t file_delete_delay_ms = 60000;  // file.delete.delay.ms (log.segment.delete.delay.ms)
  // cleanup.policy (log.cleanup.policy): "delete", "compact" or both. Retention by time and size
  // applies only with delete; the log cleaner (log_cleaner.h) works only with compact.
  // compression.type: the codec batches are stored with (Kafka's codec ids 0-4; recompressed on
  // produce when they arrive with another), or -1 for "producer" (stored as sent).
  int8_t compression_codec = -1;
  bool cleanup_delete = true;
  bool cleanup_compact = false;
  int64_t delete_retention_ms = 86400000;  // delete.retention.ms (log.cleaner.delete.retention.ms)
  double min_cleanable_dirty_ratio = 0.5;  // min.cleanable.dirty.ratio (log.cleaner.min.cleanable.ratio)
  int64_t min_compaction_lag_ms = 0;       // min.compaction.lag.ms (log.cleaner.min.compaction.lag.ms)
  int64_t max_compaction_lag_ms = std::numeric_limits<int64_t>::max();  // max.compaction.lag.ms
  // producer.id.expiration.ms (broker config): idle producers are forgotten after this long.
  int64_t producer_id_expiration_ms = 86400000;
  // Sluice switch, no Kafka config: answer a first batch with sequence != 0 from a producer id
  // without state with UNKNOWN_PRODUCER_ID (Kafka <= 2.4) instead of accepting it (Kafka >= 2.5,
  // KIP-360). See producer_state.
  bool reject_unknown_producer_sequence = false;
};

}  // namespace sluice::storage
