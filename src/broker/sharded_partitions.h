// sharded_partitions: the partition_host over every shard's partition_manager: topic creation,
// deletion and reconfiguration reach each shard (for the partitions it owns) and, when the set of
// topics changed, hand every shard a new topic directory.
#pragma once

#include <functional>
#include <vector>

#include "broker/partition_manager.h"
#include "broker/shard_set.h"

namespace sluice::broker {

// Used on the control shard only: each call blocks it until every shard has done its part (the
// shards work in parallel). Admin operations are rare and short; produce and fetch never wait on
// them except on their own shard's turn.
class sharded_partitions : public partition_host {
 public:
  // `managers[i]` is shard i's; `topics_changed` runs (on the control shard) after a topic's logs
  // were created or removed.
  sharded_partitions(shard_set& shards, std::vector<partition_manager*> managers,
                     std::function<void()> topics_changed)
      : shards_(shards), managers_(std::move(managers)), topics_changed_(std::move(topics_changed)) {}

  result<void> add_partitions(const cluster::topic_info& topic, int32_t first) override;
  result<void> remove_topic(const std::string& topic) override;
  void reconfigure(const cluster::topic_info& topic) override;

 private:
  // Runs op on every shard's manager; returns the first error.
  result<void> on_every_shard(const std::function<result<void>(partition_manager&)>& op);

  shard_set& shards_;
  std::vector<partition_manager*> managers_;
  std::function<void()> topics_changed_;
};

}  // namespace sluice::broker
