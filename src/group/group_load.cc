// group_load: the coordinator's side of persistence: the GroupMetadataValue snapshot of a group,
// rebuilding groups and offsets from __consumer_offsets records at start, and offset expiry
// (offsets.retention.minutes with KIP-211's rules).
#include <algorithm>
#include <utility>

#include "group/group_coordinator.h"

namespace sluice::group {

std::optional<group_snapshot> group_coordinator::snapshot(const std::string& group_id) const {
  const group* g = find_group(group_id);
  if (!g) return std::nullopt;
  group_snapshot s;
  s.protocol_type = g->protocol_type.value_or("");
  s.generation = g->generation;
  s.protocol_name = g->protocol_name;
  if (!g->leader.empty()) s.leader = g->leader;
  s.current_state_timestamp_ms = g->state_timestamp_ms;
  for (const auto& m : g->members) {
    member_snapshot ms;
    ms.member_id = m->id;
    ms.group_instance_id = m->instance_id;
    ms.client_id = m->client_id;
    ms.client_host = m->client_host;
    ms.rebalance_timeout_ms = m->rebalance_timeout_ms;
    ms.session_timeout_ms = m->session_timeout_ms;
    for (const auto& p : m->protocols) {
      if (g->protocol_name && p.name == *g->protocol_name) ms.subscription = p.metadata;
    }
    ms.assignment = m->assignment;
    s.members.push_back(std::move(ms));
  }
  return s;
}

void group_coordinator::load_offset(const std::string& group_id, const topic_partition& tp,
                                    std::optional<committed_offset> value) {
  if (group_id.empty()) return;
  if (!value) {
    if (group* g = find_group(group_id)) g->offsets.erase(tp);
    return;
  }
  get_or_create(group_id).offsets[tp] = std::move(*value);
}

void group_coordinator::load_group(const std::string& group_id, std::optional<group_snapshot> snap) {
  if (group_id.empty()) return;
  group& g = get_or_create(group_id);
  // Replace whatever an earlier record of the log said about the membership; offsets are separate
  // records and stay.
  for (auto& m : g.members) {
    if (m->session_timer) m->session_timer->cancel();
  }
  g.members.clear();
  g.static_members.clear();
  g.leader.clear();
  g.protocol_name.reset();
  if (!snap) {
    // Tombstone: the group was deleted or emptied away; offsets written after it bring it back.
    g.protocol_type.reset();
    g.generation = 0;
    set_state(g, group_state::empty);
    return;
  }
  g.protocol_type = snap->protocol_type.empty() ? std::nullopt : std::optional(snap->protocol_type);
  g.generation = snap->generation;
  g.protocol_name = snap->protocol_name;
  for (auto& ms : snap->members) {
    auto m = std::make_unique<member>();
    m->id = ms.member_id;
    m->instance_id = ms.group_instance_id;
    m->client_id = ms.client_id;
    m->client_host = ms.client_host;
    m->session_timeout_ms = ms.session_timeout_ms;
    m->rebalance_timeout_ms = ms.rebalance_timeout_ms;
    m->protocol_type = snap->protocol_type;
    if (snap->protocol_name) m->protocols.push_back({*snap->protocol_name, std::move(ms.subscription)});
    m->assignment = std::move(ms.assignment);
    if (m->instance_id) g.static_members[*m->instance_id] = m->id;
    g.members.push_back(std::move(m));
  }
  if (snap->leader && find_member(g, *snap->leader)) g.leader = *snap->leader;
  // Kafka writes the group's metadata when a generation's assignment is stored (Stable) and when
  // it becomes Empty, so a loaded group with members is Stable: its members carry on with their
  // generation and heartbeats; the session timers started here remove the ones that do not.
  if (g.members.empty()) {
    set_state(g, group_state::empty);
  } else {
    if (g.leader.empty()) g.leader = g.members.front()->id;
    set_state(g, group_state::stable);
    for (auto& m : g.members) arm_session(g, *m);
  }
  if (snap->current_state_timestamp_ms >= 0) g.state_timestamp_ms = snap->current_state_timestamp_ms;
}

void group_coordinator::finish_load() {
  std::erase_if(groups_, [](const auto& entry) {
    const group& g = *entry.second;
    return g.state == group_state::empty && g.members.empty() && g.offsets.empty() && g.generation == 0 &&
           g.pending_members.empty();
  });
}

size_t group_coordinator::unload_groups(const std::function<bool(const std::string&)>& owned) {
  std::vector<join_callback> joins;
  std::vector<sync_callback> syncs;
  size_t removed = 0;
  for (auto it = groups_.begin(); it != groups_.end();) {
    if (!owned(it->first)) {
      ++it;
      continue;
    }
    group& g = *it->second;
    if (g.join_timer) g.join_timer->cancel();
    for (auto& [pid, p] : g.pending_members) {
      if (p.timer) p.timer->cancel();
    }
    for (auto& m : g.members) {
      if (m->session_timer) m->session_timer->cancel();
      if (m->awaiting_join) joins.push_back(std::exchange(m->awaiting_join, nullptr));
      if (m->awaiting_sync) syncs.push_back(std::exchange(m->awaiting_sync, nullptr));
    }
    it = groups_.erase(it);
    ++removed;
  }
  // Answered after the removal: a callback sees a coordinator without the groups.
  for (auto& cb : joins) {
    join_result r;
    r.error = error_code::not_coordinator;
    cb(std::move(r));
  }
  for (auto& cb : syncs) {
    sync_result r;
    r.error = error_code::not_coordinator;
    cb(std::move(r));
  }
  return removed;
}

size_t group_coordinator::expire_offsets(int64_t now_ms, int64_t retention_ms) {
  if (shut_down_) return 0;
  size_t removed = 0;
  std::vector<std::string> dead;
  for (auto& [id, gp] : groups_) {
    group& g = *gp;
    std::vector<topic_partition> expired;
    // KIP-211: offsets of an Empty group expire together, `retention` after it became Empty
    // (its current state timestamp); offsets of a group without a protocol (standalone commits)
    // expire one by one, `retention` after their commit.
    const bool empty_consumer = g.state == group_state::empty && g.protocol_type.has_value();
    const bool standalone = g.state == group_state::empty && !g.protocol_type.has_value();
    if (empty_consumer || standalone) {
      for (const auto& [tp, v] : g.offsets) {
        const int64_t base =
            empty_consumer && g.state_timestamp_ms > 0 ? g.state_timestamp_ms : v.commit_timestamp_ms;
        if (now_ms - base >= retention_ms) expired.push_back(tp);
      }
    } else if (g.state == group_state::stable && g.protocol_type == "consumer") {
      // A Stable consumer group keeps the offsets of the topics it subscribes to; those of topics
      // no member subscribes to any more expire from their commit time. Unknown subscriptions keep
      // everything.
      if (auto subscribed = subscribed_topics(g)) {
        for (const auto& [tp, v] : g.offsets) {
          if (!subscribed->count(tp.topic) && now_ms - v.commit_timestamp_ms >= retention_ms)
            expired.push_back(tp);
        }
      }
    }
    for (const auto& tp : expired) g.offsets.erase(tp);
    removed += expired.size();
    if (!expired.empty() && persistence_) persistence_->offsets_removed(id, expired);
    if (g.state == group_state::empty && g.members.empty() && g.offsets.empty() &&
        g.pending_members.empty()) {
      dead.push_back(id);
    }
  }
  for (const auto& id : dead) {
    groups_.erase(id);
    if (persistence_) persistence_->group_removed(id);
  }
  return removed;
}

}  // namespace sluice::group
