// group_coordinator: entry points for SyncGroup/Heartbeat/LeaveGroup, the rebalance (join phase)
// and every timer. JoinGroup and membership changes live in group_membership.cc.
#include "group/group_coordinator.h"

#include <algorithm>
#include <chrono>

namespace sluice::group {
namespace asio = boost::asio;

const char* to_string(group_state s) {
  switch (s) {
    case group_state::empty:
      return "Empty";
    case group_state::preparing_rebalance:
      return "PreparingRebalance";
    case group_state::completing_rebalance:
      return "CompletingRebalance";
    case group_state::stable:
      return "Stable";
    case group_state::dead:
      return "Dead";
  }
  return "Unknown";
}

group_coordinator::group_coordinator(asio::io_context& io, coordinator_config config)
    : io_(io), config_(config) {}

group_coordinator::~group_coordinator() { shutdown(); }

void group_coordinator::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  alive_.reset();  // callbacks of already-queued timers become no-ops
  std::vector<join_callback> joins;
  std::vector<sync_callback> syncs;
  for (auto& [id, g] : groups_) {
    if (g->join_timer) g->join_timer->cancel();
    for (auto& [pid, p] : g->pending_members) p.timer->cancel();
    for (auto& m : g->members) {
      if (m->session_timer) m->session_timer->cancel();
      if (m->awaiting_join) joins.push_back(std::exchange(m->awaiting_join, nullptr));
      if (m->awaiting_sync) syncs.push_back(std::exchange(m->awaiting_sync, nullptr));
    }
  }
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
}

// ---- SyncGroup ----

void group_coordinator::assignment_not_stored(const std::string& group_id, int32_t generation) {
  if (shut_down_) return;
  group* g = find_group(group_id);
  if (!g || g->generation != generation || g->state != group_state::stable) return;
  for (auto& m : g->members) m->assignment.clear();
  prepare_rebalance(*g);
}

void group_coordinator::sync(sync_request req, sync_callback done) {
  auto fail = [&](error_code e) {
    sync_result r;
    r.error = e;
    done(std::move(r));
  };
  if (shut_down_) return fail(error_code::not_coordinator);
  if (req.group_id.empty()) return fail(error_code::invalid_group_id);
  group* g = find_group(req.group_id);
  if (!g || g->state == group_state::dead) return fail(error_code::unknown_member_id);
  if (req.group_instance_id) {
    auto it = g->static_members.find(*req.group_instance_id);
    if (it != g->static_members.end() && it->second != req.member_id)
      return fail(error_code::fenced_instance_id);
  }
  member* m = find_member(*g, req.member_id);
  if (!m) return fail(error_code::unknown_member_id);
  if (req.generation_id != g->generation) return fail(error_code::illegal_generation);
  if ((req.protocol_type && req.protocol_type != g->protocol_type) ||
      (req.protocol_name && req.protocol_name != g->protocol_name)) {
    return fail(error_code::inconsistent_group_protocol);
  }
  switch (g->state) {
    case group_state::empty:
    case group_state::dead:
      return fail(error_code::unknown_member_id);
    case group_state::preparing_rebalance:
      return fail(error_code::rebalance_in_progress);
    case group_state::stable: {
      arm_session(*g, *m);
      sync_result r;
      r.protocol_type = g->protocol_type;
      r.protocol_name = g->protocol_name;
      r.assignment = m->assignment;
      return done(std::move(r));
    }
    case group_state::completing_rebalance:
      break;
  }
  if (m->awaiting_sync) {
    sync_result old;
    old.error = error_code::rebalance_in_progress;
    std::exchange(m->awaiting_sync, nullptr)(std::move(old));
  }
  m->awaiting_sync = std::move(done);
  arm_session(*g, *m);
  if (m->id != g->leader) return;
  for (auto& mm : g->members) {
    mm->assignment.clear();
    for (auto& a : req.assignments) {
      if (a.member_id == mm->id) mm->assignment = std::move(a.assignment);
    }
  }
  set_state(*g, group_state::stable);
  notify_changed(*g);
  std::vector<std::pair<sync_callback, sync_result>> ready;
  for (auto& mm : g->members) {
    if (!mm->awaiting_sync) continue;
    sync_result r;
    r.protocol_type = g->protocol_type;
    r.protocol_name = g->protocol_name;
    r.assignment = mm->assignment;
    ready.emplace_back(std::exchange(mm->awaiting_sync, nullptr), std::move(r));
  }
  for (auto& [cb, r] : ready) cb(std::move(r));
}

// ---- Heartbeat ----

