// partition_election: see the header.
#include "cluster/zk/partition_election.h"

#include <algorithm>

namespace sluice::cluster::zk {

partition_state initial_state(const std::vector<int32_t>& replicas, const election_context& ctx) {
  partition_state s;
  for (int32_t r : replicas) {
    if (ctx.available(r)) s.isr.push_back(r);
  }
  if (s.isr.empty()) {
    s.leader = -1;
    s.isr = replicas;
  } else {
    s.leader = s.isr.front();
  }
  s.leader_epoch = 0;
  return s;
}

std::optional<partition_state> next_state(const std::vector<int32_t>& replicas,
                                          const partition_state& current, const election_context& ctx,
                                          bool prefer_preferred) {
  partition_state next = current;
  auto in = [](const std::vector<int32_t>& v, int32_t id) {
    return std::find(v.begin(), v.end(), id) != v.end();
  };

  // Leader: keep an available one, else elect.
  int32_t leader = current.leader;
  const bool leader_ok = leader >= 0 && ctx.available(leader) && in(replicas, leader);
  if (!leader_ok) {
    leader = -1;
    for (int32_t r : replicas) {
      if (in(current.isr, r) && ctx.available(r)) {
        leader = r;
        break;
      }
    }
    if (leader < 0 && ctx.unclean_allowed) {
      for (int32_t r : replicas) {
        if (ctx.available(r)) {
          leader = r;
          next.isr = {r};
          next.leader_recovery_state = 1;
          break;
        }
      }
    }
  } else if (prefer_preferred && !replicas.empty() && leader != replicas.front() &&
             ctx.available(replicas.front()) && in(current.isr, replicas.front())) {
    leader = replicas.front();
  }

  // ISR: drop unavailable replicas (and replicas no longer assigned), never emptying it.
  std::vector<int32_t> isr;
  for (int32_t r : next.isr) {
    if (ctx.available(r) && in(replicas, r)) isr.push_back(r);
  }
  if (leader >= 0 && !in(isr, leader)) isr.insert(isr.begin(), leader);
  if (isr.empty()) {
    // Offline: keep the last leader (or the previous ISR) as the only replica that may lead cleanly.
    if (current.leader >= 0) {
      isr = {current.leader};
    } else {
      isr = current.isr;
    }
  }
  next.isr = std::move(isr);
  next.leader = leader;
  if (leader != current.leader) next.leader_epoch = current.leader_epoch + 1;
  if (next == current) return std::nullopt;
  return next;
}

}  // namespace sluice::cluster::zk
