// topic_admin: topic lifecycle operations that span the topic table and the hosted logs: create
// (explicit and automatic), delete, add partitions, change config overrides.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "cluster/topic_table.h"
#include "cluster/topic_writer.h"

namespace sluice::broker {

class partition_host;

// Validates a topic's overrides against the broker config; returns "" when valid, else the reason
// (the key and what is wrong with it).
using topic_config_validator = std::function<std::string(const std::map<std::string, std::string>&)>;

struct topic_defaults {
  int32_t num_partitions = 1;
  int16_t default_replication_factor = 1;
  bool auto_create = true;
  bool delete_enabled = true;
};

// Not thread-safe: used on the control shard (its partition_host reaches the other shards).
class topic_admin {
 public:
  topic_admin(cluster::topic_table& topics, partition_host& partitions, topic_config_validator validator,
              topic_defaults defaults)
      : topics_(topics), partitions_(partitions), validator_(std::move(validator)), defaults_(defaults) {}

  // partitions / replication_factor of -1 mean "the broker default". A single broker honours only
  // replication factor 1; in cluster mode the replicas are placed over the live brokers.
  cluster::topic_result create(const std::string& name, int32_t partitions, int16_t replication_factor,
                               const std::map<std::string, std::string>& configs, bool validate_only);
  // An internal topic (__consumer_offsets), which create() refuses by name: Kafka's
  // getOrCreateInternalTopic. In cluster mode it goes to the cluster's store like any topic (the
  // configs are not checked against the broker config: the caller chose them); on a single node
  // the caller (consumer_offsets_log::ensure_topic) creates it in the table itself, so this answers
  // INVALID_REQUEST there.
  cluster::topic_result create_internal(const std::string& name, int32_t partitions,
                                        int16_t replication_factor,
                                        const std::map<std::string, std::string>& configs);
  // Auto-creation (Metadata / Produce) with the broker defaults, if auto.create.topics.enable.
  cluster::topic_result auto_create(const std::string& name);
  cluster::topic_result remove(const std::string& name);
  cluster::topic_result add_partitions(const std::string& name, int32_t new_total, bool validate_only);
  cluster::topic_result set_configs(const std::string& name,
                                    const std::map<std::string, std::string>& configs, bool validate_only);

  const topic_defaults& defaults() const { return defaults_; }
  // Cluster mode: topic changes go to the cluster's store (and come back as snapshots the broker
  // applies to its table and logs). Set before serving; null = single node.
  void set_writer(cluster::topic_writer* w) { writer_ = w; }
  bool cluster_mode() const { return writer_ != nullptr; }
  // "" when the overrides are valid.
  std::string validate_configs(const std::map<std::string, std::string>& configs) const {
    return validator_(configs);
  }

 private:
  cluster::topic_table& topics_;
  partition_host& partitions_;
  topic_config_validator validator_;
  topic_defaults defaults_;
  cluster::topic_writer* writer_ = nullptr;
};

}  // namespace sluice::broker
