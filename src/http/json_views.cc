// json_views: snapshot → JSON. Field names are snake_case, offsets are numbers, absent values null.
#include "http/json_views.h"

#include <nlohmann/json.hpp>

namespace sluice::http {
namespace {
using json = nlohmann::ordered_json;

std::string dump(const json& j) {
  // Group and client ids are client-chosen bytes: replace invalid UTF-8 instead of throwing.
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

json partition_json(const partition_view& p) {
  return {{"partition", p.partition},
          {"log_start_offset", p.log_start_offset},
          {"log_end_offset", p.log_end_offset},
          {"size_bytes", p.size_bytes},
          {"segments", p.segments}};
}

json topic_summary(const topic_view& t) {
  int64_t bytes = 0;
  for (const auto& p : t.partitions) bytes += p.size_bytes;
  return {{"name", t.name},
          {"id", t.id},
          {"partitions", t.partition_count},
          {"internal", t.internal},
          {"size_bytes", bytes}};
}

json group_summary(const group_view& g) {
  return {{"group_id", g.group_id}, {"state", g.state}, {"protocol_type", g.protocol_type}};
}

template <class T>
json opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

}  // namespace

std::string status_json(const broker_snapshot& s) {
  const auto& i = s.info;
  json listeners = json::array();
  listeners.push_back({{"name", "kafka"},
                       {"host", i.stats.listen_host},
                       {"port", i.stats.listen_port},
                       {"advertised", i.advertised_host + ":" + std::to_string(i.advertised_port)}});
  if (i.http_listener)
    listeners.push_back({{"name", "http"}, {"configured", *i.http_listener}, {"port", i.http_port}});
  json status = {{"node_id", i.node_id},
                 {"cluster_id", i.cluster_id},
                 {"version", i.version},
                 {"uptime_ms", i.stats.uptime.count()},
                 {"listeners", listeners},
                 {"data_dir", i.stats.data_dir},
                 {"topics", s.topics.size()},
                 {"partitions", s.partition_count},
                 {"groups", s.groups.size()},
                 {"connections_open", i.stats.connections_open},
                 {"group_commit_fsyncs", i.stats.fsync_count}};
  return dump(status);
}

std::string topics_json(const broker_snapshot& s) {
  json topics = json::array();
  for (const auto& t : s.topics) topics.push_back(topic_summary(t));
  return dump({{"topics", topics}});
}

std::string topic_json(const broker_snapshot& s) {
  const topic_view& t = s.topics.at(0);
  json j = topic_summary(t);
  json configs = json::object();
  for (const auto& [k, v] : t.config_overrides) configs[k] = v;
  j["config_overrides"] = configs;
  json parts = json::array();
  for (const auto& p : t.partitions) parts.push_back(partition_json(p));
  j["partition_details"] = parts;
  return dump(j);
}

std::string groups_json(const broker_snapshot& s) {
  json groups = json::array();
  for (const auto& g : s.groups) groups.push_back(group_summary(g));
  return dump({{"groups", groups}});
}

std::string group_json(const broker_snapshot& s) {
  const group_view& g = s.groups.at(0);
  json j = group_summary(g);
  j["protocol"] = g.protocol;
  json members = json::array();
  for (const auto& m : g.members) {
    members.push_back({{"member_id", m.member_id},
                       {"group_instance_id", opt(m.group_instance_id)},
                       {"client_id", m.client_id},
                       {"client_host", m.client_host},
                       {"subscribed_topics", m.subscribed_topics}});
  }
  j["members"] = members;
  json offsets = json::array();
  for (const auto& o : g.offsets) {
    offsets.push_back({{"topic", o.topic},
                       {"partition", o.partition},
                       {"committed_offset", o.committed_offset},
                       {"log_end_offset", opt(o.log_end_offset)},
                       {"lag", opt(o.lag)},
                       {"metadata", opt(o.metadata)}});
  }
  j["offsets"] = offsets;
  return dump(j);
}

std::string error_json(const std::string& message) { return dump({{"error", message}}); }

}  // namespace sluice::http
