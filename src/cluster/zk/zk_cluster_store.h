// zk_cluster_store: the cluster operations brokers and the controller perform on ZooKeeper (broker
// registration, controller election, topics, partition state with fencing), in Kafka's znode layout.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cluster/topic_table.h"
#include "cluster/zk/zk_formats.h"
#include "cluster/zk/zk_session.h"

namespace sluice::cluster::zk {

// What a controller attaches to its writes: its epoch and /controller_epoch's znode version after
// it incremented the epoch. Kafka's expectedControllerEpochZkVersion: every fenced write is a multi
// that starts with check(/controller_epoch, epoch_zk_version), so once a successor has incremented
// the epoch the old controller's writes fail with bad_version at op 0.
struct controller_fence {
  int32_t epoch = 0;
  int32_t epoch_zk_version = 0;
};

struct election_result {
  bool elected = false;
  int32_t controller_id = -1;  // the controller now (this broker when elected), -1 if none is known
  controller_fence fence;      // elected: this controller's epoch and fencing token
};

struct versioned_partition_state {
  partition_state state;
  int32_t version = 0;  // the state znode's version: the expected_version of the next update
};

struct versioned_topic_assignment {
  topic_assignment assignment;
  int32_t version = 0;
};

// In a failed fenced multi, the index of the /controller_epoch check: err().failed_op == this means
// the controller was fenced (a newer one exists); failed_op 1 is the write itself.
inline constexpr int fence_op = 0;
// REQUIRES: !r.ok(). True when a fenced write failed because the controller epoch moved on.
inline bool controller_fenced(const zk_error& e) {
  return e.code == zk_errc::bad_version && e.failed_op == fence_op;
}
// TOPIC_ALREADY_EXISTS for node_exists, UNKNOWN_TOPIC_OR_PARTITION for no_node, else a storage error.
topic_error to_topic_error(const zk_error& e);

// Stateless operations over one session: it holds only a reference to the session (which must
// outlive it) and no cache, so every call reads ZooKeeper.
//
// Threads: as the session's. Each call blocks for one or a few round trips and may be made from any
// thread except the session's completion thread (which the session refuses), so the broker calls it
// from its metadata thread, never from a shard's event loop. Watches passed in are one-shot and are
// delivered through session_options::post (the owner's event loop); they capture only what the
// caller gave them. Data read with a watch and the watch belong to the same ZooKeeper read, so no
// change between reading and watching is missed.
//
// Errors: zk_errc as the session returns them; znode data that does not decode is reported as
// zk_errc::other with zk_rc 0 and a message starting "malformed".
class zk_cluster_store {
 public:
  explicit zk_cluster_store(session& s) : s_(s) {}

  // Creates the persistent parents Kafka creates at start (/brokers/ids, /brokers/topics,
  // /config/topics, /config/changes, /admin/delete_topics, /isr_change_notification, /cluster).
  zk_result<void> ensure_layout();

  // /cluster/id: creates it with `proposed` if missing and returns the id stored (the proposed one,
  // or the one another broker wrote first).
  zk_result<std::string> ensure_cluster_id(const std::string& proposed);

  // ---- brokers ----

  // Creates the ephemeral /brokers/ids/<id>. Returns the broker epoch (the znode's czxid, as Kafka).
  // node_exists when another live session holds the id ("broker.id N is already registered"); a node
  // left by this same session (a retry after connection loss) counts as registered.
  zk_result<int64_t> register_broker(const broker_registration& b);
  // Ids of the registered (live) brokers, sorted; `watch` fires when one joins or leaves.
  zk_result<std::vector<int32_t>> live_brokers(watch_fn watch = {});
  // nullopt when the broker is not registered.
  zk_result<std::optional<broker_registration>> get_broker(int32_t id);
  // Every live broker's registration, sorted by id (a broker leaving meanwhile is skipped).
  zk_result<std::vector<broker_registration>> get_brokers(watch_fn watch = {});

  // ---- controller ----

  // Kafka's registerControllerAndIncrementControllerEpoch: reads /controller_epoch (creating it as
  // "0" when missing), then in one multi creates the ephemeral /controller and sets the epoch to
  // epoch+1 on the version read. Lost (another /controller exists, or the epoch moved): elected is
  // false and controller_id names the winner when it is known. After connection loss the outcome is
  // settled by reading /controller: ours if this session owns it.
  zk_result<election_result> try_become_controller(int32_t broker_id, int64_t now_ms);
  // The current controller's id, nullopt when there is none. `watch` fires when /controller is
  // created, changed or deleted (so a broker learns the controller and runs when it disappears).
  zk_result<std::optional<int32_t>> controller(watch_fn watch = {});
  // The controller epoch and its znode version; (0, -1) when /controller_epoch does not exist.
  zk_result<controller_fence> controller_epoch();

  // ---- topics ----

  // Writes /config/topics/<topic> and creates /brokers/topics/<topic> with version 3 JSON in one
  // multi. node_exists (→ TOPIC_ALREADY_EXISTS) when the topic exists; nothing is written then.
  zk_result<void> create_topic(const std::string& topic, const topic_assignment& assignment,
                               const std::map<std::string, std::string>& config);
  // Topic names, sorted; `watch` fires when a topic is created or deleted.
  zk_result<std::vector<std::string>> list_topics(watch_fn watch = {});
  // `watch` fires when the assignment changes (partitions added, reassignment) or the topic goes.
  zk_result<versioned_topic_assignment> get_topic(const std::string& topic, watch_fn watch = {});
  // Conditional rewrite of the assignment (CreatePartitions, reassignment): bad_version if it changed.
  zk_result<int32_t> update_topic(const std::string& topic, const topic_assignment& assignment,
                                  int32_t expected_version);
  // The overrides; empty when the topic has no config node. `watch` fires when they change (or the
  // node is created, when it is missing).
  zk_result<std::map<std::string, std::string>> get_topic_config(const std::string& topic,
                                                                 watch_fn watch = {});
  // Replaces the overrides (AlterConfigs), creating the node when missing.
  zk_result<void> set_topic_config(const std::string& topic,
                                   const std::map<std::string, std::string>& config);

  // ---- partition state ----

  // Creates .../partitions/<p>/state (and its parents), fenced by the controller's epoch; the
  // state's controller_epoch is set to fence.epoch. Returns the new znode version (0).
  zk_result<int32_t> create_partition_state(const std::string& topic, int32_t partition,
                                            partition_state state, const controller_fence& fence);
  zk_result<versioned_partition_state> get_partition_state(const std::string& topic, int32_t partition,
                                                           watch_fn watch = {});
  // Rewrites the state if its znode version is still expected_version and, with a fence, if the
  // controller epoch has not moved on (then state.controller_epoch is set to fence->epoch). Without
  // a fence (a leader changing its ISR, as Kafka before 2.7) only the version is checked. Returns the
  // new version. bad_version: controller_fenced(err) tells a newer controller from a newer state.
  zk_result<int32_t> update_partition_state(const std::string& topic, int32_t partition,
                                            partition_state state, int32_t expected_version,
                                            const std::optional<controller_fence>& fence);

 private:
  zk_result<void> ensure_path(const std::string& path);

  session& s_;
};

}  // namespace sluice::cluster::zk
