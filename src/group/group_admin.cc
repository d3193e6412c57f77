// group_admin: the coordinator's admin API: ListGroups, DescribeGroups, DeleteGroups and
// OffsetDelete, with Kafka's classic-group rules (GroupCoordinator / GroupMetadataManager).
#include <algorithm>
#include <cctype>
#include <set>

#include "group/consumer_protocol.h"
#include "group/group_coordinator.h"

namespace sluice::group {
namespace {

constexpr const char* consumer_protocol_type = "consumer";

bool iequals(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Kafka sets a group's protocol type when its first member joins and keeps it while the group is
// Empty; ours is stored when a join phase completes, so during the first rebalance it comes from
// the members. (Templates over the coordinator's private group type, which they cannot name.)
template <class Group>
std::string protocol_type_of(const Group& g) {
  if (g.protocol_type) return *g.protocol_type;
  return g.members.empty() ? std::string() : g.members.front()->protocol_type;
}

}  // namespace

std::vector<group_listing> group_coordinator::list(const std::vector<std::string>& states) const {
  std::vector<group_listing> out;
  if (shut_down_) return out;
  for (const auto& [id, g] : groups_) {
    if (g->state == group_state::dead) continue;
    const std::string state = to_string(g->state);
    if (!states.empty() &&
        std::none_of(states.begin(), states.end(), [&](const std::string& s) { return iequals(s, state); })) {
      continue;
    }
    out.push_back({id, protocol_type_of(*g), state});
  }
  return out;
}

group_description group_coordinator::describe(const std::string& group_id) const {
  group_description d;
  d.group_id = group_id;
  if (shut_down_) {
    d.error = error_code::not_coordinator;
    return d;
  }
  const group* g = find_group(group_id);
  if (!g || g->state == group_state::dead) {
    // Kafka describes an unknown group (including the empty id) as Dead: NONE, no protocol, no members.
    d.state = to_string(group_state::dead);
    return d;
  }
  d.state = to_string(g->state);
  d.protocol_type = protocol_type_of(*g);
  // Kafka fills in the protocol and each member's metadata and assignment only when Stable: in the
  // other states the assignment is being renegotiated and is not meaningful.
  const bool stable = g->state == group_state::stable && g->protocol_name.has_value();
  if (stable) d.protocol_data = *g->protocol_name;
  for (const auto& m : g->members) {
    described_member dm;
    dm.member_id = m->id;
    dm.group_instance_id = m->instance_id;
    dm.client_id = m->client_id;
    dm.client_host = m->client_host;
    if (stable) {
      for (const auto& p : m->protocols) {
        if (p.name == *g->protocol_name) dm.metadata = p.metadata;
      }
      dm.assignment = m->assignment;
    }
    d.members.push_back(std::move(dm));
  }
  return d;
}

error_code group_coordinator::delete_group(const std::string& group_id) {
  if (shut_down_) return error_code::not_coordinator;
  // Kafka accepts the empty group id here (old clients committed offsets under it); it is simply
  // not found unless such a group exists.
  auto it = groups_.find(group_id);
  if (it == groups_.end() || it->second->state == group_state::dead) return error_code::group_id_not_found;
  group& g = *it->second;
  if (g.state != group_state::empty) return error_code::non_empty_group;

  std::vector<topic_partition> removed;
  removed.reserve(g.offsets.size());
  for (const auto& [tp, v] : g.offsets) removed.push_back(tp);
  set_state(g, group_state::dead);
  // Destroying the group destroys its timers, which cancels their waits; their callbacks look the
  // group up by id and find nothing.
  groups_.erase(it);
  if (persistence_) {
    if (!removed.empty()) persistence_->offsets_removed(group_id, removed);
    persistence_->group_removed(group_id);
  }
  return error_code::none;
}

offset_delete_result group_coordinator::delete_offsets(const std::string& group_id,
                                                       const std::vector<topic_partition>& partitions) {
  offset_delete_result out;
  auto fail = [&](error_code e) {
    out.error = e;
    out.partitions.assign(partitions.size(), e);
    return out;
  };
  if (shut_down_) return fail(error_code::not_coordinator);
  if (group_id.empty()) return fail(error_code::invalid_group_id);
  group* g = find_group(group_id);
  if (!g || g->state == group_state::dead) return fail(error_code::group_id_not_found);

  // An Empty group gives up any offset. A group with members may give up only offsets of topics
  // none of them consumes, which can be known only for the "consumer" protocol.
  std::optional<std::set<std::string>> subscribed;  // nullopt with members: everything subscribed
  if (g->state != group_state::empty) {
    const std::string type = protocol_type_of(*g);
    if (type != consumer_protocol_type) return fail(error_code::non_empty_group);
    subscribed = subscribed_topics(*g);
  }
  const bool everything_subscribed = g->state != group_state::empty && !subscribed;

  std::vector<topic_partition> removed;
  out.partitions.reserve(partitions.size());
  for (const auto& tp : partitions) {
    if (everything_subscribed || (subscribed && subscribed->count(tp.topic) > 0)) {
      out.partitions.push_back(error_code::group_subscribed_to_topic);
      continue;
    }
    // Deleting an offset that is not there succeeds, as in Kafka.
    if (g->offsets.erase(tp) > 0) removed.push_back(tp);
    out.partitions.push_back(error_code::none);
  }
  // The group itself stays, even Empty with no offsets left: as in Kafka 4's coordinator, the
  // periodic expiry pass removes such groups.
  if (persistence_ && !removed.empty()) persistence_->offsets_removed(group_id, removed);
  return out;
}

// Kafka (ClassicGroup.computeSubscribedTopics) unions the members' subscriptions for the selected
// protocol. nullopt when that cannot be known (no protocol selected yet, a member without it,
// metadata that does not parse): callers must then assume every topic is subscribed.
std::optional<std::set<std::string>> group_coordinator::subscribed_topics(const group& g) {
  if (!g.protocol_name) return std::nullopt;
  std::set<std::string> topics;
  for (const auto& m : g.members) {
    auto p = std::find_if(m->protocols.begin(), m->protocols.end(),
                          [&](const protocol_entry& e) { return e.name == *g.protocol_name; });
    if (p == m->protocols.end()) return std::nullopt;
    auto t = sluice::group::subscribed_topics(p->metadata);
    if (!t) return std::nullopt;
    topics.insert(t->begin(), t->end());
  }
  return topics;
}

}  // namespace sluice::group
