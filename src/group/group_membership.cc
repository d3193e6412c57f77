// group_membership: JoinGroup (new, known, KIP-394 pending and KIP-345 static members), member
// removal and the protocol vote.
#include <algorithm>
#include <map>
#include <utility>

#include "base/uuid.h"
#include "group/group_coordinator.h"

namespace sluice::group {
namespace {

// java.util.UUID.toString() form, as Kafka uses in member ids.
std::string dashed_uuid() {
  static constexpr char hex[] = "0123456789abcdef";
  const auto b = random_uuid();
  std::string s;
  for (size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(hex[b[i] >> 4]);
    s.push_back(hex[b[i] & 0xf]);
  }
  return s;
}

}  // namespace

group_coordinator::group* group_coordinator::find_group(const std::string& id) const {
  auto it = groups_.find(id);
  return it == groups_.end() ? nullptr : it->second.get();
}

group_coordinator::group& group_coordinator::get_or_create(const std::string& id) {
  auto& slot = groups_[id];
  if (!slot) {
    slot = std::make_unique<group>();
    slot->id = id;
    set_state(*slot, group_state::empty);
  }
  return *slot;
}

group_coordinator::member* group_coordinator::find_member(group& g, const std::string& id) {
  if (id.empty()) return nullptr;
  for (auto& m : g.members) {
    if (m->id == id) return m.get();
  }
  return nullptr;
}

bool group_coordinator::protocols_compatible(const group& g, const join_request& req) const {
  if (req.protocol_type.empty() || req.protocols.empty()) return false;
  if (g.members.empty()) return true;
  if (g.members.front()->protocol_type != req.protocol_type) return false;
  // At least one of the member's protocols must be supported by every current member.
  for (const auto& p : req.protocols) {
    bool everyone = true;
    for (const auto& m : g.members) {
      if (m->id == req.member_id) continue;
      auto has = std::any_of(m->protocols.begin(), m->protocols.end(),
                             [&](const auto& q) { return q.name == p.name; });
      if (!has) {
        everyone = false;
        break;
      }
    }
    if (everyone) return true;
  }
  return false;
}

std::optional<std::string> group_coordinator::select_protocol(const group& g) const {
  if (g.members.empty()) return std::nullopt;
  auto supported_by_all = [&](const std::string& name) {
    return std::all_of(g.members.begin(), g.members.end(), [&](const auto& m) {
      return std::any_of(m->protocols.begin(), m->protocols.end(),
                         [&](const auto& q) { return q.name == name; });
    });
  };
  // Each member votes for its most preferred protocol among those everyone supports.
  std::map<std::string, int> votes;
  std::vector<std::string> order;
  for (const auto& m : g.members) {
    for (const auto& p : m->protocols) {
      if (!supported_by_all(p.name)) continue;
      if (votes[p.name]++ == 0) order.push_back(p.name);
      break;
    }
  }
  if (order.empty()) {
    const auto& first = g.members.front()->protocols;
    return first.empty() ? std::nullopt : std::optional<std::string>(first.front().name);
  }
  std::string best = order.front();
  for (const auto& name : order) {
    if (votes[name] > votes[best]) best = name;
  }
  return best;
}

join_result group_coordinator::current_join_result(const group& g, const member& m, bool with_members) const {
  join_result r;
  r.generation_id = g.generation;
  r.protocol_type = g.protocol_type;
  r.protocol_name = g.protocol_name;
  r.leader = g.leader;
  r.member_id = m.id;
  if (!with_members) return r;
  for (const auto& mm : g.members) {
    join_member jm;
    jm.member_id = mm->id;
    jm.group_instance_id = mm->instance_id;
    for (const auto& p : mm->protocols) {
      if (g.protocol_name && p.name == *g.protocol_name) jm.metadata = p.metadata;
    }
    r.members.push_back(std::move(jm));
  }
  return r;
}

void group_coordinator::join(join_request req, join_callback done) {
  auto fail = [&](error_code e) {
    join_result r;
    r.error = e;
    r.member_id = req.member_id;
    done(std::move(r));
  };
  if (shut_down_) return fail(error_code::not_coordinator);
  if (req.group_id.empty()) return fail(error_code::invalid_group_id);
  if (req.session_timeout_ms < config_.min_session_timeout_ms ||
      req.session_timeout_ms > config_.max_session_timeout_ms) {
    return fail(error_code::invalid_session_timeout);
  }
  if (req.rebalance_timeout_ms < 0) req.rebalance_timeout_ms = req.session_timeout_ms;
  group* g = find_group(req.group_id);
  if (!g) {
    if (!req.member_id.empty()) return fail(error_code::unknown_member_id);
    g = &get_or_create(req.group_id);
  }
  if (g->state == group_state::dead) {
    return fail(req.member_id.empty() ? error_code::coordinator_not_available
                                      : error_code::unknown_member_id);
  }
  if (!protocols_compatible(*g, req)) return fail(error_code::inconsistent_group_protocol);
  if (req.member_id.empty()) return join_new_member(*g, req, done);

  if (req.group_instance_id) {
    auto it = g->static_members.find(*req.group_instance_id);
    if (it != g->static_members.end() && it->second != req.member_id)
      return fail(error_code::fenced_instance_id);
  }
  if (g->pending_members.erase(req.member_id) > 0) {
    if (static_cast<int64_t>(g->members.size()) >= config_.max_group_size) {
      return fail(error_code::group_max_size_reached);
    }
    add_member(*g, req.member_id, req, std::move(done));
    return prepare_rebalance(*g);
  }
  member* m = find_member(*g, req.member_id);
  if (!m) return fail(error_code::unknown_member_id);
  join_known_member(*g, *m, req, done);
}

void group_coordinator::join_new_member(group& g, join_request& req, join_callback& done) {
  if (req.group_instance_id) {
    auto it = g.static_members.find(*req.group_instance_id);
    if (it != g.static_members.end()) return join_static_replace(g, it->second, req, done);
  }
  if (static_cast<int64_t>(g.members.size()) >= config_.max_group_size) {
    join_result r;
    r.error = error_code::group_max_size_reached;
    return done(std::move(r));
  }
  const std::string id =
      (req.group_instance_id ? *req.group_instance_id : req.client_id) + "-" + dashed_uuid();
  if (!req.group_instance_id && req.require_known_member_id) {
    // KIP-394: hand out the id; the member joins for real when it comes back with it.
    arm_pending(g, id, req.session_timeout_ms);
    join_result r;
    r.error = error_code::member_id_required;
    r.member_id = id;
    return done(std::move(r));
  }
  add_member(g, id, req, std::move(done));
  prepare_rebalance(g);
}

void group_coordinator::join_known_member(group& g, member& m, join_request& req, join_callback& done) {
  const bool same = m.protocols == req.protocols;
  switch (g.state) {
    case group_state::preparing_rebalance:
      update_member(g, m, req, std::move(done));
      return maybe_complete_join(g);
    case group_state::completing_rebalance:
      if (same) {
        arm_session(g, m);
        return done(current_join_result(g, m, m.id == g.leader));
      }
      update_member(g, m, req, std::move(done));
      return prepare_rebalance(g);
    case group_state::stable:
      if (same && m.id != g.leader) {
        arm_session(g, m);
        return done(current_join_result(g, m, false));
      }
      update_member(g, m, req, std::move(done));
      return prepare_rebalance(g);
    case group_state::empty:
    case group_state::dead:
      break;
  }
  join_result r;
  r.error = error_code::unknown_member_id;
  r.member_id = req.member_id;
  done(std::move(r));
}

void group_coordinator::join_static_replace(group& g, const std::string& old_ref, join_request& req,
                                            join_callback& done) {
  const std::string old_id = old_ref;  // old_ref lives in static_members, rewritten below
  member* m = find_member(g, old_id);
  if (!m) {
    g.static_members.erase(*req.group_instance_id);
    return join_new_member(g, req, done);
  }
  // The old incarnation's parked requests are fenced.
  if (m->awaiting_join) {
    join_result r;
    r.error = error_code::fenced_instance_id;
    r.member_id = old_id;
    std::exchange(m->awaiting_join, nullptr)(std::move(r));
  }
  if (m->awaiting_sync) {
    sync_result r;
    r.error = error_code::fenced_instance_id;
    std::exchange(m->awaiting_sync, nullptr)(std::move(r));
  }
  const std::string new_id = *req.group_instance_id + "-" + dashed_uuid();
  m->id = new_id;
  g.static_members[*req.group_instance_id] = new_id;
  if (g.leader == old_id) g.leader = new_id;
  m->client_id = req.client_id;
  m->client_host = req.client_host;
  m->session_timeout_ms = req.session_timeout_ms;
  m->rebalance_timeout_ms = req.rebalance_timeout_ms;
  m->supports_skip_assignment = req.supports_skip_assignment;
  if (g.state == group_state::stable) {
    // Kafka (updateStaticMemberThenRebalanceOrCompleteJoin): the replacement's protocols are stored
    // and the group rebalances only if they change the protocol the group would select. Metadata
    // that differs in content only is no reason to move everyone's partitions: cooperative
    // assignors put the owned partitions there, and a restarted member owns none.
    auto old_protocols = std::exchange(m->protocols, req.protocols);
    if (select_protocol(g) == g.protocol_name) {
      // No rebalance: the new id takes over the old one's place and assignment.
      arm_session(g, *m);
      const bool skip = m->id == g.leader && req.supports_skip_assignment;
      auto r = current_join_result(g, *m, skip);
      r.skip_assignment = skip;
      return done(std::move(r));
    }
    m->protocols = std::move(old_protocols);
  }
  // CompletingRebalance: the leader may already be computing an assignment keyed by the old member
  // id, which SyncGroup would not give to the new id; Kafka rebalances again, so do we.
  // PreparingRebalance: the member simply rejoins.
  update_member(g, *m, req, std::move(done));
  prepare_rebalance(g);
}

group_coordinator::member& group_coordinator::add_member(group& g, const std::string& id, join_request& req,
                                                         join_callback done) {
  auto m = std::make_unique<member>();
  m->id = id;
  m->instance_id = req.group_instance_id;
  m->client_id = req.client_id;
  m->client_host = req.client_host;
  m->session_timeout_ms = req.session_timeout_ms;
  m->rebalance_timeout_ms = req.rebalance_timeout_ms;
  m->protocol_type = req.protocol_type;
  m->protocols = std::move(req.protocols);
  m->supports_skip_assignment = req.supports_skip_assignment;
  m->awaiting_join = std::move(done);
  m->is_new = true;
  if (m->instance_id) g.static_members[*m->instance_id] = id;
  if (g.leader.empty()) g.leader = id;
  g.new_member_added = true;
  auto& ref = *m;
  g.members.push_back(std::move(m));
  arm_session(g, ref);
  return ref;
}

void group_coordinator::update_member(group& g, member& m, join_request& req, join_callback done) {
  m.protocols = std::move(req.protocols);
  m.session_timeout_ms = req.session_timeout_ms;
  m.rebalance_timeout_ms = req.rebalance_timeout_ms;
  m.supports_skip_assignment = req.supports_skip_assignment;
  if (m.awaiting_join) {
    join_result r;
    r.error = error_code::rebalance_in_progress;
    r.member_id = m.id;
    std::exchange(m.awaiting_join, nullptr)(std::move(r));
  }
  m.awaiting_join = std::move(done);
  arm_session(g, m);
}

void group_coordinator::remove_member(group& g, const std::string& id, error_code parked_error) {
  auto it = std::find_if(g.members.begin(), g.members.end(), [&](const auto& m) { return m->id == id; });
  if (it == g.members.end()) return;
  std::unique_ptr<member> m = std::move(*it);
  g.members.erase(it);
  if (m->instance_id) {
    auto s = g.static_members.find(*m->instance_id);
    if (s != g.static_members.end() && s->second == id) g.static_members.erase(s);
  }
  if (g.leader == id) g.leader = g.members.empty() ? std::string() : g.members.front()->id;
  if (m->session_timer) m->session_timer->cancel();
  if (m->awaiting_join) {
    join_result r;
    r.error = parked_error;
    r.member_id = id;
    std::exchange(m->awaiting_join, nullptr)(std::move(r));
  }
  if (m->awaiting_sync) {
    sync_result r;
    r.error = parked_error;
    std::exchange(m->awaiting_sync, nullptr)(std::move(r));
  }
}

void group_coordinator::after_member_removed(group& g) {
  switch (g.state) {
    case group_state::stable:
    case group_state::completing_rebalance:
      return prepare_rebalance(g);
    case group_state::preparing_rebalance:
      return maybe_complete_join(g);
    case group_state::empty:
    case group_state::dead:
      return;
  }
}

}  // namespace sluice::group
