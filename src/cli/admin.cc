// Admin API helpers: each call builds librdkafka admin objects, waits for the result event on a
// private queue, and copies the outcome into plain structs.
#include "cli/admin.h"

#include <fmt/core.h>

#include <algorithm>
#include <map>
#include <memory>

#include "cli/admin_call.h"

namespace sluice::cli {

namespace {

topic_outcome to_outcome(const rd_kafka_topic_result_t* r) {
  topic_outcome o;
  o.name = rd_kafka_topic_result_name(r);
  o.err = rd_kafka_topic_result_error(r);
  const char* es = rd_kafka_topic_result_error_string(r);
  if (es != nullptr) o.message = es;
  return o;
}

config_resource_result to_config_result(const rd_kafka_ConfigResource_t* res) {
  config_resource_result out;
  out.name = rd_kafka_ConfigResource_name(res);
  out.err = rd_kafka_ConfigResource_error(res);
  const char* es = rd_kafka_ConfigResource_error_string(res);
  if (es != nullptr) out.message = es;
  size_t cnt = 0;
  const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(res, &cnt);
  for (size_t i = 0; i < cnt; ++i) {
    const rd_kafka_ConfigEntry_t* e = entries[i];
    config_entry ce;
    ce.name = rd_kafka_ConfigEntry_name(e);
    const char* v = rd_kafka_ConfigEntry_value(e);
    if (v != nullptr) ce.value = v;
    ce.source = rd_kafka_ConfigEntry_source(e);
    ce.is_default = rd_kafka_ConfigEntry_is_default(e) != 0;
    ce.is_read_only = rd_kafka_ConfigEntry_is_read_only(e) != 0;
    ce.is_sensitive = rd_kafka_ConfigEntry_is_sensitive(e) != 0;
    out.entries.push_back(std::move(ce));
  }
  std::sort(out.entries.begin(), out.entries.end(),
            [](const config_entry& a, const config_entry& b) { return a.name < b.name; });
  return out;
}

struct resource_array {
  std::vector<rd_kafka_ConfigResource_t*> v;
  ~resource_array() { rd_kafka_ConfigResource_destroy_array(v.data(), v.size()); }
};

}  // namespace

result<std::vector<topic_outcome>> create_topics(const rk_handle& h,
                                                 const std::vector<new_topic_spec>& topics, int timeout_ms) {
  std::vector<rd_kafka_NewTopic_t*> nts;
  auto cleanup = [&] { rd_kafka_NewTopic_destroy_array(nts.data(), nts.size()); };
  char errstr[512];
  for (const auto& t : topics) {
    rd_kafka_NewTopic_t* nt =
        rd_kafka_NewTopic_new(t.name.c_str(), t.partitions, t.replication_factor, errstr, sizeof(errstr));
    if (nt == nullptr) {
      cleanup();
      return usage_error(fmt::format("topic '{}': {}", t.name, errstr));
    }
    nts.push_back(nt);
    for (const auto& [k, v] : t.configs) {
      if (rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        cleanup();
        return usage_error(fmt::format("invalid config {}={}", k, v));
      }
    }
  }
  auto ev = run_admin_call(h, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout_ms, RD_KAFKA_EVENT_CREATETOPICS_RESULT,
                           [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                             rd_kafka_CreateTopics(h.get(), nts.data(), nts.size(), o, q);
                           });
  cleanup();
  if (!ev) return ev.err();
  size_t cnt = 0;
  const rd_kafka_topic_result_t** res =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev->get()), &cnt);
  std::vector<topic_outcome> out;
  for (size_t i = 0; i < cnt; ++i) out.push_back(to_outcome(res[i]));
  return out;
}

result<std::vector<topic_outcome>> delete_topics(const rk_handle& h, const std::vector<std::string>& topics,
                                                 int timeout_ms) {
  std::vector<rd_kafka_DeleteTopic_t*> dts;
  for (const auto& t : topics) dts.push_back(rd_kafka_DeleteTopic_new(t.c_str()));
  auto ev = run_admin_call(h, RD_KAFKA_ADMIN_OP_DELETETOPICS, timeout_ms, RD_KAFKA_EVENT_DELETETOPICS_RESULT,
                           [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                             rd_kafka_DeleteTopics(h.get(), dts.data(), dts.size(), o, q);
                           });
  rd_kafka_DeleteTopic_destroy_array(dts.data(), dts.size());
  if (!ev) return ev.err();
  size_t cnt = 0;
  const rd_kafka_topic_result_t** res =
      rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev->get()), &cnt);
  std::vector<topic_outcome> out;
  for (size_t i = 0; i < cnt; ++i) out.push_back(to_outcome(res[i]));
  return out;
}

result<topic_outcome> create_partitions(const rk_handle& h, const std::string& topic, int total_partitions,
                                        int timeout_ms) {
  char errstr[512];
  rd_kafka_NewPartitions_t* np =
      rd_kafka_NewPartitions_new(topic.c_str(), total_partitions, errstr, sizeof(errstr));
  if (np == nullptr) return usage_error(fmt::format("topic '{}': {}", topic, errstr));
  auto ev = run_admin_call(h, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, timeout_ms,
                           RD_KAFKA_EVENT_CREATEPARTITIONS_RESULT,
                           [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                             rd_kafka_CreatePartitions(h.get(), &np, 1, o, q);
                           });
  rd_kafka_NewPartitions_destroy(np);
  if (!ev) return ev.err();
  size_t cnt = 0;
  const rd_kafka_topic_result_t** res =
      rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev->get()), &cnt);
  if (cnt != 1) return runtime_error("CreatePartitions returned no result for the topic");
  return to_outcome(res[0]);
}