error_code group_coordinator::heartbeat(const heartbeat_request& req) {
  if (shut_down_) return error_code::not_coordinator;
  if (req.group_id.empty()) return error_code::invalid_group_id;
  group* g = find_group(req.group_id);
  if (!g) return error_code::unknown_member_id;
  if (g->state == group_state::dead) return error_code::coordinator_not_available;
  if (req.group_instance_id) {
    auto it = g->static_members.find(*req.group_instance_id);
    if (it != g->static_members.end() && it->second != req.member_id) return error_code::fenced_instance_id;
  }
  if (g->state == group_state::empty) return error_code::unknown_member_id;
  member* m = find_member(*g, req.member_id);
  if (!m) return error_code::unknown_member_id;
  if (req.generation_id != g->generation) return error_code::illegal_generation;
  arm_session(*g, *m);
  if (g->state == group_state::preparing_rebalance) return error_code::rebalance_in_progress;
  return error_code::none;  // Stable and CompletingRebalance (Kafka returns NONE for the latter)
}

// ---- LeaveGroup ----

leave_result group_coordinator::leave(const std::string& group_id, const std::vector<leave_member>& members) {
  leave_result out;
  auto fail_all = [&](error_code e) {
    out.error = e;
    out.members.assign(members.size(), e);
    return out;
  };
  if (shut_down_) return fail_all(error_code::not_coordinator);
  if (group_id.empty()) return fail_all(error_code::invalid_group_id);
  group* g = find_group(group_id);
  if (!g) return fail_all(error_code::unknown_member_id);
  if (g->state == group_state::dead) return fail_all(error_code::coordinator_not_available);
  bool removed = false;
  for (const auto& lm : members) {
    std::string id = lm.member_id;
    if (lm.group_instance_id) {
      auto it = g->static_members.find(*lm.group_instance_id);
      if (it == g->static_members.end()) {
        out.members.push_back(error_code::unknown_member_id);
        continue;
      }
      if (!lm.member_id.empty() && lm.member_id != it->second) {
        out.members.push_back(error_code::fenced_instance_id);
        continue;
      }
      id = it->second;
    }
    if (!find_member(*g, id)) {
      // A KIP-394 id that never joined may leave quietly.
      if (g->pending_members.erase(id) > 0) {
        out.members.push_back(error_code::none);
        removed = true;
        continue;
      }
      out.members.push_back(error_code::unknown_member_id);
      continue;
    }
    remove_member(*g, id, error_code::unknown_member_id);
    out.members.push_back(error_code::none);
    removed = true;
  }
  if (removed) after_member_removed(*g);
  return out;
}

// ---- rebalance ----

int32_t group_coordinator::rebalance_timeout(const group& g) {
  int32_t t = 0;
  for (const auto& m : g.members) t = std::max(t, m->rebalance_timeout_ms);
  return t;
}

void group_coordinator::reset_syncs(group& g, error_code error) {
  std::vector<sync_callback> cbs;
  for (auto& m : g.members) {
    m->assignment.clear();
    if (m->awaiting_sync) cbs.push_back(std::exchange(m->awaiting_sync, nullptr));
  }
  for (auto& cb : cbs) {
    sync_result r;
    r.error = error;
    cb(std::move(r));
  }
}

void group_coordinator::prepare_rebalance(group& g) {
  if (g.state == group_state::dead) return;
  if (g.state == group_state::preparing_rebalance) return maybe_complete_join(g);
  if (g.state == group_state::completing_rebalance) reset_syncs(g, error_code::rebalance_in_progress);
  const bool first = g.state == group_state::empty;
  set_state(g, group_state::preparing_rebalance);
  g.new_member_added = false;
  const int32_t timeout = rebalance_timeout(g);
  if (first && config_.initial_rebalance_delay_ms > 0) {
    // Kafka's InitialDelayedJoin: wait for more members before the first generation.
    const int32_t delay = std::min(config_.initial_rebalance_delay_ms, std::max(timeout, 0));
    g.initial_delay = true;
    g.delay_remaining_ms = std::max(timeout - config_.initial_rebalance_delay_ms, 0);
    arm_join_timer(g, delay);
    return;
  }
  g.initial_delay = false;
  arm_join_timer(g, timeout);
  maybe_complete_join(g);
}

void group_coordinator::maybe_complete_join(group& g) {
  if (g.state != group_state::preparing_rebalance || g.initial_delay) return;
  if (!g.pending_members.empty()) return;
  for (const auto& m : g.members) {
    if (!m->awaiting_join) return;
  }
  complete_join(g);
}

