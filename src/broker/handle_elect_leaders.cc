// ElectLeaders (key 43): preferred-leader (election type 0) or unclean (1) election for the given
// partitions, or for every partition when the list is null. In cluster mode the request goes to the
// controller (cluster_writer::request_election) and the answer waits, bounded by timeout_ms, until
// this broker's snapshot shows the outcome. A single node leads every partition with its only
// replica: ELECTION_NOT_NEEDED.
#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

#include "broker/broker_state.h"
#include "broker/error_mapping.h"
#include "broker/handlers.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "cluster/topic_table.h"
#include "cluster/topic_writer.h"
#include "protocol/generated/elect_leaders.h"

namespace sluice::broker {
namespace {
using protocol::error_code;
using request = protocol::elect_leaders_request;
using response = protocol::elect_leaders_response;

constexpr int8_t preferred_election = 0;
constexpr int8_t unclean_election = 1;

struct wanted {
  std::string topic;
  int32_t partition = 0;
  response::result::partition* slot = nullptr;  // its answer
};

// What the partition needs, judged from a snapshot: none when the election has happened (or is
// not needed), else why it cannot (yet).
error_code judge(const cluster::cluster_snapshot& c, const cluster::partition_leadership& l, int8_t type,
                 bool first_look) {
  if (type == preferred_election) {
    if (l.replicas.empty()) return error_code::preferred_leader_not_available;
    const int32_t preferred = l.replicas.front();
    if (l.leader == preferred) return first_look ? error_code::election_not_needed : error_code::none;
    if (!c.broker(preferred) || !l.in_isr(preferred)) return error_code::preferred_leader_not_available;
    return error_code::request_timed_out;  // pending
  }
  if (l.leader >= 0 && c.broker(l.leader))
    return first_look ? error_code::election_not_needed : error_code::none;
  const bool any_live =
      std::any_of(l.replicas.begin(), l.replicas.end(), [&](int32_t r) { return c.broker(r); });
  if (!any_live) return error_code::eligible_leaders_not_available;
  return error_code::request_timed_out;  // pending
}

}  // namespace

boost::asio::awaitable<net::frame_result> handle_elect_leaders(request_context& ctx) {
  request req;
  if (!ctx.decode(req)) co_return close_connection();
  auto& s = ctx.state;
  response resp;
  if (req.election_type != preferred_election && req.election_type != unclean_election) {
    resp.error_code = code_of(error_code::invalid_request);
    co_return respond(ctx, resp);
  }
  // The partitions asked for (null: all), each with a slot in the response.
  std::vector<std::pair<std::string, std::vector<int32_t>>> asked;
  if (req.topic_partitions) {
    for (const auto& t : *req.topic_partitions) asked.emplace_back(t.topic, t.partitions);
  } else if (s.cluster_mode()) {
    for (const auto& [name, t] : s.cluster->topics) {
      std::vector<int32_t> all;
      for (size_t i = 0; i < t.partitions.size(); ++i) all.push_back(static_cast<int32_t>(i));
      asked.emplace_back(name, std::move(all));
    }
  } else {
    for (const auto* t : s.topics.list()) {
      std::vector<int32_t> all;
      for (int32_t i = 0; i < t->partition_count; ++i) all.push_back(i);
      asked.emplace_back(t->name, std::move(all));
    }
  }
  resp.replica_election_results.reserve(asked.size());
  std::vector<wanted> pending;
  std::vector<std::pair<std::string, int32_t>> to_elect;
  for (const auto& [topic, parts] : asked) {
    auto& tr = resp.replica_election_results.emplace_back();
    tr.topic = topic;
    tr.partition_result.reserve(parts.size());
    for (int32_t p : parts) {
      auto& pr = tr.partition_result.emplace_back();
      pr.partition_id = p;
      if (!s.cluster_mode()) {
        const auto* t = s.topics.find(topic);
        const bool known = t && p >= 0 && p < t->partition_count;
        pr.error_code =
            code_of(known ? error_code::election_not_needed : error_code::unknown_topic_or_partition);
        continue;
      }
      const auto* l = s.cluster->partition(topic, p);
      if (!l) {
        pr.error_code = code_of(error_code::unknown_topic_or_partition);
        continue;
      }
      const error_code now = judge(*s.cluster, *l, req.election_type, /*first_look=*/true);
      if (now != error_code::request_timed_out) {
        pr.error_code = code_of(now);
        continue;
      }
      to_elect.emplace_back(topic, p);
      pending.push_back({topic, p, &pr});
    }
  }
  if (!pending.empty() && s.cluster_writer) {
    s.cluster_writer->request_election(to_elect, req.election_type == unclean_election);
    const auto limit = std::chrono::milliseconds(std::clamp<int32_t>(req.timeout_ms, 0, 120000));
    const auto deadline = std::chrono::steady_clock::now() + limit;
    boost::asio::steady_timer timer(s.io);
    for (;;) {
      bool all_done = true;
      for (auto& w : pending) {
        const auto* l = s.cluster->partition(w.topic, w.partition);
        const error_code e =
            l ? judge(*s.cluster, *l, req.election_type, false) : error_code::unknown_topic_or_partition;
        w.slot->error_code = code_of(e);
        if (e == error_code::request_timed_out) all_done = false;
      }
      if (all_done || std::chrono::steady_clock::now() >= deadline) break;
      timer.expires_after(std::chrono::milliseconds(20));
      co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
    for (auto& w : pending) {
      if (w.slot->error_code == code_of(error_code::request_timed_out)) {
        w.slot->error_message = "the controller did not elect a new leader within the timeout";
      }
    }
  }
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
