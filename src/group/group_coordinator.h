// group_coordinator: the classic consumer-group coordinator (JoinGroup/SyncGroup/Heartbeat/
// LeaveGroup state machine, session and rebalance timers, committed offsets kept in memory).
// Single-threaded: every call and every timer runs on the shard's io_context thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "group/group_types.h"

namespace sluice::group {

enum class group_state { empty, preparing_rebalance, completing_rebalance, stable, dead };
const char* to_string(group_state s);

class group_coordinator {
 public:
  group_coordinator(boost::asio::io_context& io, coordinator_config config);
  ~group_coordinator();
  group_coordinator(const group_coordinator&) = delete;
  group_coordinator& operator=(const group_coordinator&) = delete;

  // The callback runs exactly once: synchronously for immediate answers, later (from another
  // call or a timer) when the request is parked. Callers must not re-enter from the callback.
  void join(join_request req, join_callback done);
  void sync(sync_request req, sync_callback done);
  // Cluster mode: the group metadata a SyncGroup stored for `generation` did not reach the ISR
  // (Kafka's storeGroup failure: resetAndPropagateAssignmentError + maybePrepareRebalance). If the
  // group is still Stable in that generation, its assignments are cleared and a rebalance starts,
  // so members rejoin. No-op otherwise (another member's answer already did it, or the group moved
  // on or was unloaded).
  void assignment_not_stored(const std::string& group_id, int32_t generation);
  error_code heartbeat(const heartbeat_request& req);
  leave_result leave(const std::string& group_id, const std::vector<leave_member>& members);

  // One error per offset, in order.
  std::vector<error_code> commit(const commit_request& req);
  // topics == nullopt: every committed offset of the group.
  fetch_result fetch(const std::string& group_id,
                     const std::optional<std::vector<fetch_topic>>& topics) const;

  // --- admin (group_admin.cc) ---
  // ListGroups: every group not Dead; `states` (ListGroups v4+) keeps only groups in one of the
  // named states (Kafka's names, compared case-insensitively); empty = all.
  std::vector<group_listing> list(const std::vector<std::string>& states) const;
  // DescribeGroups: an unknown group is described as Dead with no members and error NONE, as Kafka.
  group_description describe(const std::string& group_id) const;
  // DeleteGroups: only Empty groups (NON_EMPTY_GROUP otherwise, GROUP_ID_NOT_FOUND when unknown);
  // the group's offsets and metadata are tombstoned through the persistence hook.
  error_code delete_group(const std::string& group_id);
  // OffsetDelete: removes committed offsets of partitions the group is not subscribed to.
  offset_delete_result delete_offsets(const std::string& group_id,
                                      const std::vector<topic_partition>& partitions);

  // --- persistence (group_load.cc) ---
  // What GroupMetadataValue stores of a group; nullopt when the group is unknown.
  std::optional<group_snapshot> snapshot(const std::string& group_id) const;
  // Rebuild at start from __consumer_offsets, in log order: the last record of a key wins; a
  // tombstone (nullopt) removes. Members loaded for a Stable group get fresh session timers.
  void load_offset(const std::string& group_id, const topic_partition& tp,
                   std::optional<committed_offset> value);
  void load_group(const std::string& group_id, std::optional<group_snapshot> snapshot);
  // Expires offsets (offsets.retention.minutes, KIP-211 rules) and removes Empty groups left with no
  // offsets; tombstones go through the persistence hook. Returns the number of offsets removed.
  size_t expire_offsets(int64_t now_ms, int64_t retention_ms);
  // After the last load_*: drops groups the log left empty (no members, no offsets).
  void finish_load();
  // Kafka's removeGroupsForPartition (the coordinator resigned a __consumer_offsets partition):
  // forgets every group `owned(group_id)` selects, with its offsets; members parked in JoinGroup or
  // SyncGroup are answered NOT_COORDINATOR and every timer of the group is cancelled. Nothing is
  // written through the persistence hook. Returns the number of groups removed.
  size_t unload_groups(const std::function<bool(const std::string&)>& owned);

  void set_persistence(group_persistence* p) { persistence_ = p; }
  // Answers every parked request (NOT_COORDINATOR) and cancels every timer. Idempotent.
  void shutdown();

