// fetch_conversion: Fetch v0-3 answers: stored v2 batches down-converted to a magic 0/1 message set.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"
#include "storage/partition_log.h"

namespace sluice::broker {

// Reads the slices' bytes and converts them to a message set for Fetch `version` (magic 0 for
// v0-1, magic 1 for v2-3), starting at `fetch_offset`, at most `max_bytes` (at least one message).
result<std::string> down_convert_for_fetch(const storage::read_result& read, int64_t fetch_offset,
                                           int16_t version, size_t max_bytes);

}  // namespace sluice::broker
