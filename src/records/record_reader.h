// record_reader: iterates the records of one RecordBatch v2 (decompressing when needed, bounded):
// offset, timestamp, key, value, headers. Used by format conversion, compaction and tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "records/batch_header.h"
#include "records/record_codec.h"
#include "records/records_error.h"

namespace sluice::records {

struct read_options {
  // Bound on the decompressed record section (message_too_large beyond it).
  size_t max_uncompressed_bytes = 64u << 20;
  // Check the CRC-32C first (data from a client or an untrusted file).
  bool verify_crc = false;
};

// Reads the records of one batch. Record views point into the batch bytes (uncompressed) or into
// the reader's own decompressed copy, so they live as long as both the reader and the batch (do
// not move the reader once next() has been called).
// Thread-compatible. Usage:
//   auto reader = record_reader::open(batch);
//   if (!reader) ...;
//   record_view r;
//   while (reader->next(r)) { ... }
//   if (reader->error()) ...;
class record_reader {
 public:
  // Checks the header (size, batchLength, magic 2, codec, optionally CRC) and decompresses.
  static records_result<record_reader> open(std::span<const uint8_t> batch, const read_options& options = {});

  const batch_header& header() const { return header_; }

  // Decodes the next record into `out`: absolute offset, and timestamp (the batch's maxTimestamp
  // for LogAppendTime batches, as Kafka reports it). False at the end or on error.
  bool next(record_view& out);
  // Set once next() has failed: bad record framing (invalid_record), or a records count that
  // disagrees with the records present.
  const std::optional<records_error>& error() const { return error_; }
  int32_t records_read() const { return read_; }

 private:
  record_reader() = default;
  bytes_view records() const { return owned_ ? as_bytes(*owned_) : borrowed_; }

  batch_header header_;
  bytes_view borrowed_;               // record section of an uncompressed batch
  std::optional<std::string> owned_;  // decompressed record section
  size_t pos_ = 0;
  int32_t read_ = 0;
  int64_t previous_delta_ = -1;
  std::optional<records_error> error_;
};

// An owning copy of one record.
struct record_data {
  int64_t offset = 0;
  int64_t timestamp = -1;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

// Reads every record of a batch into owning copies.
records_result<std::vector<record_data>> read_records(std::span<const uint8_t> batch,
                                                      const read_options& options = {});

}  // namespace sluice::records
