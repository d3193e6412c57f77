// data_dir: startup and shutdown bookkeeping of one data directory (log.dirs entry): the
// clean-shutdown marker, the two offset checkpoints, and discovery of partition directories.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "storage/checkpoint_file.h"
#include "storage/file_system.h"
#include "storage/partition_log.h"

namespace sluice::storage {

struct partition_dir_entry {
  std::string topic;
  int32_t partition = 0;
  std::string path;
};

// What start() found. Value type.
struct data_dir_startup {
  bool clean_shutdown = false;
  checkpoint_map recovery_points;
  checkpoint_map log_start_offsets;
  std::vector<partition_dir_entry> partitions;  // sorted by (topic, partition)

  // The open_options for partition_log::open of one partition.
  open_options options_for(const std::string& topic, int32_t partition) const;
};

// Thread-compatible. The broker calls start() once before opening any log, write_checkpoints()
// periodically (log.flush.offset.checkpoint.interval.ms) with values collected from each log on
// its own thread, and mark_clean_shutdown() after every log's close() succeeded.
class data_dir {
 public:
  data_dir(file_system& fs, std::string path) : fs_(fs), path_(std::move(path)) {}

  // Creates the directory if needed; reads the marker and both checkpoints (a malformed
  // checkpoint is logged and read as empty, which only makes recovery slower); deletes leftover
  // "-delete" directories; lists partition directories; then removes the marker durably so a
  // crash from here on is seen as unclean.
  result<data_dir_startup> start();
  result<void> write_checkpoints(const checkpoint_map& recovery_points,
                                 const checkpoint_map& log_start_offsets);
  result<void> mark_clean_shutdown();

  std::string partition_path(std::string_view topic, int32_t partition) const;
  const std::string& path() const { return path_; }

 private:
  file_system& fs_;
  std::string path_;
};

}  // namespace sluice::storage
