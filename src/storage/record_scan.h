// record_scan: record-level lookups inside one batch (ListOffsets by timestamp), kept apart from
// the header-only segment code.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "records/batch_header.h"

namespace sluice::storage {

struct record_position {
  int64_t offset = -1;
  int64_t timestamp = -1;
};

// The first record of an uncompressed batch with timestamp >= ts: {offset, timestamp} (the batch
// maxTimestamp for LogAppendTime batches). nullopt if the batch is compressed, malformed or has
// no such record.
std::optional<record_position> first_record_at_or_after(std::span<const uint8_t> batch, int64_t ts);

}  // namespace sluice::storage