  // Introspection (tests, later DescribeGroups/ListGroups).
  std::optional<group_state> state_of(const std::string& group_id) const;
  int32_t generation_of(const std::string& group_id) const;
  std::vector<std::string> members_of(const std::string& group_id) const;
  std::string leader_of(const std::string& group_id) const;
  const coordinator_config& config() const { return config_; }
  size_t group_count() const { return groups_.size(); }

 private:
  struct member {
    std::string id;
    std::optional<std::string> instance_id;
    std::string client_id, client_host;
    int32_t session_timeout_ms = 0;
    int32_t rebalance_timeout_ms = 0;
    std::string protocol_type;
    std::vector<protocol_entry> protocols;
    bytes assignment;
    join_callback awaiting_join;
    sync_callback awaiting_sync;
    bool is_new = false;
    bool supports_skip_assignment = false;
    std::unique_ptr<boost::asio::steady_timer> session_timer;
    uint64_t session_epoch = 0;
  };
  struct pending {
    std::unique_ptr<boost::asio::steady_timer> timer;
  };
  struct group {
    std::string id;
    group_state state = group_state::empty;
    int32_t generation = 0;
    std::optional<std::string> protocol_type;
    std::optional<std::string> protocol_name;
    std::string leader;
    std::vector<std::unique_ptr<member>> members;       // join order (leader fallback = first)
    std::map<std::string, std::string> static_members;  // instance id -> member id
    std::map<std::string, pending> pending_members;     // KIP-394 ids handed out, not joined yet
    std::unique_ptr<boost::asio::steady_timer> join_timer;
    uint64_t join_epoch = 0;
    bool initial_delay = false;  // Empty -> PreparingRebalance: delayed first rebalance
    int32_t delay_remaining_ms = 0;
    bool new_member_added = false;
    std::map<topic_partition, committed_offset> offsets;
    int64_t state_timestamp_ms = 0;  // wall clock of the last state change (expiry of Empty groups)
  };

  // membership (group_membership.cc)
  group* find_group(const std::string& id) const;
  group& get_or_create(const std::string& id);
  static member* find_member(group& g, const std::string& id);
  void join_new_member(group& g, join_request& req, join_callback& done);
  void join_known_member(group& g, member& m, join_request& req, join_callback& done);
  void join_static_replace(group& g, const std::string& old_id, join_request& req, join_callback& done);
  member& add_member(group& g, const std::string& id, join_request& req, join_callback done);
  void update_member(group& g, member& m, join_request& req, join_callback done);
  void remove_member(group& g, const std::string& id, error_code parked_error);
  void after_member_removed(group& g);
  bool protocols_compatible(const group& g, const join_request& req) const;
  join_result current_join_result(const group& g, const member& m, bool with_members) const;
  std::optional<std::string> select_protocol(const group& g) const;

  // rebalance + timers (group_coordinator.cc)
  void prepare_rebalance(group& g);
  void maybe_complete_join(group& g);
  void complete_join(group& g);
  void on_join_timer(const std::string& group_id, uint64_t epoch);
  void arm_join_timer(group& g, int32_t ms);
  void arm_session(group& g, member& m, int32_t ms = -1);
  void on_session_timeout(const std::string& group_id, const std::string& member_id, uint64_t epoch);
  void arm_pending(group& g, const std::string& id, int32_t ms);
  static int32_t rebalance_timeout(const group& g);
  void reset_syncs(group& g, error_code error);
  void notify_changed(const group& g);
  // Every state change goes through here: it stamps state_timestamp_ms (GroupMetadataValue's
  // current_state_timestamp, the base of offset expiry for Empty groups).
  static void set_state(group& g, group_state s);
  // Topics the members of a "consumer" group subscribe to (group_admin.cc); nullopt = unknown.
  static std::optional<std::set<std::string>> subscribed_topics(const group& g);

  boost::asio::io_context& io_;
  coordinator_config config_;
  group_persistence* persistence_ = nullptr;
  std::map<std::string, std::unique_ptr<group>> groups_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // timer callbacks check it
  bool shut_down_ = false;
};

}  // namespace sluice::group
