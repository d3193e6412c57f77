// CRC-32C (Castagnoli), the checksum of Kafka RecordBatch v2, computed with ISA-L's
// hardware-accelerated routine (SSE4.2/PCLMUL when available).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace sluice::records {

// Returns CRC-32C of `data`. crc32c("123456789") == 0xE3069283.
uint32_t crc32c(std::span<const uint8_t> data);
// Continues a CRC-32C: crc32c_extend(crc32c(a), b) == crc32c(a ++ b).
uint32_t crc32c_extend(uint32_t crc, std::span<const uint8_t> data);

}  // namespace sluice::records
