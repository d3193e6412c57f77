// topic_directory: an immutable copy of the topic id -> name map that every shard holds, so a
// Fetch by topic id (v13+) is resolved on the connection's shard without asking the control shard.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "base/uuid.h"
#include "cluster/topic_table.h"

namespace sluice::broker {

// Built by the control shard after each topic creation or deletion and handed to every shard
// (shared_ptr to const: shards only read it).
struct topic_directory {
  std::map<uuid_bytes, std::string> names_by_id;

  static std::shared_ptr<const topic_directory> of(const cluster::topic_table& topics) {
    auto d = std::make_shared<topic_directory>();
    for (const auto* t : topics.list()) d->names_by_id.emplace(t->id, t->name);
    return d;
  }
  const std::string* name_of(const uuid_bytes& id) const {
    auto it = names_by_id.find(id);
    return it == names_by_id.end() ? nullptr : &it->second;
  }
};

}  // namespace sluice::broker