void group_coordinator::complete_join(group& g) {
  ++g.join_epoch;
  if (g.join_timer) g.join_timer->cancel();
  g.initial_delay = false;
  std::vector<std::string> gone;
  for (const auto& m : g.members) {
    if (!m->awaiting_join) gone.push_back(m->id);
  }
  for (const auto& id : gone) remove_member(g, id, error_code::unknown_member_id);
  ++g.generation;
  if (g.members.empty()) {
    set_state(g, group_state::empty);
    g.protocol_name.reset();
    g.leader.clear();
    notify_changed(g);
    return;
  }
  g.protocol_type = g.members.front()->protocol_type;
  g.protocol_name = select_protocol(g);
  if (!find_member(g, g.leader)) g.leader = g.members.front()->id;
  set_state(g, group_state::completing_rebalance);
  std::vector<std::pair<join_callback, join_result>> ready;
  for (auto& m : g.members) {
    m->is_new = false;
    arm_session(g, *m);
    ready.emplace_back(std::exchange(m->awaiting_join, nullptr),
                       current_join_result(g, *m, m->id == g.leader));
  }
  for (auto& [cb, r] : ready) cb(std::move(r));
}

// ---- timers ----

void group_coordinator::arm_join_timer(group& g, int32_t ms) {
  if (!g.join_timer) g.join_timer = std::make_unique<asio::steady_timer>(io_);
  const uint64_t epoch = ++g.join_epoch;
  g.join_timer->expires_after(std::chrono::milliseconds(std::max(ms, 0)));
  g.join_timer->async_wait(
      [this, alive = std::weak_ptr<int>(alive_), id = g.id, epoch](const boost::system::error_code& ec) {
        if (ec || alive.expired()) return;
        on_join_timer(id, epoch);
      });
}

void group_coordinator::on_join_timer(const std::string& group_id, uint64_t epoch) {
  group* g = find_group(group_id);
  if (!g || g->join_epoch != epoch || g->state != group_state::preparing_rebalance) return;
  if (g->initial_delay && g->new_member_added && g->delay_remaining_ms > 0) {
    const int32_t d = std::min(config_.initial_rebalance_delay_ms, g->delay_remaining_ms);
    g->delay_remaining_ms -= d;
    g->new_member_added = false;
    arm_join_timer(*g, d);
    return;
  }
  complete_join(*g);
}

void group_coordinator::arm_session(group& g, member& m, int32_t ms) {
  if (shut_down_) return;
  if (!m.session_timer) m.session_timer = std::make_unique<asio::steady_timer>(io_);
  const uint64_t epoch = ++m.session_epoch;
  m.session_timer->expires_after(std::chrono::milliseconds(ms >= 0 ? ms : m.session_timeout_ms));
  m.session_timer->async_wait([this, alive = std::weak_ptr<int>(alive_), gid = g.id, mid = m.id,
                               epoch](const boost::system::error_code& ec) {
    if (ec || alive.expired()) return;
    on_session_timeout(gid, mid, epoch);
  });
}

void group_coordinator::on_session_timeout(const std::string& group_id, const std::string& member_id,
                                           uint64_t epoch) {
  group* g = find_group(group_id);
  if (!g) return;
  member* m = find_member(*g, member_id);
  if (!m || m->session_epoch != epoch) return;
  // A member parked in JoinGroup/SyncGroup is alive by definition; the rebalance timeout
  // handles one that never comes back.
  if (m->awaiting_join || m->awaiting_sync) return arm_session(*g, *m);
  remove_member(*g, member_id, error_code::unknown_member_id);
  after_member_removed(*g);
}

void group_coordinator::arm_pending(group& g, const std::string& id, int32_t ms) {
  auto& p = g.pending_members[id];
  p.timer = std::make_unique<asio::steady_timer>(io_);
  p.timer->expires_after(std::chrono::milliseconds(std::max(ms, 0)));
  p.timer->async_wait(
      [this, alive = std::weak_ptr<int>(alive_), gid = g.id, id](const boost::system::error_code& ec) {
        if (ec || alive.expired()) return;
        group* g = find_group(gid);
        if (!g || g->pending_members.erase(id) == 0) return;
        maybe_complete_join(*g);
      });
}

void group_coordinator::set_state(group& g, group_state s) {
  g.state = s;
  g.state_timestamp_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
}

void group_coordinator::notify_changed(const group& g) {
  if (persistence_) persistence_->group_changed(g.id);
}

// ---- introspection ----

std::optional<group_state> group_coordinator::state_of(const std::string& group_id) const {
  if (auto* g = find_group(group_id)) return g->state;
  return std::nullopt;
}

int32_t group_coordinator::generation_of(const std::string& group_id) const {
  auto* g = find_group(group_id);
  return g ? g->generation : -1;
}

std::vector<std::string> group_coordinator::members_of(const std::string& group_id) const {
  std::vector<std::string> out;
  if (auto* g = find_group(group_id)) {
    for (const auto& m : g->members) out.push_back(m->id);
  }
  return out;
}

std::string group_coordinator::leader_of(const std::string& group_id) const {
  auto* g = find_group(group_id);
  return g ? g->leader : std::string();
}

}  // namespace sluice::group
