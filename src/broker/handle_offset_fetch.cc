// OffsetFetch (key 9): a group's committed offsets; -1 where nothing is committed; a null topic
// list (v2+) means every committed offset; v8+ asks for many groups at once.
#include "broker/broker_state.h"
#include "broker/coordinator_lookup.h"
#include "broker/error_mapping.h"
#include "broker/handlers.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "group/group_coordinator.h"
#include "protocol/generated/offset_fetch.h"

namespace sluice::broker {
namespace {
using response = protocol::offset_fetch_response;

// Groups offsets by topic, keeping first-seen topic order.
template <class Topic, class Partition>
std::vector<Topic> by_topic(const group::fetch_result& r, int16_t version) {
  std::vector<Topic> out;
  for (const auto& f : r.offsets) {
    if (out.empty() || out.back().name != f.tp.topic) {
      Topic t;
      t.name = f.tp.topic;
      out.push_back(std::move(t));
    }
    Partition p;
    p.partition_index = f.tp.partition;
    p.committed_offset = f.value.offset;
    p.committed_leader_epoch = f.value.leader_epoch;
    // v0-1 cannot tell "no offset" apart otherwise; Kafka sends "" metadata there.
    p.metadata = f.value.metadata ? f.value.metadata
                                  : std::optional<std::string>(version >= 8 ? std::nullopt
                                                                            : std::optional<std::string>(""));
    p.error_code = code_of(f.error);
    out.back().partitions.push_back(std::move(p));
  }
  return out;
}

template <class T>
std::optional<std::vector<group::fetch_topic>> wanted(const std::optional<std::vector<T>>& topics) {
  if (!topics) return std::nullopt;
  std::vector<group::fetch_topic> out;
  for (const auto& t : *topics) out.push_back({t.name, t.partition_indexes});
  return out;
}

}  // namespace

boost::asio::awaitable<net::frame_result> handle_offset_fetch(request_context& ctx) {
  protocol::offset_fetch_request req;
  if (!ctx.decode(req)) co_return close_connection();
  auto& groups = ctx.state.groups;
  response resp;
  if (ctx.version() >= 8) {
    for (const auto& g : req.groups) {
      group::fetch_result r;
      r.error = group_coordinator_error(ctx.state, g.group_id);
      if (r.error == protocol::error_code::none) r = groups.fetch(g.group_id, wanted(g.topics));
      response::group out;
      out.group_id = g.group_id;
      out.error_code = code_of(r.error);
      out.topics = by_topic<response::group::group_topic, response::group::group_topic::group_partition>(
          r, ctx.version());
      resp.groups.push_back(std::move(out));
    }
    co_return respond(ctx, resp);
  }
  // v0-1 have no null topic list (the decoder leaves an empty one).
  group::fetch_result r;
  r.error = group_coordinator_error(ctx.state, req.group_id);
  if (r.error == protocol::error_code::none) r = groups.fetch(req.group_id, wanted(req.topics));
  resp.topics = by_topic<response::topic, response::topic::partition>(r, ctx.version());
  if (ctx.version() >= 2) {
    resp.error_code = code_of(r.error);
  } else if (r.error != protocol::error_code::none) {
    // v0-1 have no top-level error: Kafka puts it on every partition.
    for (auto& t : resp.topics) {
      for (auto& p : t.partitions) p.error_code = code_of(r.error);
    }
  }
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
