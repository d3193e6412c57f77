// Metadata (key 3): this broker, and the topics asked for (all when the list is null, or empty at
// v0), auto-creating unknown ones when allowed.
#include "broker/broker_state.h"
#include "broker/error_mapping.h"
#include "broker/handlers.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "broker/topic_admin.h"
#include "cluster/topic_name.h"
#include "cluster/topic_table.h"
#include "protocol/generated/metadata.h"

namespace sluice::broker {
namespace {
using protocol::error_code;
using response = protocol::metadata_response;

// Kafka's "all operations" bitfield answer when a client asks for authorized operations (no ACLs:
// everything is allowed): the topic operations READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE
// (AclOperation codes 3-8), DESCRIBE_CONFIGS and ALTER_CONFIGS (10, 11).
constexpr int32_t all_topic_operations = 0xDF8;

response::topic describe_topic(broker_state& s, const cluster::topic_info& t, bool authorized_ops) {
  response::topic out;
  out.name = t.name;
  out.topic_id = t.id;
  out.is_internal = t.internal;
  // Single node: every partition is led here, in its first epoch (partition::leader_epoch).
  for (int32_t index = 0; index < t.partition_count; ++index) {
    response::topic::partition part;
    part.partition_index = index;
    part.leader_id = s.self.node_id;
    part.leader_epoch = 0;
    part.replica_nodes = {s.self.node_id};
    part.isr_nodes = {s.self.node_id};
    out.partitions.push_back(std::move(part));
  }
  if (authorized_ops) out.topic_authorized_operations = all_topic_operations;
  return out;
}

response::topic topic_error(const std::string& name, error_code code) {
  response::topic out;
  out.name = name;
  out.error_code = code_of(code);
  return out;
}

// Cluster mode: the partitions as the snapshot has them. A partition without a live leader answers
// LEADER_NOT_AVAILABLE (clients retry and refresh); replicas on brokers that are not registered are
// listed as offline (v5+).
response::topic describe_cluster_topic(const cluster::cluster_snapshot& c, const cluster::topic_snapshot& t,
                                       bool authorized_ops) {
  response::topic out;
  out.name = t.name;
  out.topic_id = t.id;
  out.is_internal = cluster::is_internal_topic(t.name);
  for (size_t index = 0; index < t.partitions.size(); ++index) {
    const auto& l = t.partitions[index];
    response::topic::partition part;
    part.partition_index = static_cast<int32_t>(index);
    const bool led = l.leader >= 0 && c.broker(l.leader) != nullptr;
    part.leader_id = led ? l.leader : -1;
    part.leader_epoch = l.leader_epoch;
    part.replica_nodes = l.replicas;
    part.isr_nodes = l.isr;
    for (int32_t r : l.replicas) {
      if (!c.broker(r)) part.offline_replicas.push_back(r);
    }
    if (!led) part.error_code = code_of(error_code::leader_not_available);
    out.partitions.push_back(std::move(part));
  }
  if (authorized_ops) out.topic_authorized_operations = all_topic_operations;
  return out;
}

// Metadata in cluster mode: every live broker, the controller, topics from the snapshot.
response cluster_metadata(request_context& ctx, const protocol::metadata_request& req) {
  auto& s = ctx.state;
  const cluster::cluster_snapshot& c = *s.cluster;
  response resp;
  for (const auto& [id, b] : c.brokers) {
    response::broker rb;
    rb.node_id = id;
    rb.host = b.host;
    rb.port = b.port;
    if (b.rack) rb.rack = *b.rack;
    resp.brokers.push_back(std::move(rb));
  }
  resp.cluster_id = c.cluster_id;
  resp.controller_id = c.controller_id;
  const bool ops = req.include_topic_authorized_operations;
  const bool all_topics = !req.topics.has_value() || (ctx.version() == 0 && req.topics->empty());
  if (all_topics) {
    for (const auto& [name, t] : c.topics) resp.topics.push_back(describe_cluster_topic(c, t, ops));
    return resp;
  }
  const bool may_create = ctx.version() < 4 || req.allow_auto_topic_creation;
  for (const auto& wanted : *req.topics) {
    const cluster::topic_snapshot* t = nullptr;
    std::string name = wanted.name.value_or("");
    if (!wanted.name && ctx.version() >= 10) {
      for (const auto& [n, ts] : c.topics) {
        if (ts.id == wanted.topic_id) t = &ts;
      }
      if (!t) {
        response::topic missing;
        missing.name = std::nullopt;
        missing.topic_id = wanted.topic_id;
        missing.error_code = code_of(error_code::unknown_topic_id);
        resp.topics.push_back(std::move(missing));
        continue;
      }
    } else {
      t = c.topic(name);
    }
    if (!t) {
      if (!cluster::topic_name_error(name).empty()) {
        resp.topics.push_back(topic_error(name, error_code::invalid_topic_exception));
        continue;
      }
      if (!may_create || !s.admin.defaults().auto_create || cluster::is_internal_topic(name)) {
        resp.topics.push_back(topic_error(name, error_code::unknown_topic_or_partition));
        continue;
      }
      // Written to the cluster's store; the topic reaches the snapshot in a moment and the client
      // retries on LEADER_NOT_AVAILABLE, as with Kafka.
      auto r = s.admin.auto_create(name);
      if (!r.ok() && r.code != cluster::topic_error::already_exists) {
        resp.topics.push_back(topic_error(name, to_kafka_error(r.code)));
        continue;
      }
      resp.topics.push_back(topic_error(name, error_code::leader_not_available));
      continue;
    }
    resp.topics.push_back(describe_cluster_topic(c, *t, ops));
  }
  return resp;
}

}  // namespace

boost::asio::awaitable<net::frame_result> handle_metadata(request_context& ctx) {
  protocol::metadata_request req;
  if (!ctx.decode(req)) co_return close_connection();
  auto& s = ctx.state;
  if (s.cluster_mode()) co_return respond(ctx, cluster_metadata(ctx, req));
  response resp;
  response::broker self;
  self.node_id = s.self.node_id;
  self.host = s.self.host;
  self.port = s.self.port;
  if (!s.self.rack.empty()) self.rack = s.self.rack;
  resp.brokers.push_back(std::move(self));
  resp.cluster_id = s.self.cluster_id;
  resp.controller_id = s.self.node_id;
  const bool ops = req.include_topic_authorized_operations;

  // v0: an empty list means every topic; v1+: null means every topic and empty means none.
  const bool all_topics = !req.topics.has_value() || (ctx.version() == 0 && req.topics->empty());
  if (all_topics) {
    for (const auto* t : s.topics.list()) resp.topics.push_back(describe_topic(s, *t, ops));
    co_return respond(ctx, resp);
  }
  // Before v4 there is no flag and Kafka always allowed auto-creation.
  const bool may_create = ctx.version() < 4 || req.allow_auto_topic_creation;
  for (const auto& wanted : *req.topics) {
    const cluster::topic_info* t = nullptr;
    std::string name = wanted.name.value_or("");
    if (!wanted.name && ctx.version() >= 10) {
      t = s.topics.find_by_id(wanted.topic_id);
      if (!t) {
        response::topic missing;
        missing.name = std::nullopt;
        missing.topic_id = wanted.topic_id;
        missing.error_code = code_of(error_code::unknown_topic_id);
        resp.topics.push_back(std::move(missing));
        continue;
      }
    } else {
      t = s.topics.find(name);
    }
    if (!t) {
      if (!cluster::topic_name_error(name).empty()) {
        resp.topics.push_back(topic_error(name, error_code::invalid_topic_exception));
        continue;
      }
      if (!may_create || !s.admin.defaults().auto_create || cluster::is_internal_topic(name)) {
        resp.topics.push_back(topic_error(name, error_code::unknown_topic_or_partition));
        continue;
      }
      if (auto r = s.admin.auto_create(name); !r.ok()) {
        resp.topics.push_back(topic_error(name, to_kafka_error(r.code)));
        continue;
      }
      t = s.topics.find(name);
    }
    resp.topics.push_back(describe_topic(s, *t, ops));
  }
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
