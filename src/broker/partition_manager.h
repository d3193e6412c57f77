// partition_manager: opens, creates, reconfigures and removes the partition logs this broker hosts,
// and keeps the data directory's checkpoints (recovery points, log start offsets, clean marker).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "broker/partition.h"
#include "cluster/topic_table.h"
#include "storage/clock.h"
#include "storage/file_system.h"
#include "storage/log_config.h"

namespace sluice::broker {

// Turns a topic's overrides plus the broker defaults into its storage settings.
using log_config_resolver = std::function<storage::log_config(const cluster::topic_info&)>;

// Not thread-safe: owned by the shard thread.
class partition_manager {
 public:
  partition_manager(storage::file_system& fs, storage::clock& clk, std::string data_dir,
                    log_config_resolver resolver);

  // Opens every partition of every topic in `topics` (recovering after an unclean shutdown), then
  // removes the clean-shutdown marker so a crash from now on is detected.
  result<void> open_all(const cluster::topic_table& topics);

  partition* find(const std::string& topic, int32_t index);
  // All partitions of a topic, in index order (empty if unknown).
  std::vector<partition*> topic_partitions(const std::string& topic);

  // Creates (empty) logs for partitions [first, topic.partition_count) of `topic`.
  result<void> add_partitions(const cluster::topic_info& topic, int32_t first);
  // Closes and deletes every log of `topic`; its directories are renamed away at once so the name
  // can be reused immediately.
  result<void> remove_topic(const std::string& topic);
  // Re-resolves a topic's config after an override change.
  void reconfigure(const cluster::topic_info& topic);

  // Retention pass over every partition; returns the number of segments deleted.
  int apply_retention(int64_t now_ms);
  // Persists recovery points and log start offsets.
  result<void> write_checkpoints();
  // Clean shutdown: closes every log (flush + snapshots), writes the checkpoints and the clean
  // shutdown marker.
  result<void> close_all();

  template <class F>
  void for_each(F&& f) {
    for (auto& [key, p] : partitions_) f(*p);
  }
  size_t size() const { return partitions_.size(); }
  const std::string& data_dir() const { return data_dir_; }

 private:
  result<std::unique_ptr<partition>> open_partition(const cluster::topic_info& topic, int32_t index,
                                                    const storage::open_options& options);

  storage::file_system& fs_;
  storage::clock& clock_;
  std::string data_dir_;
  log_config_resolver resolver_;
  std::map<std::pair<std::string, int32_t>, std::unique_ptr<partition>> partitions_;
};

}  // namespace sluice::broker
