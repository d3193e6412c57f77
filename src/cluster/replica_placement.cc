// Replica placement as Kafka's AdminUtils.assignReplicasToBrokers computes it (see the header).
#include "cluster/replica_placement.h"

#include <algorithm>
#include <random>
#include <set>

namespace sluice::cluster {
namespace {

placement_result fail(placement_errc code, std::string message) {
  placement_result r;
  r.code = code;
  r.message = std::move(message);
  return r;
}

int32_t default_random(int32_t bound) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  return std::uniform_int_distribution<int32_t>(0, bound - 1)(rng);
}

// Index of the j-th follower (j from 0) of the replica at `first`, `shift` steps along, in a ring
// of n brokers: never `first` itself. REQUIRES: n >= 2.
int32_t follower_index(int32_t first, int64_t shift, int32_t j, int32_t n) {
  const int64_t step = 1 + (shift + j) % (n - 1);
  return static_cast<int32_t>((first + step) % n);
}

// The walk shared by both modes: the leader index and the replica shift for partition `p`, with the
// shift having been bumped at every multiple of n passed since `start_partition`.
struct walk {
  int32_t start_index;
  int32_t shift;
  int32_t n;
  void enter(int32_t p) {
    if (p > 0 && p % n == 0) ++shift;
  }
  int32_t leader_index(int32_t p) const { return static_cast<int32_t>((int64_t{p} + start_index) % n); }
};

replica_assignment assign_rack_unaware(const std::vector<int32_t>& ids, const placement_request& req,
                                       int32_t start_index, int32_t shift) {
  replica_assignment out;
  const int32_t n = static_cast<int32_t>(ids.size());
  walk w{start_index, shift, n};
  for (int32_t i = 0; i < req.partitions; ++i) {
    const int32_t p = req.start_partition + i;
    w.enter(p);
    const int32_t first = w.leader_index(p);
    std::vector<int32_t> replicas{ids[first]};
    for (int32_t j = 0; j < req.replication_factor - 1; ++j)
      replicas.push_back(ids[follower_index(first, w.shift, j, n)]);
    out.emplace(p, std::move(replicas));
  }
  return out;
}

replica_assignment assign_rack_aware(const std::vector<placement_broker>& brokers,
                                     const placement_request& req, int32_t start_index, int32_t shift) {
  std::map<int32_t, std::string> rack_of;
  for (const auto& b : brokers) rack_of[b.id] = *b.rack;
  std::set<std::string> racks;
  for (const auto& [id, rack] : rack_of) racks.insert(rack);
  const int32_t num_racks = static_cast<int32_t>(racks.size());
  const std::vector<int32_t> arranged = rack_alternated_brokers(brokers);
  const int32_t n = static_cast<int32_t>(arranged.size());

  replica_assignment out;
  walk w{start_index, shift, n};
  for (int32_t i = 0; i < req.partitions; ++i) {
    const int32_t p = req.start_partition + i;
    w.enter(p);
    const int32_t first = w.leader_index(p);
    const int32_t leader = arranged[first];
    std::vector<int32_t> replicas{leader};
    std::set<std::string> racks_used{rack_of[leader]};
    std::set<int32_t> brokers_used{leader};
    // k keeps counting across the partition's followers, so each follower resumes the ring walk
    // where the previous one stopped. Terminates: rf <= n guarantees an unused broker exists.
    int32_t k = 0;
    for (int32_t f = 0; f < req.replication_factor - 1; ++f) {
      for (;;) {
        const int32_t candidate = arranged[follower_index(first, int64_t{w.shift} * num_racks, k, n)];
        ++k;
        const std::string& rack = rack_of[candidate];
        const bool rack_ok =
            !racks_used.contains(rack) || static_cast<int32_t>(racks_used.size()) == num_racks;
        const bool broker_ok =
            !brokers_used.contains(candidate) || static_cast<int32_t>(brokers_used.size()) == n;
        if (rack_ok && broker_ok) {
          replicas.push_back(candidate);
          racks_used.insert(rack);
          brokers_used.insert(candidate);
          break;
        }
      }
    }
    out.emplace(p, std::move(replicas));
  }
  return out;
}

}  // namespace

const char* to_string(placement_errc c) {
  switch (c) {
    case placement_errc::none:
      return "none";
    case placement_errc::invalid_partitions:
      return "invalid_partitions";
    case placement_errc::invalid_replication_factor:
      return "invalid_replication_factor";
    case placement_errc::incomplete_rack_information:
      return "incomplete_rack_information";
    case placement_errc::invalid_argument:
      return "invalid_argument";
  }
  return "unknown";
}

topic_error to_topic_error(placement_errc c) {
  switch (c) {
    case placement_errc::none:
      return topic_error::none;
    case placement_errc::invalid_partitions:
      return topic_error::invalid_partitions;
    case placement_errc::invalid_replication_factor:
    case placement_errc::incomplete_rack_information:
      return topic_error::invalid_replication_factor;
    case placement_errc::invalid_argument:
      return topic_error::invalid_request;
  }
  return topic_error::invalid_request;
}

