// zk_session: one ZooKeeper client session over the libzookeeper-mt C client: blocking calls that
// return zk_result, one-shot watches and session events delivered through a caller-chosen `post`.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/zk/zk_errors.h"

namespace sluice::cluster::zk {

// Pass as expected_version to update or remove whatever the node's version is.
inline constexpr int32_t any_version = -1;

// ZooKeeper's Stat of a znode. Times are milliseconds since the epoch.
struct znode_stat {
  int64_t czxid = 0;
  int64_t mzxid = 0;
  int64_t ctime_ms = 0;
  int64_t mtime_ms = 0;
  int32_t version = 0;   // data version: the one to pass to set()/remove()/check
  int32_t cversion = 0;  // children version
  int32_t aversion = 0;
  int64_t ephemeral_owner = 0;  // the owning session id for an ephemeral node, else 0
  int32_t data_length = 0;
  int32_t num_children = 0;
  int64_t pzxid = 0;
};

struct node_data {
  std::string data;
  znode_stat stat;
};

struct create_options {
  bool ephemeral = false;     // removed when the creating session ends (closed or expired)
  bool sequential = false;    // ZooKeeper appends a 10-digit, per-parent increasing counter
  bool make_parents = false;  // create missing parents first (persistent, empty)
};

enum class session_event {
  connected,     // (re)connected: the session is usable; sent after connect() and each reconnect
  disconnected,  // connection lost, the client is reconnecting; the session may still be alive
  expired,       // the ensemble ended the session: its ephemeral nodes and watches are gone
  auth_failed,
};
const char* to_string(session_event e);

enum class watch_event_type { created, deleted, changed, child };
struct watch_event {
  watch_event_type type;
  std::string path;  // as the caller named it (relative to the chroot)
};
// A one-shot watch: called at most once, for the first change after the call that set it. Not
// called when the session expires or is closed (the session event says so); re-read and re-watch.
using watch_fn = std::function<void(const watch_event&)>;

// Hands a callback to the thread that must run it, e.g.
//   [&io](std::function<void()> f) { asio::post(io, std::move(f)); }
using post_fn = std::function<void(std::function<void()>)>;

struct session_options {
  // "host:port[,host:port...][/chroot]", e.g. "127.0.0.1:2181,127.0.0.1:2182/sluice".
  std::string connect;
  // Requested session timeout (the ensemble clamps it to 2..20 ticks). Kafka's default is 18 s.
  std::chrono::milliseconds session_timeout{18000};
  // Bound on connect()'s and restart()'s wait for the connected state.
  std::chrono::milliseconds connect_timeout{18000};
  // Create the chroot (and its parents) when missing, through a short session without chroot.
  bool create_chroot = true;
  // Where watch and session-event callbacks run. Empty: inline on the ZooKeeper client's completion
  // thread, where they must not call this session (such calls fail with invalid_argument).
  post_fn post;
  std::function<void(session_event)> on_session_event;
};

// One operation of multi(): all of them are applied atomically, or none is.
struct op {
  enum class kind { check, create, set, remove };
  kind type = kind::check;
  std::string path;
  std::string data;
  int32_t version = any_version;  // check/set/remove
  create_options create_opts;     // create (make_parents is not supported inside multi)

  static op check(std::string path, int32_t version);
  static op create(std::string path, std::string data, create_options opts = {});
  static op set(std::string path, std::string data, int32_t version);
  static op remove(std::string path, int32_t version);
};
// Per operation of a successful multi(): the created path (create) or the new stat (set).
struct op_result {
  std::string created_path;
  znode_stat stat;
};

// One ZooKeeper session (and, after restart(), the next one).
//
// Threads: the C client runs two threads per session, an I/O thread and a completion thread. Every
// watch and session-event callback is handed, on the completion thread, to options.post (or run
// right there when post is empty); nothing else of the caller's runs on those threads. The blocking
// calls below may be made from any threads concurrently, except close(), restart() and the
// destructor, which wait for calls in progress; none may be made on the completion thread. A call
// blocks its thread for one round trip, at most about the session timeout when the ensemble is
// unreachable (then connection_loss or operation_timeout): do not call on a latency-critical loop.
class session {
 public:
  // Connects and waits (bounded by options.connect_timeout) for the connected state.
  static zk_result<std::unique_ptr<session>> connect(session_options options);
  ~session();  // close()
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  // Creates `path` and returns the created path (with the counter when sequential).
  zk_result<std::string> create(const std::string& path, std::string_view data, create_options opts = {});
  // Data and stat; `watch` (if set) fires on the node's next change or deletion.
  zk_result<node_data> get(const std::string& path, watch_fn watch = {});
  // Conditional update: bad_version when the node's version is not expected_version.
  zk_result<znode_stat> set(const std::string& path, std::string_view data, int32_t expected_version);
  zk_result<void> remove(const std::string& path, int32_t expected_version);
  // Child names (not paths), unordered; `watch` fires when a child is added or removed, or the node
  // is deleted.
  zk_result<std::vector<std::string>> children(const std::string& path, watch_fn watch = {});
  // The stat, or nullopt when there is no such node; `watch` fires on creation, change or deletion.
  zk_result<std::optional<znode_stat>> exists(const std::string& path, watch_fn watch = {});
  // A transaction. On failure nothing was applied; err().failed_op is the failing operation.
  zk_result<std::vector<op_result>> multi(const std::vector<op>& ops);

  // Ends the current session, if any, and starts a new one (bounded wait for connected). The new
  // session has none of the old one's ephemeral nodes or watches. After a failure, calls return
  // not_connected until a restart() succeeds.
  zk_result<void> restart();
  // Ends the session now (its ephemeral nodes go at once). Calls then return not_connected.
  void close();

  bool connected() const;
  bool expired() const;        // the current session was expired by the ensemble: restart() it
  int64_t session_id() const;  // 0 without a session
  std::chrono::milliseconds negotiated_timeout() const;
  const std::string& chroot() const { return chroot_; }  // "" without one
  std::string current_server() const;  // "host:port" of the server in use, "" when not connected

 private:
  struct core;  // the state the C client's callbacks reach (defined in zk_session.cc)

  explicit session(session_options options);
  zk_result<void> open_handle();  // REQUIRES: handle_mu_ held exclusively
  void close_handle();            // REQUIRES: handle_mu_ held exclusively

  session_options options_;
  std::string chroot_;
  mutable std::shared_mutex handle_mu_;  // shared: a call in progress; exclusive: open/close
  std::unique_ptr<core> core_;
};

}  // namespace sluice::cluster::zk
