// partition_election: the controller's decisions for one partition, as pure functions of the
// partition's assignment, its current state and the live brokers (Kafka's PartitionStateMachine
// and its election strategies): the initial leader and ISR of a new partition, a new leader when
// the leader is gone (clean, or unclean when allowed), replicas removed from the ISR when their
// broker is gone or shutting down, and preferred-leader election.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "cluster/zk/zk_formats.h"

namespace sluice::cluster::zk {

struct election_context {
  const std::set<int32_t>* live = nullptr;           // registered brokers
  const std::set<int32_t>* shutting_down = nullptr;  // in a controlled shutdown (may be null)
  bool unclean_allowed = false;                      // unclean.leader.election.enable (topic's)

  bool available(int32_t id) const {
    return live->contains(id) && !(shutting_down && shutting_down->contains(id));
  }
};

// The state a brand-new partition starts with: the first available replica leads, the ISR is every
// available replica. With none available the partition starts offline (leader -1) with the whole
// assignment as its ISR (nothing was written yet, so any replica may lead once it is up).
partition_state initial_state(const std::vector<int32_t>& replicas, const election_context& ctx);

// What the controller should write for an existing partition, or nullopt when the state is right:
//  * replicas no longer available leave the ISR, except that the ISR never becomes empty (it keeps
//    the last leader, as Kafka does, so only that broker can lead cleanly again);
//  * a leader that is unavailable (or -1) is replaced by the first assigned replica that is in the
//    ISR and available; without one, by the first available assigned replica if unclean election
//    is allowed (ISR = {it}, leader_recovery_state RECOVERING), else the partition goes offline;
//  * `prefer_preferred`: leadership moves to the first assigned replica when it is available and
//    in the ISR (preferred-leader election, auto.leader.rebalance.enable).
// Every leader change increments the leader epoch; an ISR-only change keeps it.
std::optional<partition_state> next_state(const std::vector<int32_t>& replicas,
                                          const partition_state& current, const election_context& ctx,
                                          bool prefer_preferred = false);

}  // namespace sluice::cluster::zk
