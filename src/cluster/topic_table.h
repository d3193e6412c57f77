// topic_table: the single-node metadata store: which topics exist, their ids, partition counts and
// per-topic config overrides, persisted in <log.dir>/__sluice/topics.json (docs/formats/metadata.md).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/uuid.h"

namespace sluice::cluster {

struct topic_info {
  std::string name;
  uuid_bytes id{};
  int32_t partition_count = 0;
  std::map<std::string, std::string> config_overrides;
  bool internal = false;
};

// Why a topic operation was refused, for mapping to Kafka error codes by the broker.
enum class topic_error {
  none,
  invalid_name,                // INVALID_TOPIC_EXCEPTION
  already_exists,              // TOPIC_ALREADY_EXISTS
  not_found,                   // UNKNOWN_TOPIC_OR_PARTITION
  invalid_partitions,          // INVALID_PARTITIONS
  storage,                     // KAFKA_STORAGE_ERROR (the metadata file could not be written)
  invalid_config,              // INVALID_CONFIG
  invalid_replication_factor,  // INVALID_REPLICATION_FACTOR
  invalid_request,             // INVALID_REQUEST
  invalid_replica_assignment,  // INVALID_REPLICA_ASSIGNMENT
  no_reassignment,             // NO_REASSIGNMENT_IN_PROGRESS
};

struct topic_result {
  topic_error code = topic_error::none;
  std::string message;
  bool ok() const { return code == topic_error::none; }
};

// Not thread-safe: owned and used by the broker's metadata shard. Every mutation is written to disk
// (write temp, fsync, rename, fsync dir) before it returns, so an acknowledged CreateTopics survives
// a crash.
class topic_table {
 public:
  // Loads (or starts empty) the table stored under `dir` (created if missing).
  static result<std::unique_ptr<topic_table>> open(std::string dir);

  const topic_info* find(const std::string& name) const;
  const topic_info* find_by_id(const uuid_bytes& id) const;
  std::vector<const topic_info*> list() const;
  size_t size() const { return topics_.size(); }

  // Checks that `name` could be created now (valid, no existing topic or '.'/'_' collision).
  topic_result check_create(const std::string& name, int32_t partitions) const;
  topic_result create(const std::string& name, int32_t partitions, std::map<std::string, std::string> configs,
                      bool internal = false);
  // Cluster mode: records a topic the cluster already has, with its id (no name checks).
  topic_result adopt(const std::string& name, const uuid_bytes& id, int32_t partitions,
                     std::map<std::string, std::string> configs, bool internal);
  topic_result erase(const std::string& name);
  topic_result set_partition_count(const std::string& name, int32_t partitions);
  topic_result set_config_overrides(const std::string& name, std::map<std::string, std::string> configs);

  const std::string& dir() const { return dir_; }

 private:
  explicit topic_table(std::string dir) : dir_(std::move(dir)) {}
  result<void> persist() const;

  std::string dir_;
  std::map<std::string, topic_info> topics_;
};

}  // namespace sluice::cluster
