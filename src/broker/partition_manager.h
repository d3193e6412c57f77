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
#include "storage/checkpoint_file.h"
#include "storage/clock.h"
#include "storage/file_system.h"
#include "storage/log_config.h"

namespace sluice::storage {
class fd_cache;
}

namespace sluice::broker {

// Turns a topic's overrides plus the broker defaults into its storage settings.
using log_config_resolver = std::function<storage::log_config(const cluster::topic_info&)>;
// Whether this manager hosts partition `index` of `topic` (its shard owns it).
using ownership = std::function<bool(const std::string& topic, int32_t index)>;

// The logs behind the topic table, as topic_admin changes them: one partition_manager, or every
// shard's (sharded_partitions).
class partition_host {
 public:
  virtual ~partition_host() = default;
  // Creates (empty) logs for partitions [first, topic.partition_count) of `topic`.
  virtual result<void> add_partitions(const cluster::topic_info& topic, int32_t first) = 0;
  // Closes and deletes every log of `topic`.
  virtual result<void> remove_topic(const std::string& topic) = 0;
  // Re-resolves a topic's config after an override change.
  virtual void reconfigure(const cluster::topic_info& topic) = 0;
};

// What a start needs from the data directory before opening logs: whether the last shutdown was
// clean, and the recovery points and log start offsets checkpointed then. Read once, shared by
// every shard's manager.
struct recovery_state {
  bool clean_start = false;
  storage::checkpoint_map recovery_points;
  storage::checkpoint_map log_starts;
};
result<recovery_state> read_recovery_state(storage::file_system& fs, const std::string& data_dir);
// Writes recovery-point-offset-checkpoint and log-start-offset-checkpoint (all shards' entries).
result<void> write_checkpoint_files(storage::file_system& fs, const std::string& data_dir,
                                    const storage::checkpoint_map& recovery_points,
                                    const storage::checkpoint_map& log_starts);

// The partitions one shard hosts. Not thread-safe: owned by its shard's thread.
class partition_manager : public partition_host {
 public:
  // `fds` (optional, the shard's) bounds the log files held open.
  partition_manager(storage::file_system& fs, storage::clock& clk, std::string data_dir,
                    log_config_resolver resolver, ownership owns = {}, storage::fd_cache* fds = nullptr);

  // Opens every owned partition of every topic in `topics` (recovering after an unclean
  // shutdown, per `recovery`). The caller removes the clean-shutdown marker once every shard has
  // opened its logs.
  result<void> open_all(const cluster::topic_table& topics, const recovery_state& recovery);

  partition* find(const std::string& topic, int32_t index);
  // All partitions of a topic, in index order (empty if unknown).
  std::vector<partition*> topic_partitions(const std::string& topic);

  // Creates (empty) logs for the owned partitions in [first, topic.partition_count) of `topic`.
  result<void> add_partitions(const cluster::topic_info& topic, int32_t first) override;
  // Closes and deletes every log of `topic`; its directories are renamed away at once so the name
  // can be reused immediately.
  result<void> remove_topic(const std::string& topic) override;
  // Re-resolves a topic's config after an override change.
  void reconfigure(const cluster::topic_info& topic) override;
  // Cluster mode: deletes one hosted partition's log (its replica moved to other brokers).
  result<void> remove_partition(const std::string& topic, int32_t index);

  // Retention pass over every partition; returns the number of segments deleted.
  int apply_retention(int64_t now_ms);
  // Adds this manager's recovery points and log start offsets to the maps.
  void collect_checkpoints(storage::checkpoint_map& recovery_points, storage::checkpoint_map& log_starts);
  // Clean shutdown: closes every log (flush + snapshots). The caller then writes the checkpoints
  // (collect_checkpoints) and the clean-shutdown marker, if every shard closed cleanly.
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
  ownership owns_;
  storage::fd_cache* fds_ = nullptr;
  std::map<std::pair<std::string, int32_t>, std::unique_ptr<partition>> partitions_;
};

}  // namespace sluice::broker
