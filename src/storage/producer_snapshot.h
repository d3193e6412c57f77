// producer_snapshot: reading and writing producer-state snapshot files
// (docs/formats/producer-snapshot.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "storage/file_system.h"
#include "storage/producer_state.h"

namespace sluice::storage {

std::vector<uint8_t> encode_producer_snapshot(int64_t log_offset, const std::vector<producer_entry>& entries);
// errc::corruption if the bytes are not a valid snapshot for `expected_offset`.
result<std::vector<producer_entry>> decode_producer_snapshot(std::span<const uint8_t> bytes,
                                                             int64_t expected_offset);

// Writes the snapshot of `state` at `log_offset` to `path` (created or replaced) with one pwrite,
// fdatasync'ed only if `sync`. Returns the open file so the caller can sync it later.
result<std::shared_ptr<file>> write_producer_snapshot(file_system& fs, const std::string& path,
                                                      int64_t log_offset, const producer_state& state,
                                                      bool sync);
result<std::vector<producer_entry>> read_producer_snapshot(file_system& fs, const std::string& path,
                                                           int64_t expected_offset);

}  // namespace sluice::storage
