// CreateTopics (key 19): partitions and replication factor (-1 = broker default) or a manual
// assignment, validated configs, validate_only (v1+); v5+ answers the resulting partition count,
// replication factor and every config of the topic, v7 its topic id.
#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <map>
#include <set>

#include "broker/admin_checks.h"
#include "broker/broker_state.h"
#include "broker/error_mapping.h"
#include "broker/handlers.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "broker/topic_admin.h"
#include "cluster/topic_table.h"
#include "config/describe.h"
#include "protocol/generated/create_topics.h"

namespace sluice::broker {
namespace {
using protocol::error_code;
using request = protocol::create_topics_request;
using response = protocol::create_topics_response;

struct refusal {
  error_code error = error_code::none;
  std::string message;
};

// The partition count and replication factor a topic will get, or why it cannot be created.
// Checks in the order of Kafka's controller (ReplicationControlManager.createTopic).
struct shape {
  int32_t partitions = -1;
  int16_t replication_factor = -1;
  refusal refused;
};

shape resolve_shape(const request::topic& t, int32_t node_id, const topic_defaults& defaults) {
  shape out;
  if (!t.assignments.empty()) {
    if (t.replication_factor != -1) {
      out.refused = {
          error_code::invalid_request,
          "A manual partition assignment was specified, but replication factor was not set to -1."};
      return out;
    }
    if (t.num_partitions != -1) {
      out.refused = {error_code::invalid_request,
                     "A manual partition assignment was specified, but numPartitions was not set to -1."};
      return out;
    }
    std::set<int32_t> seen;
    for (const auto& a : t.assignments) {
      if (!seen.insert(a.partition_index).second) {
        out.refused = {
            error_code::invalid_replica_assignment,
            "Found multiple manual partition assignments for partition " + std::to_string(a.partition_index)};
        return out;
      }
      if (auto why = manual_assignment_error(a.broker_ids, node_id)) {
        out.refused = {error_code::invalid_replica_assignment, *why};
        return out;
      }
    }
    // Distinct indexes 0..n-1 exactly when the smallest is 0 and the largest n-1.
    if (*seen.begin() != 0 || *seen.rbegin() != static_cast<int32_t>(seen.size()) - 1) {
      out.refused = {error_code::invalid_replica_assignment,
                     "partitions should be a consecutive 0-based integer sequence"};
      return out;
    }
    out.partitions = static_cast<int32_t>(seen.size());
    out.replication_factor = 1;
    return out;
  }
  if (t.replication_factor < -1 || t.replication_factor == 0) {
    out.refused = {error_code::invalid_replication_factor,
                   "Replication factor must be larger than 0, or -1 to use the default value."};
    return out;
  }
  if (t.num_partitions < -1 || t.num_partitions == 0) {
    out.refused = {error_code::invalid_partitions,
                   "Number of partitions was set to an invalid non-positive value."};
    return out;
  }
  out.partitions = t.num_partitions == -1 ? defaults.num_partitions : t.num_partitions;
  out.replication_factor =
      t.replication_factor == -1 ? defaults.default_replication_factor : t.replication_factor;
  return out;
}

// Kafka answers every config of the new topic (v5+), as DescribeConfigs would without synonyms.
std::vector<response::topic_result::config> describe_new_topic(
    const config::broker_config& broker, const std::map<std::string, std::string>& configs) {
  std::vector<response::topic_result::config> out;
  auto entries = config::describe_topic_configs(broker, configs);
  if (!entries.ok()) return out;
  for (auto& e : *entries) {
    response::topic_result::config c;
    c.name = std::move(e.name);
    c.value = std::move(e.value);
    c.read_only = e.read_only;
    c.config_source = static_cast<int8_t>(e.source);
    c.is_sensitive = e.is_sensitive;
    out.push_back(std::move(c));
  }
  return out;
}

response::topic_result create_one(request_context& ctx, const request::topic& t, bool duplicate,
                                  bool validate_only) {
  auto& s = ctx.state;
  response::topic_result out;
  out.name = t.name;
  out.error_message = std::nullopt;
  out.configs = std::vector<response::topic_result::config>{};
  auto refuse = [&](error_code code, std::string message) {
    out.error_code = code_of(code);
    out.error_message = std::move(message);
    return out;
  };
  if (duplicate) return refuse(error_code::invalid_request, "Found multiple entries for this topic.");

  std::map<std::string, std::string> configs;
  std::string null_configs;
  for (const auto& c : t.configs) {
    if (!c.value) {
      null_configs += (null_configs.empty() ? "" : ",") + c.name;
      continue;
    }
    configs[c.name] = *c.value;  // a repeated key: the last one wins, as in Kafka
  }
  if (!null_configs.empty()) {
    return refuse(error_code::invalid_config, "Null value not supported for topic configs: " + null_configs);
  }
  const shape sh = resolve_shape(t, s.self.node_id, s.admin.defaults());
  if (sh.refused.error != error_code::none) return refuse(sh.refused.error, sh.refused.message);

  // topic_admin checks the name (legal, free, not colliding, not internal), the replication
  // factor against the single broker and the configs.
  if (auto r = s.admin.create(t.name, sh.partitions, sh.replication_factor, configs, validate_only);
      !r.ok()) {
    return refuse(to_kafka_error(r.code), r.message);
  }
  if (!validate_only && !s.cluster_mode()) {
    if (const auto* info = s.topics.find(t.name)) out.topic_id = info->id;
  }
  out.num_partitions = sh.partitions;
  out.replication_factor = sh.replication_factor;
  out.configs = describe_new_topic(s.config, configs);
  return out;
}

// Cluster mode: the topics were written to ZooKeeper; as Kafka does, the answer waits (up to the
// request's timeout) until this broker's metadata has a leader for every new partition, so a client
// can produce right after. A topic still without leaders then is reported as created anyway
// (clients retry on LEADER_NOT_AVAILABLE).
boost::asio::awaitable<void> await_leaders(request_context& ctx, const request& req, response& resp) {
  auto& s = ctx.state;
  const auto limit = std::chrono::milliseconds(std::clamp<int32_t>(req.timeout_ms, 0, 60000));
  const auto deadline = std::chrono::steady_clock::now() + limit;
  boost::asio::steady_timer timer(s.io);
  for (;;) {
    bool all = true;
    for (auto& t : resp.topics) {
      if (t.error_code != 0) continue;
      const auto* ts = s.cluster->topic(t.name);
      bool ready = ts && !ts->partitions.empty();
      for (size_t i = 0; ready && i < ts->partitions.size(); ++i) ready = ts->partitions[i].leader >= 0;
      if (ready) {
        t.topic_id = ts->id;
      } else {
        all = false;
      }
    }
    if (all || std::chrono::steady_clock::now() >= deadline) co_return;
    timer.expires_after(std::chrono::milliseconds(10));
    co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
}

}  // namespace

boost::asio::awaitable<net::frame_result> handle_create_topics(request_context& ctx) {
  request req;
  if (!ctx.decode(req)) co_return close_connection();
  std::map<std::string, int> occurrences;
  for (const auto& t : req.topics) ++occurrences[t.name];
  // validate_only is v1+; before that the decoded default (false) applies.
  response resp;
  for (const auto& t : req.topics) {
    resp.topics.push_back(create_one(ctx, t, occurrences[t.name] > 1, req.validate_only));
  }
  if (ctx.state.cluster_mode() && !req.validate_only) co_await await_leaders(ctx, req, resp);
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