result<std::vector<config_resource_result>> describe_configs(const rk_handle& h, rd_kafka_ResourceType_t type,
                                                             const std::vector<std::string>& names,
                                                             int timeout_ms) {
  resource_array ra;
  for (const auto& n : names) ra.v.push_back(rd_kafka_ConfigResource_new(type, n.c_str()));
  auto ev =
      run_admin_call(h, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout_ms, RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT,
                     [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                       rd_kafka_DescribeConfigs(h.get(), ra.v.data(), ra.v.size(), o, q);
                     });
  if (!ev) return ev.err();
  size_t cnt = 0;
  const rd_kafka_ConfigResource_t** res =
      rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev->get()), &cnt);
  std::vector<config_resource_result> out;
  for (size_t i = 0; i < cnt; ++i) out.push_back(to_config_result(res[i]));
  return out;
}

result<config_resource_result> alter_configs(const rk_handle& h, rd_kafka_ResourceType_t type,
                                             const std::string& name, const config_pairs& full_set,
                                             int timeout_ms) {
  resource_array ra;
  ra.v.push_back(rd_kafka_ConfigResource_new(type, name.c_str()));
  for (const auto& [k, v] : full_set) {
    if (rd_kafka_ConfigResource_set_config(ra.v[0], k.c_str(), v.c_str()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return usage_error(fmt::format("invalid config {}={}", k, v));
    }
  }
  auto ev = run_admin_call(h, RD_KAFKA_ADMIN_OP_ALTERCONFIGS, timeout_ms, RD_KAFKA_EVENT_ALTERCONFIGS_RESULT,
                           [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                             rd_kafka_AlterConfigs(h.get(), ra.v.data(), ra.v.size(), o, q);
                           });
  if (!ev) return ev.err();
  size_t cnt = 0;
  const rd_kafka_ConfigResource_t** res =
      rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev->get()), &cnt);
  if (cnt != 1) return runtime_error("AlterConfigs returned no result for the resource");
  return to_config_result(res[0]);
}

bool is_override(const config_entry& e, rd_kafka_ResourceType_t type) {
  switch (e.source) {
    case RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG:
      return type == RD_KAFKA_RESOURCE_TOPIC;
    case RD_KAFKA_CONFIG_SOURCE_DYNAMIC_BROKER_CONFIG:
      // Only per-broker values: cluster-wide dynamic defaults live at another level, which
      // AlterConfigs on broker N leaves alone (re-sending them would pin them to broker N).
      return type == RD_KAFKA_RESOURCE_BROKER;
    case RD_KAFKA_CONFIG_SOURCE_UNKNOWN_CONFIG:
      // DescribeConfigs v0 has no source: fall back to the is_default flag.
      return !e.is_default && !e.is_read_only;
    default:
      return false;
  }
}

result<config_pairs> compute_alter_set(const std::vector<config_entry>& current, rd_kafka_ResourceType_t type,
                                       const config_pairs& add, const std::vector<std::string>& remove,
                                       std::string_view label) {
  std::map<std::string, std::optional<std::string>> set;
  for (const auto& e : current) {
    if (is_override(e, type)) set[e.name] = e.value;
  }
  for (const auto& k : remove) {
    if (set.erase(k) == 0) {
      return usage_error(fmt::format("config '{}' is not set on {}", k, label));
    }
  }
  for (const auto& [k, v] : add) set[k] = v;
  config_pairs out;
  for (const auto& [k, v] : set) {
    if (!v) {
      return runtime_error(
          fmt::format("{} has a sensitive override '{}' whose value the broker does not reveal; AlterConfigs "
                      "would reset it. Give its value again with --add-config or remove it with "
                      "--delete-config",
                      label, k));
    }
    out.emplace_back(k, *v);
  }
  return out;
}

std::string topic_error_message(std::string_view verb, const topic_outcome& o) {
  std::string detail = o.message.empty() ? rd_kafka_err2str(o.err) : o.message;
  switch (o.err) {
    case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
      return fmt::format("topic '{}' already exists", o.name);
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      return fmt::format("topic '{}' does not exist", o.name);
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
      return fmt::format("'{}' is not a valid topic name: {}", o.name, detail);
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
      return fmt::format("invalid partition count for topic '{}': {}", o.name, detail);
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
      return fmt::format("invalid replication factor for topic '{}': {}", o.name, detail);
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
      return fmt::format("invalid config for topic '{}': {}", o.name, detail);
    default:
      return fmt::format("cannot {} topic '{}': {}: {}", verb, o.name, rd_kafka_err2name(o.err), detail);
  }
}

std::string resource_label(rd_kafka_ResourceType_t type, std::string_view name) {
  if (type == RD_KAFKA_RESOURCE_TOPIC) return fmt::format("topic '{}'", name);
  if (type == RD_KAFKA_RESOURCE_BROKER) return fmt::format("broker {}", name);
  return fmt::format("{} '{}'", rd_kafka_ResourceType_name(type), name);
}

}  // namespace sluice::cli
