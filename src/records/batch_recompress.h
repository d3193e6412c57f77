// batch_recompress: rewrites a RecordBatch v2 with its records compressed by another codec, for a
// topic whose compression.type is not "producer" (Kafka's LogValidator recompression).
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "records/batch_header.h"
#include "records/records_error.h"

namespace sluice::records {

// Returns `batch` with its records section re-encoded by `target` (compression::none stores them
// uncompressed). Every header field keeps its value (base offset, producer id/epoch/sequence,
// timestamps, count, transactional and timestamp-type bits); the codec bits, batch length and CRC
// are rewritten. The records themselves are byte-for-byte the same. A decompressed section larger
// than `max_uncompressed` -> message_too_large; an undecodable one -> corrupt_message.
// REQUIRES: `batch` is exactly one batch that passed validate_batch.
records_result<std::string> recompress_batch(std::span<const uint8_t> batch, compression target,
                                             size_t max_uncompressed);

}  // namespace sluice::records
