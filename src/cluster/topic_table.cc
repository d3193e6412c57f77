// topic_table: the persisted single-node topic registry.
#include "cluster/topic_table.h"

#include <optional>

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "cluster/atomic_file.h"
#include "cluster/topic_name.h"

namespace sluice::cluster {
namespace {
constexpr int format_version = 1;
constexpr int32_t max_partitions_per_topic = 100000;

std::string file_path(const std::string& dir) { return dir + "/topics.json"; }
}  // namespace

result<std::unique_ptr<topic_table>> topic_table::open(std::string dir) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return make_error(errc::io_error, "mkdir " + dir + ": " + std::strerror(errno), errno);
  }
  std::unique_ptr<topic_table> table(new topic_table(dir));
  auto text = read_small_file(file_path(dir));
  if (!text.ok()) {
    if (text.err().code == errc::not_found) return table;
    return text.err();
  }
  auto doc = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || doc.value("version", 0) != format_version ||
      !doc.contains("topics") || !doc["topics"].is_array()) {
    return make_error(errc::corruption, file_path(dir) + " is not a valid topic table");
  }
  for (const auto& t : doc["topics"]) {
    if (!t.is_object() || !t.contains("name") || !t["name"].is_string() || !t.contains("partitions") ||
        !t["partitions"].is_number_integer() || !t.contains("id") || !t["id"].is_string()) {
      return make_error(errc::corruption, file_path(dir) + ": malformed topic entry");
    }
    topic_info info;
    info.name = t["name"].get<std::string>();
    info.partition_count = t["partitions"].get<int32_t>();
    auto id = uuid_from_string(t["id"].get<std::string>());
    if (!id || info.partition_count <= 0 || !topic_name_error(info.name).empty()) {
      return make_error(errc::corruption, file_path(dir) + ": bad topic entry " + info.name);
    }
    info.id = *id;
    info.internal = t.value("internal", false);
    if (t.contains("configs") && t["configs"].is_object()) {
      for (const auto& [k, v] : t["configs"].items()) {
        if (v.is_string()) info.config_overrides[k] = v.get<std::string>();
      }
    }
    table->topics_.emplace(info.name, std::move(info));
  }
  return table;
}

result<void> topic_table::persist() const {
  nlohmann::json doc;
  doc["version"] = format_version;
  auto arr = nlohmann::json::array();
  for (const auto& [name, t] : topics_) {
    nlohmann::json j;
    j["name"] = t.name;
    j["id"] = uuid_to_string(t.id);
    j["partitions"] = t.partition_count;
    j["internal"] = t.internal;
    j["configs"] = t.config_overrides;
    arr.push_back(std::move(j));
  }
  doc["topics"] = std::move(arr);
  return write_file_atomically(file_path(dir_), doc.dump(1));
}

const topic_info* topic_table::find(const std::string& name) const {
  auto it = topics_.find(name);
  return it == topics_.end() ? nullptr : &it->second;
}

const topic_info* topic_table::find_by_id(const uuid_bytes& id) const {
  for (const auto& [name, t] : topics_) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

std::vector<const topic_info*> topic_table::list() const {
  std::vector<const topic_info*> out;
  out.reserve(topics_.size());
  for (const auto& [name, t] : topics_) out.push_back(&t);
  return out;
}

topic_result topic_table::check_create(const std::string& name, int32_t partitions) const {
  if (auto why = topic_name_error(name); !why.empty()) return {topic_error::invalid_name, why};
  if (topics_.count(name)) return {topic_error::already_exists, "Topic '" + name + "' already exists."};
  const std::string key = collision_key(name);
  for (const auto& [other, t] : topics_) {
    if (collision_key(other) == key) {
      return {topic_error::invalid_name,
              "Topic '" + name + "' collides with existing topic: " + other + " ('.' and '_' collide)"};
    }
  }
  if (partitions <= 0 || partitions > max_partitions_per_topic) {
    return {topic_error::invalid_partitions,
            "Number of partitions must be between 1 and " + std::to_string(max_partitions_per_topic) + "."};
  }
  return {};
}

topic_result topic_table::create(const std::string& name, int32_t partitions,
                                 std::map<std::string, std::string> configs, bool internal) {
  if (auto r = check_create(name, partitions); !r.ok()) return r;
  topic_info info{name, random_uuid(), partitions, std::move(configs), internal};
  topics_.emplace(name, std::move(info));
  if (auto p = persist(); !p.ok()) {
    topics_.erase(name);
    return {topic_error::storage, p.err().message};
  }
  return {};
}

topic_result topic_table::adopt(const std::string& name, const uuid_bytes& id, int32_t partitions,
                                std::map<std::string, std::string> configs, bool internal) {
  topic_info info{name, id, partitions, std::move(configs), internal};
  auto old = topics_.find(name);
  std::optional<topic_info> saved;
  if (old != topics_.end()) saved = std::move(old->second);
  topics_.insert_or_assign(name, std::move(info));
  if (auto p = persist(); !p.ok()) {
    if (saved) {
      topics_.insert_or_assign(name, std::move(*saved));
    } else {
      topics_.erase(name);
    }
    return {topic_error::storage, p.err().message};
  }
  return {};
}

topic_result topic_table::erase(const std::string& name) {
  auto it = topics_.find(name);
  if (it == topics_.end()) return {topic_error::not_found, "This server does not host this topic-partition."};
  topic_info saved = std::move(it->second);
  topics_.erase(it);
  if (auto p = persist(); !p.ok()) {
    topics_.emplace(name, std::move(saved));
    return {topic_error::storage, p.err().message};
  }
  return {};
}

topic_result topic_table::set_partition_count(const std::string& name, int32_t partitions) {
  auto it = topics_.find(name);
  if (it == topics_.end()) return {topic_error::not_found, "This server does not host this topic-partition."};
  if (partitions <= it->second.partition_count) {
    return {topic_error::invalid_partitions,
            "Topic currently has " + std::to_string(it->second.partition_count) +
                " partitions, which is higher than the requested " + std::to_string(partitions) + "."};
  }
  if (partitions > max_partitions_per_topic) return {topic_error::invalid_partitions, "too many partitions"};
  const int32_t old = it->second.partition_count;
  it->second.partition_count = partitions;
  if (auto p = persist(); !p.ok()) {
    it->second.partition_count = old;
    return {topic_error::storage, p.err().message};
  }
  return {};
}

topic_result topic_table::set_config_overrides(const std::string& name,
                                               std::map<std::string, std::string> configs) {
  auto it = topics_.find(name);
  if (it == topics_.end()) return {topic_error::not_found, "This server does not host this topic-partition."};
  auto old = std::move(it->second.config_overrides);
  it->second.config_overrides = std::move(configs);
  if (auto p = persist(); !p.ok()) {
    it->second.config_overrides = std::move(old);
    return {topic_error::storage, p.err().message};
  }
  return {};
}

}  // namespace sluice::cluster
