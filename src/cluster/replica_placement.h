// replica_placement: Kafka's replica assignment for new topics and added partitions (round-robin
// from a random start with a growing replica shift; rack-aware when every broker has a rack).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cluster/topic_table.h"

namespace sluice::cluster {

struct placement_broker {
  int32_t id = 0;
  std::optional<std::string> rack;  // broker.rack; nullopt when unset
};

// Partition id → replica broker ids; the first replica is the preferred leader.
using replica_assignment = std::map<int32_t, std::vector<int32_t>>;

enum class placement_errc {
  none,
  invalid_partitions,           // partitions <= 0                       → INVALID_PARTITIONS
  invalid_replication_factor,   // rf <= 0, or rf > brokers              → INVALID_REPLICATION_FACTOR
  incomplete_rack_information,  // some brokers have a rack, others not  → INVALID_REPLICATION_FACTOR
  invalid_argument,             // duplicate broker ids, negative start partition, bad start index
};
const char* to_string(placement_errc c);
// The topic_error (and so Kafka error code) a placement failure is answered with. Kafka's ZooKeeper
// mode throws AdminOperationException for incomplete rack information (answered as an unknown
// server error); we answer INVALID_REPLICATION_FACTOR, which at least names the input at fault.
topic_error to_topic_error(placement_errc c);

struct placement_result {
  placement_errc code = placement_errc::none;
  std::string message;
  replica_assignment assignment;  // empty unless ok()
  bool ok() const { return code == placement_errc::none; }
};

// Returns a uniformly random integer in [0, bound). REQUIRES: bound > 0.
using placement_random = std::function<int32_t(int32_t bound)>;

struct placement_request {
  std::vector<placement_broker> brokers;  // the live brokers, any order (sorted by id inside, as Kafka)
  int32_t partitions = 0;                 // how many partitions to assign
  int32_t replication_factor = 0;
  int32_t start_partition = 0;  // id of the first partition assigned (CreatePartitions: the current count)
  // Kafka's fixedStartIndex: when set, both the first leader's index and the replica shift start here
  // (CreatePartitions passes the index of partition 0's leader); when unset both are drawn from
  // `random`, independently.
  std::optional<int32_t> fixed_start_index;
  placement_random random;    // empty: a thread-local std::mt19937 seeded from std::random_device
  bool ignore_racks = false;  // Kafka's RackAwareMode.Disabled (also allows incomplete rack information)
};

// Kafka's AdminUtils.assignReplicasToBrokers.
//
// Rack-unaware (no broker has a rack, or ignore_racks): brokers sorted by id; partition p's leader
// is brokers[(p + start) % n]; its other replicas follow the leader at distances
// 1 + (shift + j) % (n - 1), j = 0..rf-2, and the shift grows by one each time p passes a multiple
// of n, so the followers of a broker's partitions spread over all other brokers.
//
// Rack-aware (every broker has a rack): the same walk over a rack-alternated broker list (racks in
// name order, brokers by id within a rack, one broker of each rack in turn), with the shift
// multiplied by the number of racks; a follower candidate is skipped while its rack already holds a
// replica of the partition and some rack holds none, or while it already holds one and some broker
// holds none. So a partition's replicas land on min(rf, racks) distinct racks.
//
// Pure; thread-safe (the default random source is thread-local).
placement_result assign_replicas(const placement_request& request);

// CreatePartitions: assigns partitions existing.size() .. new_total-1 so they continue the
// existing pattern, as Kafka's AdminZkClient.addPartitions does: the replication factor is that of
// partition 0, and the fixed start index is the position (in the id-sorted broker list) of the first
// broker whose id is >= partition 0's leader (0 if none). REQUIRES: existing holds partitions
// 0..existing.size()-1. Returns only the new partitions. new_total <= existing.size() →
// invalid_partitions.
placement_result assign_added_partitions(const std::vector<placement_broker>& brokers,
                                         const replica_assignment& existing, int32_t new_total,
                                         bool ignore_racks = false);

// The preferred leader of a partition: its first replica, or -1 (Kafka's NoLeader) when it has none.
inline int32_t preferred_leader(const std::vector<int32_t>& replicas) {
  return replicas.empty() ? -1 : replicas.front();
}

// Kafka's getRackAlternatedBrokerList (exposed for tests). REQUIRES: every broker has a rack.
std::vector<int32_t> rack_alternated_brokers(const std::vector<placement_broker>& brokers);

}  // namespace sluice::cluster
