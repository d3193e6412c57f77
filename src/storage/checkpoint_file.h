// checkpoint_file: Kafka-style text checkpoints (recovery points, log start offsets) and the
// clean-shutdown marker in a data directory root (docs/formats/checkpoint.md).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "base/result.h"
#include "storage/file_system.h"

namespace sluice::storage {

// (topic, partition) → offset, ordered for stable files.
using checkpoint_map = std::map<std::pair<std::string, int32_t>, int64_t>;

// One checkpoint file. Not thread-safe: callers serialise writes to the same file.
class checkpoint_file {
 public:
  checkpoint_file(file_system& fs, std::string path) : fs_(fs), path_(std::move(path)) {}

  // A missing file reads as an empty map; a malformed one is errc::corruption.
  result<checkpoint_map> read() const;
  // Atomic replace: write <path>.tmp, fdatasync, rename over <path>, fsync the directory.
  result<void> write(const checkpoint_map& offsets) const;

  const std::string& path() const { return path_; }

 private:
  file_system& fs_;
  std::string path_;
};

std::string format_checkpoint(const checkpoint_map& offsets);
result<checkpoint_map> parse_checkpoint(std::string_view text);

// The `.clean_shutdown` marker of a data directory.
result<bool> clean_shutdown_marker_exists(file_system& fs, const std::string& data_dir);
// Creates the marker durably (file fdatasync'ed, directory fsync'ed).
result<void> write_clean_shutdown_marker(file_system& fs, const std::string& data_dir);
// Deletes the marker durably; ok if it is absent.
result<void> remove_clean_shutdown_marker(file_system& fs, const std::string& data_dir);

}  // namespace sluice::storage
