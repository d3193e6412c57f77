// consumer_offsets_log: the group coordinator's persistence on the internal compacted topic
// __consumer_offsets: creates the topic, appends offset commits, group metadata and their
// tombstones in Kafka's record layout (group/offsets_topic_format), and rebuilds the coordinator
// from the topic at start (single node) or as this broker gains and loses the leadership of its
// partitions (cluster mode, docs/cluster.md). docs/formats/consumer-offsets.md describes what is
// written.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "cluster/cluster_snapshot.h"
#include "group/group_types.h"
#include "storage/clock.h"

namespace sluice::cluster {
class topic_table;
}  // namespace sluice::cluster
namespace sluice::group {
class group_coordinator;
}

namespace sluice::broker {

class partition_manager;
class group_commit;
class broker_state;
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
  // at start): adopts __consumer_offsets once the cluster has it, then follows the leadership of
  // its partitions (Kafka's GroupCoordinator.onElection / onResignation): a partition that became
  // led by this broker has its groups loaded from its log (replayed up to the log end, as Kafka's
  // loadGroupsForPartition); one no longer led here has its groups removed from the coordinator
  // (parked members get NOT_COORDINATOR and rejoin at the new coordinator). Loading is
  // synchronous, so there is no "load in progress" state. Leadership is judged against this
  // broker's id, known once bind() was called; until then the snapshot is only remembered.
  void on_cluster_snapshot(const cluster::cluster_snapshot& snapshot);
  // The control shard's state: this broker's id and its replica manager (leader appends advance
  // the high watermark through it). Idempotent; applies the last snapshot seen if any.
  // REQUIRES: `control` outlives this object.
  void bind(broker_state& control);
  bool bound() const { return control_ != nullptr; }

  // Cluster mode: whether this broker coordinates `group_id` (it leads the group's partition and
  // has loaded it): none, or NOT_COORDINATOR. Always none on a single node.
  group::error_code coordinator_error(const std::string& group_id) const;
  // Whether the coordinator follows leadership (a cluster snapshot was applied).
  bool cluster_mode() const { return cluster_mode_; }

  // The partition holding `group_id`'s records; nullptr before ensure_topic().
  partition* partition_of(const std::string& group_id);
  // The outcome of the last append made through a hook (the OffsetCommit handler reports it).
  const result<void>& last_append() const { return last_append_; }
  // Set with a failed last_append() when the append was refused because this broker does not (or
  // no longer) lead the group's partition (Kafka: NOT_LEADER_OR_FOLLOWER -> NOT_COORDINATOR).
  bool last_append_not_leader() const { return last_append_not_leader_; }

  // Cluster mode: where the last append for a group landed, for the answer to wait until the
  // ISR has it (the high watermark passes last_offset). Kept until the group is unloaded or
  // removed.
  struct write_position {
    int32_t leader_epoch = -1;
    int64_t last_offset = -1;
  };
  // The last append made through a hook, if it happened in cluster mode on a leader.
  std::optional<write_position> last_write() const { return last_write_; }
  std::optional<write_position> last_write_of(const std::string& group_id) const;

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
  // Loads and unloads partitions so that the coordinator holds exactly the groups of the
  // partitions `leaderships_` says this broker leads.
  void follow_leadership();
  void unload_partition(int32_t index);

  cluster::topic_table& topics_;
  partition_manager& partitions_;
  group_commit& commits_;
  group::group_coordinator& coordinator_;
  storage::clock& clock_;
  consumer_offsets_settings settings_;
  int32_t partition_count_ = 0;
  result<void> last_append_;
  bool last_append_not_leader_ = false;
  std::optional<write_position> last_write_;
  std::map<std::string, write_position> writes_;  // by group id (cluster mode)

  // Cluster mode.
  bool cluster_mode_ = false;
  bool cleared_ = false;  // groups loaded before the first cluster snapshot were dropped
  broker_state* control_ = nullptr;
  std::vector<cluster::partition_leadership> leaderships_;  // __consumer_offsets, [index]
  std::map<int32_t, int32_t> led_;                          // loaded partition -> leader epoch
};

}  // namespace sluice::broker
