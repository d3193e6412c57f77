// format_constants: every on-disk constant of the storage formats (docs/formats/*.md), in one place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

#include "records/batch_header.h"

namespace sluice::storage::format {

// Segment files (docs/formats/segment.md).
inline constexpr int file_name_offset_digits = 20;
inline constexpr int64_t max_relative_offset = std::numeric_limits<int32_t>::max();  // S3
inline constexpr int64_t max_segment_bytes = std::numeric_limits<int32_t>::max();    // S4
inline constexpr int32_t min_batch_length =                                          // S5
    static_cast<int32_t>(records::batch_layout::header_size - records::batch_layout::log_overhead);
inline constexpr int8_t batch_magic = 2;

// Index files (docs/formats/index.md).
inline constexpr size_t offset_index_entry_size = 8;  // int32 relative offset, int32 position
inline constexpr size_t time_index_entry_size = 12;   // int64 timestamp, int32 relative offset

// Checkpoint files (docs/formats/checkpoint.md).
inline constexpr int checkpoint_version = 0;

// Producer-state snapshots (docs/formats/producer-snapshot.md).
inline constexpr uint32_t producer_snapshot_magic = 0x534C5053;  // "SLPS"
inline constexpr int16_t producer_snapshot_version = 1;
inline constexpr size_t producer_snapshot_header_size = 20;
inline constexpr size_t producer_snapshot_entry_size = 31;  // without its batches
inline constexpr size_t producer_snapshot_batch_size = 32;
inline constexpr size_t producer_snapshot_crc_size = 4;
inline constexpr int producer_batches_to_retain = 5;  // Kafka's NUM_BATCHES_TO_RETAIN

}  // namespace sluice::storage::format
