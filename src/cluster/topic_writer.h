// topic_writer: where a cluster-mode broker sends topic changes (the cluster's metadata store,
// ZooKeeper), instead of changing its own topic table. The change comes back to every broker,
// this one included, as a new cluster snapshot.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cluster/topic_table.h"

namespace sluice::cluster {

class topic_writer {
 public:
  virtual ~topic_writer() = default;
  virtual topic_result create_topic(const std::string& name, int32_t partitions, int16_t replication_factor,
                                    const std::map<std::string, std::string>& configs,
                                    bool validate_only) = 0;
  virtual topic_result delete_topic(const std::string& name) = 0;
  virtual topic_result add_partitions(const std::string& name, int32_t new_total, bool validate_only) = 0;
  virtual topic_result set_topic_configs(const std::string& name,
                                         const std::map<std::string, std::string>& configs) = 0;
  // ElectLeaders: asks the controller for a preferred-leader election (or, `unclean`, an election
  // among all live replicas of leaderless partitions) of these partitions; the outcome arrives as
  // snapshots.
  virtual void request_election(std::vector<std::pair<std::string, int32_t>> partitions, bool unclean) = 0;
  // AlterPartitionReassignments: moves partition `partition` of `topic` to `target` replicas, or
  // (nullopt) cancels its reassignment in progress. The controller completes it once every target
  // replica is in the ISR.
  virtual topic_result reassign(const std::string& topic, int32_t partition,
                                const std::optional<std::vector<int32_t>>& target) = 0;
};

}  // namespace sluice::cluster
