// consumer_offsets_log: the group coordinator's persistence on the internal compacted topic
// __consumer_offsets: creates the topic, appends offset commits, group metadata and their
// tombstones in Kafka's record layout (group/offsets_topic_format), and rebuilds the coordinator
// from the topic at start. docs/formats/consumer-offsets.md describes what is written.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "group/group_types.h"
#include "storage/clock.h"

namespace sluice::cluster {
class topic_table;
struct cluster_snapshot;
}  // namespace sluice::cluster
namespace sluice::group {
class group_coordinator;
}

namespace sluice::broker {

class partition_manager;
class group_commit;
struct partition;

struct consumer_offsets_settings {
  int32_t num_partitions = 50;        // offsets.topic.num.partitions
  int32_t segment_bytes = 104857600;  // offsets.topic.segment.bytes
  bool fsync_in_background = true;    // start a group-commit fsync after metadata appends
};

struct consumer_offsets_load_stats {
  int64_t records = 0;
  int64_t bytes = 0;
  int64_t skipped = 0;  // records whose key or value could not be decoded
  size_t groups = 0;
};

// Not thread-safe: lives on the shard thread with the coordinator and the partitions.
class consumer_offsets_log final : public group::group_persistence {
 public:
  consumer_offsets_log(cluster::topic_table& topics, partition_manager& partitions, group_commit& commits,
                       group::group_coordinator& coordinator, storage::clock& clock,
                       consumer_offsets_settings settings);

  // Creates __consumer_offsets (compacted) if it does not exist. An existing topic keeps its
  // partition count, as in Kafka, whatever offsets.topic.num.partitions says now.
  result<void> ensure_topic();
  // Replays every partition into the coordinator (last record per key wins, tombstones remove).
  result<consumer_offsets_load_stats> load();

  // Cluster mode, on the control shard with every snapshot the broker applies (and the first one
  // at start): adopts __consumer_offsets once the cluster has it and loads its hosted partitions.
  void on_cluster_snapshot(const cluster::cluster_snapshot& snapshot);

  // The partition holding `group_id`'s records; nullptr before ensure_topic().
  partition* partition_of(const std::string& group_id);
  // The outcome of the last append made through a hook (the OffsetCommit handler reports it).
  const result<void>& last_append() const { return last_append_; }

  // group_persistence
  void offsets_committed(
      const std::string& group_id,
      const std::vector<std::pair<group::topic_partition, group::committed_offset>>& offsets) override;
  void group_changed(const std::string& group_id) override;
  void offsets_removed(const std::string& group_id,
                       const std::vector<group::topic_partition>& partitions) override;
  void group_removed(const std::string& group_id) override;

 private:
  struct record {
    std::string key;
    std::optional<std::string> value;  // nullopt = tombstone
  };
  void append(const std::string& group_id, const std::vector<record>& records);
  result<void> load_partition(partition& p, consumer_offsets_load_stats& stats);

  cluster::topic_table& topics_;
  partition_manager& partitions_;
  group_commit& commits_;
  group::group_coordinator& coordinator_;
  storage::clock& clock_;
  consumer_offsets_settings settings_;
  int32_t partition_count_ = 0;
  result<void> last_append_;
};

}  // namespace sluice::broker