std::vector<int32_t> rack_alternated_brokers(const std::vector<placement_broker>& brokers) {
  std::map<std::string, std::vector<int32_t>> by_rack;  // racks in name order
  for (const auto& b : brokers) by_rack[b.rack.value_or("")].push_back(b.id);
  for (auto& [rack, ids] : by_rack) std::sort(ids.begin(), ids.end());
  std::vector<int32_t> out;
  out.reserve(brokers.size());
  for (size_t round = 0; out.size() < brokers.size(); ++round) {
    for (const auto& [rack, ids] : by_rack)
      if (round < ids.size()) out.push_back(ids[round]);
  }
  return out;
}

placement_result assign_replicas(const placement_request& req) {
  if (req.partitions <= 0)
    return fail(placement_errc::invalid_partitions, "number of partitions must be larger than 0");
  if (req.replication_factor <= 0) {
    return fail(placement_errc::invalid_replication_factor, "replication factor must be larger than 0");
  }
  if (req.replication_factor > static_cast<int64_t>(req.brokers.size())) {
    return fail(placement_errc::invalid_replication_factor,
                "replication factor: " + std::to_string(req.replication_factor) +
                    " larger than available brokers: " + std::to_string(req.brokers.size()));
  }
  if (req.start_partition < 0 || int64_t{req.start_partition} + req.partitions > INT32_MAX) {
    return fail(placement_errc::invalid_argument, "start partition out of range");
  }
  std::vector<placement_broker> brokers = req.brokers;
  std::sort(brokers.begin(), brokers.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  for (size_t i = 1; i < brokers.size(); ++i) {
    if (brokers[i].id == brokers[i - 1].id) {
      return fail(placement_errc::invalid_argument,
                  "broker " + std::to_string(brokers[i].id) + " listed twice");
    }
  }
  const int32_t n = static_cast<int32_t>(brokers.size());
  if (req.fixed_start_index && (*req.fixed_start_index < 0)) {
    return fail(placement_errc::invalid_argument, "negative start index");
  }
  const placement_random& random = req.random ? req.random : placement_random(default_random);
  // As Kafka: a fixed start index sets both; otherwise two independent draws.
  int32_t start_index = 0;
  int32_t shift = 0;
  if (req.fixed_start_index) {
    start_index = *req.fixed_start_index;
    shift = *req.fixed_start_index;
  } else {
    start_index = random(n);
    shift = random(n);
  }
  if (start_index < 0 || shift < 0)
    return fail(placement_errc::invalid_argument, "random source out of range");

  const bool any_rack =
      std::any_of(brokers.begin(), brokers.end(), [](const auto& b) { return b.rack.has_value(); });
  const bool all_racks =
      std::all_of(brokers.begin(), brokers.end(), [](const auto& b) { return b.rack.has_value(); });
  placement_result r;
  if (!any_rack || req.ignore_racks) {
    std::vector<int32_t> ids;
    for (const auto& b : brokers) ids.push_back(b.id);
    r.assignment = assign_rack_unaware(ids, req, start_index, shift);
    return r;
  }
  if (!all_racks) {
    return fail(placement_errc::incomplete_rack_information,
                "Not all brokers have rack information for replica rack aware assignment");
  }
  r.assignment = assign_rack_aware(brokers, req, start_index, shift);
  return r;
}

placement_result assign_added_partitions(const std::vector<placement_broker>& brokers,
                                         const replica_assignment& existing, int32_t new_total,
                                         bool ignore_racks) {
  auto p0 = existing.find(0);
  if (p0 == existing.end() || p0->second.empty()) {
    return fail(placement_errc::invalid_argument, "the topic has no replicas for partition 0");
  }
  const int32_t have = static_cast<int32_t>(existing.size());
  if (new_total <= have) {
    return fail(placement_errc::invalid_partitions, "Topic currently has " + std::to_string(have) +
                                                        " partitions, " + std::to_string(new_total) +
                                                        " would not be an increase.");
  }
  std::vector<int32_t> ids;
  for (const auto& b : brokers) ids.push_back(b.id);
  std::sort(ids.begin(), ids.end());
  const int32_t leader0 = p0->second.front();
  auto it = std::find_if(ids.begin(), ids.end(), [&](int32_t id) { return id >= leader0; });
  placement_request req;
  req.brokers = brokers;
  req.partitions = new_total - have;
  req.replication_factor = static_cast<int32_t>(p0->second.size());
  req.start_partition = have;
  req.fixed_start_index = it == ids.end() ? 0 : static_cast<int32_t>(it - ids.begin());
  req.ignore_racks = ignore_racks;
  return assign_replicas(req);
}

}  // namespace sluice::cluster
