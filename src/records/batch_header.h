// batch_header: the fixed 61-byte header of a Kafka RecordBatch (magic 2), parsed from and
// patched in place in the on-wire / on-disk bytes. Layout constants live here and only here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace sluice::records {

// Byte offsets of the RecordBatch v2 header fields (see docs/formats/segment.md).
namespace batch_layout {
inline constexpr size_t base_offset = 0;              // int64
inline constexpr size_t batch_length = 8;             // int32: bytes after this field
inline constexpr size_t partition_leader_epoch = 12;  // int32 (not covered by the CRC)
inline constexpr size_t magic = 16;                   // int8 == 2
inline constexpr size_t crc = 17;                     // uint32 CRC-32C of [attributes, end)
inline constexpr size_t attributes = 21;              // int16
inline constexpr size_t last_offset_delta = 23;       // int32
inline constexpr size_t base_timestamp = 27;          // int64
inline constexpr size_t max_timestamp = 35;           // int64
inline constexpr size_t producer_id = 43;             // int64
inline constexpr size_t producer_epoch = 51;          // int16
inline constexpr size_t base_sequence = 53;           // int32
inline constexpr size_t records_count = 57;           // int32
inline constexpr size_t header_size = 61;
// Bytes of the prefix (baseOffset + batchLength) not counted by batchLength.
inline constexpr size_t log_overhead = 12;
}  // namespace batch_layout

enum class compression : uint8_t { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };

namespace batch_attr {
inline constexpr int16_t compression_mask = 0x07;
inline constexpr int16_t log_append_time = 0x08;
inline constexpr int16_t transactional = 0x10;
inline constexpr int16_t control = 0x20;
inline constexpr int16_t delete_horizon = 0x40;
}  // namespace batch_attr

// A decoded copy of the header fields. Value type.
struct batch_header {
  int64_t base_offset = 0;
  int32_t batch_length = 0;
  int32_t partition_leader_epoch = -1;
  int8_t magic = 2;
  uint32_t crc = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = -1;
  int64_t max_timestamp = -1;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t records_count = 0;

  // Total bytes of the batch on the wire / on disk.
  size_t total_size() const { return batch_layout::log_overhead + static_cast<size_t>(batch_length); }
  // Wraps instead of overflowing on hostile headers (the validator rejects those separately).
  int64_t last_offset() const {
    return static_cast<int64_t>(static_cast<uint64_t>(base_offset) +
                                static_cast<uint64_t>(int64_t{last_offset_delta}));
  }
  compression codec() const { return static_cast<compression>(attributes & batch_attr::compression_mask); }
  bool is_transactional() const { return attributes & batch_attr::transactional; }
  bool is_control() const { return attributes & batch_attr::control; }
  bool has_log_append_time() const { return attributes & batch_attr::log_append_time; }
  bool has_producer_id() const { return producer_id >= 0; }
};

// Parses the first 61 bytes. Returns nullopt if fewer than 61 bytes are given. Does not validate
// magic, lengths or CRC (see batch_validator for that).
std::optional<batch_header> parse_batch_header(std::span<const uint8_t> bytes);

// Reads the magic byte of a batch or legacy message (same position, byte 16), or -1 if too short.
int peek_magic(std::span<const uint8_t> bytes);

// CRC-32C as stored in the header, and as computed over bytes [attributes, end of batch).
// REQUIRES: bytes.size() >= header_size and holds exactly one whole batch.
uint32_t stored_crc(std::span<const uint8_t> batch);
uint32_t compute_crc(std::span<const uint8_t> batch);

// In-place patches of a whole batch's bytes. set_base_offset and set_partition_leader_epoch do not
// touch CRC-covered bytes; set_log_append_time rewrites attributes + maxTimestamp and the CRC.
void set_base_offset(std::span<uint8_t> batch, int64_t base_offset);
void set_partition_leader_epoch(std::span<uint8_t> batch, int32_t epoch);
void set_log_append_time(std::span<uint8_t> batch, int64_t timestamp_ms);
// Rewrites maxTimestamp (keeping the timestamp type) and the CRC. Kafka sets a CreateTime
// batch's maxTimestamp to the largest record timestamp (batch_info::max_record_timestamp).
void set_max_timestamp(std::span<uint8_t> batch, int64_t timestamp_ms);

// Big-endian helpers for fixed-width fields.
int64_t load_be64(const uint8_t* p);
int32_t load_be32(const uint8_t* p);
int16_t load_be16(const uint8_t* p);
void store_be64(uint8_t* p, int64_t v);
void store_be32(uint8_t* p, int32_t v);
void store_be16(uint8_t* p, int16_t v);

}  // namespace sluice::records
