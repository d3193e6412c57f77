// AlterPartitionReassignments (key 45) and ListPartitionReassignments (key 46), KIP-455: move a
// partition's replicas to other brokers (or cancel a move) and list the moves in progress. In
// cluster mode the new assignment is written to ZooKeeper (the union of old and new replicas with
// adding/removing, conditional on the assignment's version); the controller completes it once every
// target replica is in the ISR, and brokers create and delete their replicas from the snapshots. A
// single node has no other broker to move to: INVALID_REPLICA_ASSIGNMENT unless the target is this
// broker, and never a move in progress.
#include "broker/broker_state.h"
#include "broker/error_mapping.h"
#include "broker/handlers.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "cluster/topic_table.h"
#include "cluster/topic_writer.h"
#include "protocol/generated/alter_partition_reassignments.h"
#include "protocol/generated/list_partition_reassignments.h"

namespace sluice::broker {
namespace {
using protocol::error_code;
}  // namespace

boost::asio::awaitable<net::frame_result> handle_alter_partition_reassignments(request_context& ctx) {
  protocol::alter_partition_reassignments_request req;
  if (!ctx.decode(req)) co_return close_connection();
  auto& s = ctx.state;
  protocol::alter_partition_reassignments_response resp;
  for (const auto& t : req.topics) {
    auto& tr = resp.responses.emplace_back();
    tr.name = t.name;
    for (const auto& p : t.partitions) {
      auto& pr = tr.partitions.emplace_back();
      pr.partition_index = p.partition_index;
      cluster::topic_result r;
      if (s.cluster_writer) {
        r = s.cluster_writer->reassign(t.name, p.partition_index, p.replicas);
      } else {
        const auto* info = s.topics.find(t.name);
        if (!info || p.partition_index < 0 || p.partition_index >= info->partition_count) {
          r = {cluster::topic_error::not_found, "This server does not host this topic-partition."};
        } else if (!p.replicas) {
          r = {cluster::topic_error::no_reassignment, "No reassignment in progress"};
        } else if (*p.replicas != std::vector<int32_t>{s.self.node_id}) {
          r = {cluster::topic_error::invalid_replica_assignment,
               "A single broker can only hold the one replica."};
        }
      }
      if (!r.ok()) {
        pr.error_code = code_of(to_kafka_error(r.code));
        pr.error_message = r.message;
      }
    }
  }
  co_return respond(ctx, resp);
}

boost::asio::awaitable<net::frame_result> handle_list_partition_reassignments(request_context& ctx) {
  protocol::list_partition_reassignments_request req;
  if (!ctx.decode(req)) co_return close_connection();
  auto& s = ctx.state;
  protocol::list_partition_reassignments_response resp;
  if (!s.cluster_mode()) co_return respond(ctx, resp);  // a single node never moves replicas
  const auto& c = *s.cluster;
  auto add = [&](const cluster::topic_snapshot& t, int32_t index) {
    if (index < 0 || static_cast<size_t>(index) >= t.partitions.size()) return;
    const auto& l = t.partitions[static_cast<size_t>(index)];
    if (l.adding.empty() && l.removing.empty()) return;
    protocol::list_partition_reassignments_response::topic* tr = nullptr;
    for (auto& x : resp.topics) {
      if (x.name == t.name) tr = &x;
    }
    if (!tr) {
      tr = &resp.topics.emplace_back();
      tr->name = t.name;
    }
    auto& pr = tr->partitions.emplace_back();
    pr.partition_index = index;
    pr.replicas = l.replicas;
    pr.adding_replicas = l.adding;
    pr.removing_replicas = l.removing;
  };
  if (!req.topics) {
    for (const auto& [name, t] : c.topics) {
      for (size_t i = 0; i < t.partitions.size(); ++i) add(t, static_cast<int32_t>(i));
    }
  } else {
    for (const auto& want : *req.topics) {
      if (const auto* t = c.topic(want.name)) {
        for (int32_t i : want.partition_indexes) add(*t, i);
      }
    }
  }
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
