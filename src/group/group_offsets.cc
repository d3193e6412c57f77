// group_offsets: OffsetCommit validation (classic-group rules) and OffsetFetch, in memory; the
// group_persistence hook sees every accepted commit.
#include "group/group_coordinator.h"

namespace sluice::group {

std::vector<error_code> group_coordinator::commit(const commit_request& req) {
  auto all = [&](error_code e) { return std::vector<error_code>(req.offsets.size(), e); };
  if (shut_down_) return all(error_code::not_coordinator);
  if (req.group_id.empty()) return all(error_code::invalid_group_id);
  group* g = find_group(req.group_id);
  if (!g) {
    // Standalone ("simple") commits create an Empty group that only holds offsets.
    if (req.generation_id >= 0) return all(error_code::illegal_generation);
    g = &get_or_create(req.group_id);
  }
  if (g->state == group_state::dead) return all(error_code::coordinator_not_available);
  if (req.group_instance_id) {
    auto it = g->static_members.find(*req.group_instance_id);
    if (it != g->static_members.end() && it->second != req.member_id)
      return all(error_code::fenced_instance_id);
  }
  const bool standalone = req.generation_id < 0 && g->state == group_state::empty;
  if (!standalone) {
    if (g->state == group_state::completing_rebalance) return all(error_code::rebalance_in_progress);
    member* m = find_member(*g, req.member_id);
    if (!m) return all(error_code::unknown_member_id);
    if (req.generation_id != g->generation) return all(error_code::illegal_generation);
    arm_session(*g, *m);  // a commit proves the member is alive, as in Kafka
  }
  std::vector<error_code> out;
  std::vector<std::pair<topic_partition, committed_offset>> accepted;
  out.reserve(req.offsets.size());
  for (const auto& [tp, value] : req.offsets) {
    if (value.metadata && static_cast<int64_t>(value.metadata->size()) > config_.max_metadata_bytes) {
      out.push_back(error_code::offset_metadata_too_large);
      continue;
    }
    g->offsets[tp] = value;
    accepted.emplace_back(tp, value);
    out.push_back(error_code::none);
  }
  if (persistence_ && !accepted.empty()) persistence_->offsets_committed(g->id, accepted);
  return out;
}

fetch_result group_coordinator::fetch(const std::string& group_id,
                                      const std::optional<std::vector<fetch_topic>>& topics) const {
  fetch_result out;
  if (shut_down_) out.error = error_code::not_coordinator;
  if (group_id.empty()) out.error = error_code::invalid_group_id;
  const group* g = out.error == error_code::none ? find_group(group_id) : nullptr;
  if (!topics) {
    if (!g) return out;
    for (const auto& [tp, v] : g->offsets) out.offsets.push_back({tp, v, error_code::none});
    return out;
  }
  for (const auto& t : *topics) {
    for (int32_t p : t.partitions) {
      fetched_offset f;
      f.tp = {t.name, p};
      f.error = out.error;  // v0-1 carry the group error per partition
      if (g) {
        auto it = g->offsets.find(f.tp);
        if (it != g->offsets.end()) f.value = it->second;
      }
      out.offsets.push_back(std::move(f));
    }
  }
  return out;
}

}  // namespace sluice::group
