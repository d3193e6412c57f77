// topic_admin: create/delete/grow/reconfigure topics, keeping the table and the logs in step.
#include "broker/topic_admin.h"

#include <spdlog/spdlog.h>

#include "broker/partition_manager.h"
#include "cluster/topic_name.h"

namespace sluice::broker {
using cluster::topic_error;
using cluster::topic_result;

topic_result topic_admin::create(const std::string& name, int32_t partitions, int16_t replication_factor,
                                 const std::map<std::string, std::string>& configs, bool validate_only) {
  if (partitions == -1) partitions = defaults_.num_partitions;
  if (replication_factor == -1) replication_factor = defaults_.default_replication_factor;
  if (auto r = topics_.check_create(name, partitions); !r.ok()) return r;
  if (cluster::is_internal_topic(name)) {
    return {topic_error::invalid_name, "Topic name '" + name + "' is reserved for internal use."};
  }
  if (writer_) {
    if (auto why = validator_(configs); !why.empty()) return {topic_error::invalid_config, why};
    return writer_->create_topic(name, partitions, replication_factor, configs, validate_only);
  }
  if (replication_factor != 1) {
    return {
        topic_error::invalid_replication_factor,
        "Replication factor: " + std::to_string(replication_factor) + " larger than available brokers: 1."};
  }
  if (auto why = validator_(configs); !why.empty()) return {topic_error::invalid_config, why};
  if (validate_only) return {};
  if (auto r = topics_.create(name, partitions, configs); !r.ok()) return r;
  const auto* info = topics_.find(name);
  if (auto r = partitions_.add_partitions(*info, 0); !r.ok()) {
    spdlog::error("creating logs for topic {}: {}", name, r.err().message);
    (void)partitions_.remove_topic(name);  // best effort: the creation already failed
    (void)topics_.erase(name);
    return {topic_error::storage, r.err().message};
  }
  spdlog::info("created topic {} with {} partition(s)", name, partitions);
  return {};
}

topic_result topic_admin::create_internal(const std::string& name, int32_t partitions,
                                          int16_t replication_factor,
                                          const std::map<std::string, std::string>& configs) {
  if (!cluster::is_internal_topic(name)) {
    return {topic_error::invalid_request, "Topic " + name + " is not an internal topic."};
  }
  if (!writer_) return {topic_error::invalid_request, "internal topics of a single node are created locally"};
  spdlog::info("creating internal topic {} with {} partition(s), replication factor {}", name, partitions,
               replication_factor);
  return writer_->create_topic(name, partitions, replication_factor, configs, /*validate_only=*/false);
}

topic_result topic_admin::auto_create(const std::string& name) {
  if (!defaults_.auto_create) return {topic_error::not_found, "auto.create.topics.enable is false"};
  return create(name, -1, -1, {}, false);
}

topic_result topic_admin::remove(const std::string& name) {
  if (!defaults_.delete_enabled) return {topic_error::invalid_request, "delete.topic.enable is false"};
  if (!topics_.find(name)) return {topic_error::not_found, "This server does not host this topic-partition."};
  // The group (and later transaction) coordinator keeps its state in the internal topics.
  if (cluster::is_internal_topic(name)) {
    return {topic_error::invalid_request, "Topic " + name + " is an internal topic and cannot be deleted."};
  }
  if (writer_) return writer_->delete_topic(name);
  // Table first: once the name is gone it can be recreated; the logs are renamed away at once.
  if (auto r = topics_.erase(name); !r.ok()) return r;
  if (auto r = partitions_.remove_topic(name); !r.ok()) {
    spdlog::error("deleting logs of topic {}: {}", name, r.err().message);
  }
  spdlog::info("deleted topic {}", name);
  return {};
}

topic_result topic_admin::add_partitions(const std::string& name, int32_t new_total, bool validate_only) {
  const auto* info = topics_.find(name);
  if (!info) return {topic_error::not_found, "This server does not host this topic-partition."};
  // More partitions would move groups to other partitions (partition = hash % count) and strand
  // their committed offsets.
  if (cluster::is_internal_topic(name)) {
    return {topic_error::invalid_request, "Partitions of internal topic " + name + " cannot be added."};
  }
  if (new_total <= info->partition_count) {
    return {topic_error::invalid_partitions, "Topic currently has " + std::to_string(info->partition_count) +
                                                 " partitions, " + std::to_string(new_total) +
                                                 " would not be an increase."};
  }
  if (writer_) return writer_->add_partitions(name, new_total, validate_only);
  if (validate_only) return {};
  const int32_t old = info->partition_count;
  if (auto r = topics_.set_partition_count(name, new_total); !r.ok()) return r;
  if (auto r = partitions_.add_partitions(*topics_.find(name), old); !r.ok()) {
    return {topic_error::storage, r.err().message};
  }
  return {};
}

topic_result topic_admin::set_configs(const std::string& name,
                                      const std::map<std::string, std::string>& configs, bool validate_only) {
  if (!topics_.find(name)) return {topic_error::not_found, "This server does not host this topic-partition."};
  if (auto why = validator_(configs); !why.empty()) return {topic_error::invalid_config, why};
  if (validate_only) return {};
  if (writer_) return writer_->set_topic_configs(name, configs);
  if (auto r = topics_.set_config_overrides(name, configs); !r.ok()) return r;
  partitions_.reconfigure(*topics_.find(name));
  return {};
}

}  // namespace sluice::broker
