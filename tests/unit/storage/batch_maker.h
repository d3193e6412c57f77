// batch_maker: builds valid RecordBatch v2 bytes (uncompressed records, real CRC-32C) for tests,
// plus a temporary-directory fixture and slice readers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/file_system.h"
#include "storage/partition_log.h"

namespace sluice::storage::test {

struct batch_spec {
  int records = 1;
  int64_t base_timestamp = 0;  // timestamp of the first record
  int64_t timestamp_step = 0;  // added per record
  size_t value_size = 10;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  bool transactional = false;
  int16_t codec_bits = 0;  // claimed compression (records are not really compressed)
};

// A whole batch with base offset 0, as a producer sends it.
std::vector<uint8_t> make_batch(const batch_spec& spec);

// A fresh directory under /tmp, removed (recursively) at destruction.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Reads the bytes a read_result refers to (through the slice fds, as sendfile would).
std::vector<uint8_t> slurp(const read_result& r);
// Splits concatenated batches into their headers.
std::vector<records::batch_header> headers_of(const std::vector<uint8_t>& bytes);

// Appends a batch and asserts success; returns the info.
append_info must_append(partition_log& log, const batch_spec& spec);

}  // namespace sluice::storage::test
