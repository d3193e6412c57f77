// snapshot: reads the topic table, the hosted partitions and the group coordinator (read-only)
// into the plain structs the HTTP renderers take.
#include "http/snapshot.h"

#include <algorithm>
#include <climits>
#include <span>
#include <tuple>

#include "base/uuid.h"
#include "broker/broker.h"
#include "broker/broker_state.h"
#include "cluster/topic_table.h"
#include "config/broker_config.h"
#include "group/consumer_protocol.h"
#include "group/group_coordinator.h"

#ifndef SLUICE_VERSION
#define SLUICE_VERSION "dev"
#endif

namespace sluice::http {
namespace {

topic_view view_of(const cluster::topic_info& t, const broker::partition_summaries& logs) {
  topic_view v;
  v.name = t.name;
  v.id = uuid_to_string(t.id);
  v.partition_count = t.partition_count;
  v.internal = t.internal;
  v.config_overrides = t.config_overrides;
  for (auto it = logs.lower_bound(std::make_pair(t.name, INT32_MIN));
       it != logs.end() && it->first.first == t.name; ++it) {
    partition_view pv;
    pv.partition = it->first.second;
    pv.log_start_offset = it->second.log_start_offset;
    pv.log_end_offset = it->second.log_end_offset;
    pv.size_bytes = it->second.size_bytes;
    pv.segments = it->second.segments;
    v.partitions.push_back(pv);
  }
  return v;
}

group_view view_of(const broker::partition_summaries& logs, const broker::broker_state& st,
                   const std::string& group_id, bool details) {
  const group::group_description d = st.groups.describe(group_id);
  group_view v;
  v.group_id = group_id;
  v.state = d.state;
  v.protocol_type = d.protocol_type;
  v.protocol = d.protocol_data;
  if (!details) return v;
  for (const auto& m : d.members) {
    group_member_view mv;
    mv.member_id = m.member_id;
    mv.group_instance_id = m.group_instance_id;
    mv.client_id = m.client_id;
    mv.client_host = m.client_host;
    if (d.protocol_type == "consumer" && !m.metadata.empty()) {
      // Untrusted bytes from the client: the decoder is bounds-checked and never throws.
      if (auto topics = group::subscribed_topics(std::span<const uint8_t>(m.metadata)))
        mv.subscribed_topics = *topics;
    }
    v.members.push_back(std::move(mv));
  }
  const group::fetch_result fetched = st.groups.fetch(group_id, std::nullopt);
  for (const auto& o : fetched.offsets) {
    if (o.error != group::error_code::none || o.value.offset < 0) continue;
    group_offset_view ov;
    ov.topic = o.tp.topic;
    ov.partition = o.tp.partition;
    ov.committed_offset = o.value.offset;
    ov.metadata = o.value.metadata;
    if (auto it = logs.find(std::make_pair(o.tp.topic, o.tp.partition)); it != logs.end()) {
      ov.log_end_offset = it->second.log_end_offset;
      // As kafka-consumer-groups.sh: may be negative if records were deleted past the commit.
      ov.lag = *ov.log_end_offset - ov.committed_offset;
    }
    v.offsets.push_back(std::move(ov));
  }
  std::sort(v.offsets.begin(), v.offsets.end(), [](const group_offset_view& a, const group_offset_view& b) {
    return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
  });
  return v;
}

}  // namespace

const char* sluice_version() { return SLUICE_VERSION; }

broker_snapshot take_snapshot(const broker::broker& b, const snapshot_scope& scope, uint16_t http_port) {
  const broker::broker_state& st = b.state();
  broker_snapshot s;
  s.info.node_id = st.self.node_id;
  s.info.cluster_id = st.self.cluster_id;
  s.info.version = sluice_version();
  s.info.advertised_host = st.self.host;
  s.info.advertised_port = st.self.port;
  if (st.config.http_listener) {
    s.info.http_listener =
        st.config.http_listener->host + ":" + std::to_string(st.config.http_listener->port);
  }
  s.info.http_port = http_port;
  s.info.stats = b.stats();
  s.partition_count = b.partition_count();
  s.group_count = st.groups.group_count();
  s.requests = b.request_totals();
  // The partitions' figures are gathered from the shards owning them, once per snapshot.
  broker::partition_summaries logs;
  if ((scope.topics && !scope.only_topic) || (scope.groups && scope.group_details))
    logs = b.summarize_partitions();
  if (scope.topics) {
    if (scope.only_topic) {
      if (const auto* t = st.topics.find(*scope.only_topic)) {
        s.topics.push_back(view_of(*t, b.summarize_partitions(&t->name)));
      }
    } else {
      for (const cluster::topic_info* t : st.topics.list()) s.topics.push_back(view_of(*t, logs));
      std::sort(s.topics.begin(), s.topics.end(),
                [](const topic_view& a, const topic_view& b) { return a.name < b.name; });
    }
  }
  if (scope.groups) {
    if (scope.only_group) {
      // describe() reports an unknown group as Dead; the caller turns that into a 404.
      if (st.groups.state_of(*scope.only_group))
        s.groups.push_back(view_of(logs, st, *scope.only_group, scope.group_details));
    } else {
      for (const auto& g : st.groups.list({}))
        s.groups.push_back(view_of(logs, st, g.group_id, scope.group_details));
      std::sort(s.groups.begin(), s.groups.end(),
                [](const group_view& a, const group_view& b) { return a.group_id < b.group_id; });
    }
  }
  return s;
}

}  // namespace sluice::http
