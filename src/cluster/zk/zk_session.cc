// zk_session: the session wrapper over the asynchronous libzookeeper-mt API: each call issues the
// async request and waits (bounded) for its completion; watches and session events are posted.
#include "cluster/zk/zk_session.h"

#include <zookeeper/zookeeper.h>

#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace sluice::cluster::zk {
namespace {

// True while this thread runs a watcher trampoline (the C client's completion thread): a blocking
// call made there would wait for a completion that only this thread can deliver.
thread_local bool t_in_zk_callback = false;

struct callback_scope {
  callback_scope() { t_in_zk_callback = true; }
  ~callback_scope() { t_in_zk_callback = false; }
};

znode_stat to_stat(const Stat* s) {
  znode_stat r;
  if (s == nullptr) return r;
  r.czxid = s->czxid;
  r.mzxid = s->mzxid;
  r.ctime_ms = s->ctime;
  r.mtime_ms = s->mtime;
  r.version = s->version;
  r.cversion = s->cversion;
  r.aversion = s->aversion;
  r.ephemeral_owner = s->ephemeralOwner;
  r.data_length = s->dataLength;
  r.num_children = s->numChildren;
  r.pzxid = s->pzxid;
  return r;
}

int create_flags(const create_options& o) {
  if (o.ephemeral) return o.sequential ? ZOO_EPHEMERAL_SEQUENTIAL : ZOO_EPHEMERAL;
  return o.sequential ? ZOO_PERSISTENT_SEQUENTIAL : ZOO_PERSISTENT;
}

// The state of one asynchronous request: filled by its completion on the C client's thread, read by
// the caller once `done`. Shared, so a caller that gave up waiting leaves it to the completion.
struct call_state {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  int rc = ZOK;
  std::string value;
  znode_stat stat;
  std::vector<std::string> names;
  // multi(): the request and result arrays the C client reads and fills until completion.
  std::vector<zoo_op_t> ops;
  std::vector<zoo_op_result_t> results;
  std::vector<std::string> path_bufs;
  std::vector<Stat> stats;
};
using call_ptr = std::shared_ptr<call_state>;

// The `data` argument of an async call: a heap reference that the completion releases.
void* hold(const call_ptr& c) { return new call_ptr(c); }
call_ptr release(const void* data) {
  std::unique_ptr<call_ptr> h(static_cast<call_ptr*>(const_cast<void*>(data)));
  return *h;
}
void finish(const call_ptr& c, int rc) {
  std::lock_guard lk(c->mu);
  c->rc = rc;
  c->done = true;
  c->cv.notify_all();
}

void on_void(int rc, const void* data) { finish(release(data), rc); }
void on_string(int rc, const char* value, const void* data) {
  call_ptr c = release(data);
  if (rc == ZOK && value != nullptr) c->value = value;
  finish(c, rc);
}
void on_stat(int rc, const Stat* stat, const void* data) {
  call_ptr c = release(data);
  if (rc == ZOK) c->stat = to_stat(stat);
  finish(c, rc);
}
void on_data(int rc, const char* value, int value_len, const Stat* stat, const void* data) {
  call_ptr c = release(data);
  if (rc == ZOK) {
    if (value != nullptr && value_len > 0) c->value.assign(value, static_cast<size_t>(value_len));
    c->stat = to_stat(stat);
  }
  finish(c, rc);
}
void on_strings(int rc, const String_vector* strings, const void* data) {
  call_ptr c = release(data);
  if (rc == ZOK && strings != nullptr) {
    for (int32_t i = 0; i < strings->count; ++i) c->names.emplace_back(strings->data[i]);
  }
  finish(c, rc);
}

bool valid_path(const std::string& p) {
  return !p.empty() && p[0] == '/' && (p.size() == 1 || p.back() != '/');
}

zk_error refused(zk_errc code, const std::string& what, const std::string& why) {
  return zk_error{code, what + ": " + why, 0, -1};
}

}  // namespace

const char* to_string(session_event e) {
  switch (e) {
    case session_event::connected:
      return "connected";
    case session_event::disconnected:
      return "disconnected";
    case session_event::expired:
      return "expired";
    case session_event::auth_failed:
      return "auth_failed";
  }
  return "unknown";
}

op op::check(std::string path, int32_t version) {
  op o;
  o.type = kind::check;
  o.path = std::move(path);
  o.version = version;
  return o;
}
op op::create(std::string path, std::string data, create_options opts) {
  op o;
  o.type = kind::create;
  o.path = std::move(path);
  o.data = std::move(data);
  o.create_opts = opts;
  return o;
}
op op::set(std::string path, std::string data, int32_t version) {
  op o;
  o.type = kind::set;
  o.path = std::move(path);
  o.data = std::move(data);
  o.version = version;
  return o;
}
op op::remove(std::string path, int32_t version) {
  op o;
  o.type = kind::remove;
  o.path = std::move(path);
  o.version = version;
  return o;
}

// What the C client's callbacks reach through the handle's context. Its mutex guards everything
// below it; the handle pointer itself changes only under session::handle_mu_ held exclusively.
struct session::core {
  zhandle_t* zh = nullptr;
  post_fn post;
  std::function<void(session_event)> on_session_event;

  std::mutex mu;
  std::condition_variable cv;
  int state = 0;  // the last ZooKeeper state reported to the global watcher
  std::optional<session_event> last_event;
  uint64_t next_watch_id = 1;
  std::unordered_map<uint64_t, watch_fn> watches;

  void deliver(std::function<void()> fn) {
    if (post) {
      post(std::move(fn));
    } else {
      callback_scope scope;
      fn();
    }
  }

  uint64_t add_watch(watch_fn fn) {
    std::lock_guard lk(mu);
    uint64_t id = next_watch_id++;
    watches.emplace(id, std::move(fn));
    return id;
  }
  void drop_watch(uint64_t id) {
    std::lock_guard lk(mu);
    watches.erase(id);
  }

  // The handle's global watcher: session state changes.
  static void global_watcher(zhandle_t* zh, int type, int state, const char* /*path*/, void* ctx) {
    if (type != ZOO_SESSION_EVENT) return;
    auto* c = static_cast<core*>(ctx);
    std::optional<session_event> ev;
    {
      std::lock_guard lk(c->mu);
      c->state = state;
      if (state == ZOO_CONNECTED_STATE) {
        ev = session_event::connected;
      } else if (state == ZOO_CONNECTING_STATE || state == ZOO_ASSOCIATING_STATE) {
        if (c->last_event == session_event::connected) ev = session_event::disconnected;
      } else if (state == ZOO_EXPIRED_SESSION_STATE) {
        ev = session_event::expired;
        c->watches.clear();  // the ensemble dropped them with the session
      } else if (state == ZOO_AUTH_FAILED_STATE) {
        ev = session_event::auth_failed;
      }
      if (ev) c->last_event = ev;
      c->cv.notify_all();
    }
    if (ev && c->on_session_event) {
      c->deliver([fn = c->on_session_event, e = *ev] { fn(e); });
    }
  }

  // The watcher of one get/exists/children call; ctx is its id in `watches`.
  static void watch_trampoline(zhandle_t* zh, int type, int state, const char* path, void* ctx) {
    if (type == ZOO_SESSION_EVENT) return;  // the global watcher reports those; the watch stays set
    auto* c = static_cast<core*>(const_cast<void*>(zoo_get_context(zh)));
    auto id = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(ctx));
    watch_fn fn;
    {
      std::lock_guard lk(c->mu);
      auto it = c->watches.find(id);
      if (it == c->watches.end()) return;
      fn = std::move(it->second);
      c->watches.erase(it);
    }
    watch_event ev{watch_event_type::changed, path != nullptr ? path : ""};
    if (type == ZOO_CREATED_EVENT) {
      ev.type = watch_event_type::created;
    } else if (type == ZOO_DELETED_EVENT) {
      ev.type = watch_event_type::deleted;
    } else if (type == ZOO_CHILD_EVENT) {
      ev.type = watch_event_type::child;
    } else if (type != ZOO_CHANGED_EVENT) {
      return;  // ZOO_NOTWATCHING_EVENT: removed watches are not reported
    }
    c->deliver([fn = std::move(fn), ev = std::move(ev)] { fn(ev); });
  }
};

namespace {

// Splits "hosts[/chroot]" at the first '/'.
std::pair<std::string, std::string> split_connect(const std::string& s) {
  auto slash = s.find('/');
  if (slash == std::string::npos) return {s, ""};
  std::string chroot = s.substr(slash);
  while (chroot.size() > 1 && chroot.back() == '/') chroot.pop_back();
  return {s.substr(0, slash), chroot == "/" ? "" : chroot};
}

void quiet_client_log() {
  static std::once_flag once;
  // Process-wide in the C client: connection failures stay visible (WARN and ERROR on stderr).
  std::call_once(once, [] { zoo_set_debug_level(ZOO_LOG_LEVEL_WARN); });
}

}  // namespace

session::session(session_options options)
    : options_(std::move(options)), chroot_(split_connect(options_.connect).second) {}

session::~session() { close(); }

zk_result<std::unique_ptr<session>> session::connect(session_options options) {
  quiet_client_log();
  auto [hosts, chroot] = split_connect(options.connect);
  if (hosts.empty())
    return refused(zk_errc::invalid_argument, "connect", "no hosts in '" + options.connect + "'");
  if (!chroot.empty() && options.create_chroot) {
    session_options plain;
    plain.connect = hosts;
    plain.session_timeout = options.session_timeout;
    plain.connect_timeout = options.connect_timeout;
    auto admin = connect(std::move(plain));
    if (!admin) return admin.err();
    auto made = (*admin)->create(chroot, "", create_options{.make_parents = true});
    if (!made && made.code() != zk_errc::node_exists) return made.err();
  }
  std::unique_ptr<session> s(new session(std::move(options)));
  std::unique_lock lk(s->handle_mu_);
  auto r = s->open_handle();
  if (!r) return r.err();
  lk.unlock();
  return s;
}

zk_result<void> session::open_handle() {
  auto c = std::make_unique<core>();
  c->post = options_.post;
  c->on_session_event = options_.on_session_event;
  zhandle_t* zh = zookeeper_init2(options_.connect.c_str(), &core::global_watcher,
                                  static_cast<int>(options_.session_timeout.count()), nullptr, c.get(),
                                  ZOO_NO_LOG_CLIENTENV, nullptr);
  if (zh == nullptr) {
    int e = errno;
    return zk_error{zk_errc::invalid_argument, "connect " + options_.connect + ": " + strerror(e), 0, -1};
  }
  c->zh = zh;
  bool up = false;
  int state = 0;
  {
    std::unique_lock lk(c->mu);
    c->cv.wait_for(lk, options_.connect_timeout, [&] {
      return c->state == ZOO_CONNECTED_STATE || c->state == ZOO_EXPIRED_SESSION_STATE ||
             c->state == ZOO_AUTH_FAILED_STATE;
    });
    up = c->state == ZOO_CONNECTED_STATE;
    state = c->state;
  }
  if (!up) {
    zookeeper_close(zh);
    std::string why =
        state == ZOO_AUTH_FAILED_STATE
            ? "authentication failed"
            : "no server answered within " + std::to_string(options_.connect_timeout.count()) + " ms";
    return zk_error{state == ZOO_AUTH_FAILED_STATE ? zk_errc::auth_failed : zk_errc::not_connected,
                    "connect " + options_.connect + ": " + why, 0, -1};
  }
  core_ = std::move(c);
  return {};
}

void session::close_handle() {
  if (!core_) return;
  // Joins the C client's threads (we are not on them: calls from there are refused), so no callback
  // runs after this; requests still pending complete with ZCLOSING here.
  zookeeper_close(core_->zh);
  core_.reset();
}

void session::close() {
  std::unique_lock lk(handle_mu_);
  close_handle();
}

zk_result<void> session::restart() {
  if (t_in_zk_callback) {
    return refused(zk_errc::invalid_argument, "restart", "called on the ZooKeeper callback thread");
  }
  std::unique_lock lk(handle_mu_);
  close_handle();
  return open_handle();
}

bool session::connected() const {
  std::shared_lock lk(handle_mu_);
  if (!core_) return false;
  std::lock_guard clk(core_->mu);
  return core_->state == ZOO_CONNECTED_STATE;
}

bool session::expired() const {
  std::shared_lock lk(handle_mu_);
  if (!core_) return false;
  std::lock_guard clk(core_->mu);
  return core_->state == ZOO_EXPIRED_SESSION_STATE;
}

int64_t session::session_id() const {
  std::shared_lock lk(handle_mu_);
  if (!core_) return 0;
  const clientid_t* id = zoo_client_id(core_->zh);
  return id != nullptr ? id->client_id : 0;
}

std::chrono::milliseconds session::negotiated_timeout() const {
  std::shared_lock lk(handle_mu_);
  if (!core_) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(zoo_recv_timeout(core_->zh));
}

std::string session::current_server() const {
  std::shared_lock lk(handle_mu_);
  if (!core_) return "";
  const char* s = zoo_get_current_server(core_->zh);
  return s != nullptr ? s : "";
}

namespace {

// Common frame of every call: refuses calls on the callback thread or without a session, issues the
// request through `issue(zh, data)` and waits for its completion, bounded by twice the session
// timeout (the C client itself fails a request within about the session timeout).
template <class Issue>
zk_result<call_ptr> run_call(zhandle_t* zh, std::chrono::milliseconds session_timeout,
                             const std::string& what, call_ptr c, Issue&& issue) {
  void* data = hold(c);
  int rc = issue(zh, data);
  if (rc != ZOK) {  // refused before sending: the completion will not run
    release(data);
    return make_zk_error(rc, what);
  }
  std::unique_lock lk(c->mu);
  if (!c->cv.wait_for(lk, 2 * session_timeout + std::chrono::seconds(5), [&] { return c->done; })) {
    return zk_error{zk_errc::operation_timeout, what + ": no answer in time", ZOPERATIONTIMEOUT, -1};
  }
  return c;
}

}  // namespace

// Every public call: checks the thread and the session, then runs `body(core&)` under the shared
// handle lock.
#define SLUICE_ZK_PROLOGUE(what)                                                                  \
  if (t_in_zk_callback) {                                                                         \
    return refused(zk_errc::invalid_argument, what,                                               \
                   "called on the ZooKeeper callback thread (give the session a post function)"); \
  }                                                                                               \
  std::shared_lock handle_lock(handle_mu_);                                                       \
  if (!core_) return refused(zk_errc::not_connected, what, "no session (closed, or restart failed)");

zk_result<std::string> session::create(const std::string& path, std::string_view data, create_options opts) {
  const std::string what = "create " + path;
  SLUICE_ZK_PROLOGUE(what);
  if (!valid_path(path)) return refused(zk_errc::invalid_argument, what, "not an absolute znode path");
  auto once = [&]() -> zk_result<std::string> {
    auto c = run_call(core_->zh, options_.session_timeout, what, std::make_shared<call_state>(),
                      [&](zhandle_t* zh, void* d) {
                        return zoo_acreate(zh, path.c_str(), data.data(), static_cast<int>(data.size()),
                                           &ZOO_OPEN_ACL_UNSAFE, create_flags(opts), on_string, d);
                      });
    if (!c) return c.err();
    if ((*c)->rc != ZOK) return make_zk_error((*c)->rc, what);
    return std::move((*c)->value);
  };
  auto r = once();
  if (r || r.code() != zk_errc::no_node || !opts.make_parents) return r;
  // Create each missing ancestor (persistent, empty); another creator winning the race is fine.
  for (size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    std::string parent = path.substr(0, slash);
    auto c = run_call(core_->zh, options_.session_timeout, "create " + parent, std::make_shared<call_state>(),
                      [&](zhandle_t* zh, void* d) {
                        return zoo_acreate(zh, parent.c_str(), "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT,
                                           on_string, d);
                      });
    if (!c) return c.err();
    if ((*c)->rc != ZOK && (*c)->rc != ZNODEEXISTS) return make_zk_error((*c)->rc, "create " + parent);
  }
  return once();
}

zk_result<node_data> session::get(const std::string& path, watch_fn watch) {
  const std::string what = "get " + path;
  SLUICE_ZK_PROLOGUE(what);
  if (!valid_path(path)) return refused(zk_errc::invalid_argument, what, "not an absolute znode path");
  uint64_t id = watch ? core_->add_watch(std::move(watch)) : 0;
  auto c = run_call(core_->zh, options_.session_timeout, what, std::make_shared<call_state>(),
                    [&](zhandle_t* zh, void* d) {
                      return zoo_awget(zh, path.c_str(), id != 0 ? &core::watch_trampoline : nullptr,
                                       reinterpret_cast<void*>(static_cast<uintptr_t>(id)), on_data, d);
                    });
  int rc = c ? (*c)->rc : ZOPERATIONTIMEOUT;
  if (id != 0 && rc != ZOK) core_->drop_watch(id);  // no watch is left on a failed get
  if (!c) return c.err();
  if (rc != ZOK) return make_zk_error(rc, what);
  return node_data{std::move((*c)->value), (*c)->stat};
}

zk_result<znode_stat> session::set(const std::string& path, std::string_view data, int32_t expected_version) {
  const std::string what = "set " + path;
  SLUICE_ZK_PROLOGUE(what);
  if (!valid_path(path)) return refused(zk_errc::invalid_argument, what, "not an absolute znode path");
  auto c = run_call(core_->zh, options_.session_timeout, what, std::make_shared<call_state>(),
                    [&](zhandle_t* zh, void* d) {
                      return zoo_aset(zh, path.c_str(), data.data(), static_cast<int>(data.size()),
                                      expected_version, on_stat, d);
                    });
  if (!c) return c.err();
  if ((*c)->rc != ZOK) return make_zk_error((*c)->rc, what);
  return (*c)->stat;
}

zk_result<void> session::remove(const std::string& path, int32_t expected_version) {
  const std::string what = "remove " + path;
  SLUICE_ZK_PROLOGUE(what);
  if (!valid_path(path)) return refused(zk_errc::invalid_argument, what, "not an absolute znode path");
  auto c = run_call(
      core_->zh, options_.session_timeout, what, std::make_shared<call_state>(),
      [&](zhandle_t* zh, void* d) { return zoo_adelete(zh, path.c_str(), expected_version, on_void, d); });
  if (!c) return c.err();
  if ((*c)->rc != ZOK) return make_zk_error((*c)->rc, what);
  return {};
}

zk_result<std::vector<std::string>> session::children(const std::string& path, watch_fn watch) {
  const std::string what = "children " + path;
  SLUICE_ZK_PROLOGUE(what);
  if (!valid_path(path)) return refused(zk_errc::invalid_argument, what, "not an absolute znode path");
  uint64_t id = watch ? core_->add_watch(std::move(watch)) : 0;
  auto c = run_call(
      core_->zh, options_.session_timeout, what, std::make_shared<call_state>(), [&](zhandle_t* zh, void* d) {
        return zoo_awget_children(zh, path.c_str(), id != 0 ? &core::watch_trampoline : nullptr,
                                  reinterpret_cast<void*>(static_cast<uintptr_t>(id)), on_strings, d);
      });
  int rc = c ? (*c)->rc : ZOPERATIONTIMEOUT;
  if (id != 0 && rc != ZOK) core_->drop_watch(id);
  if (!c) return c.err();
  if (rc != ZOK) return make_zk_error(rc, what);
  return std::move((*c)->names);
}

zk_result<std::optional<znode_stat>> session::exists(const std::string& path, watch_fn watch) {
  const std::string what = "exists " + path;
  SLUICE_ZK_PROLOGUE(what);
  if (!valid_path(path)) return refused(zk_errc::invalid_argument, what, "not an absolute znode path");
  uint64_t id = watch ? core_->add_watch(std::move(watch)) : 0;
  auto c = run_call(core_->zh, options_.session_timeout, what, std::make_shared<call_state>(),
                    [&](zhandle_t* zh, void* d) {
                      return zoo_awexists(zh, path.c_str(), id != 0 ? &core::watch_trampoline : nullptr,
                                          reinterpret_cast<void*>(static_cast<uintptr_t>(id)), on_stat, d);
                    });
  int rc = c ? (*c)->rc : ZOPERATIONTIMEOUT;
  // exists() on a missing node leaves a watch for its creation.
  if (id != 0 && rc != ZOK && rc != ZNONODE) core_->drop_watch(id);
  if (!c) return c.err();
  if (rc == ZNONODE) return std::optional<znode_stat>();
  if (rc != ZOK) return make_zk_error(rc, what);
  return std::optional<znode_stat>((*c)->stat);
}

zk_result<std::vector<op_result>> session::multi(const std::vector<op>& ops) {
  const std::string what = "multi (" + std::to_string(ops.size()) + " ops)";
  SLUICE_ZK_PROLOGUE(what);
  if (ops.empty()) return std::vector<op_result>{};
  auto c = std::make_shared<call_state>();
  c->ops.resize(ops.size());
  c->results.resize(ops.size());
  c->path_bufs.resize(ops.size());
  c->stats.resize(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    const op& o = ops[i];
    if (!valid_path(o.path)) {
      zk_error e =
          refused(zk_errc::invalid_argument, what, "op " + std::to_string(i) + ": bad path '" + o.path + "'");
      e.failed_op = static_cast<int>(i);
      return e;
    }
    switch (o.type) {
      case op::kind::check:
        zoo_check_op_init(&c->ops[i], o.path.c_str(), o.version);
        break;
      case op::kind::create:
        c->path_bufs[i].assign(o.path.size() + 16, '\0');  // room for the sequential suffix
        zoo_create_op_init(&c->ops[i], o.path.c_str(), o.data.data(), static_cast<int>(o.data.size()),
                           &ZOO_OPEN_ACL_UNSAFE, create_flags(o.create_opts), c->path_bufs[i].data(),
                           static_cast<int>(c->path_bufs[i].size()));
        break;
      case op::kind::set:
        zoo_set_op_init(&c->ops[i], o.path.c_str(), o.data.data(), static_cast<int>(o.data.size()), o.version,
                        &c->stats[i]);
        break;
      case op::kind::remove:
        zoo_delete_op_init(&c->ops[i], o.path.c_str(), o.version);
        break;
    }
  }
  auto r = run_call(core_->zh, options_.session_timeout, what, c, [&](zhandle_t* zh, void* d) {
    return zoo_amulti(zh, static_cast<int>(ops.size()), c->ops.data(), c->results.data(), on_void, d);
  });
  if (!r) return r.err();
  if (c->rc != ZOK) {
    // The failing op carries the reason; ops before it report ZOK (rolled back), after it
    // ZRUNTIMEINCONSISTENCY. A connection loss leaves no per-op result.
    for (size_t i = 0; i < ops.size(); ++i) {
      int op_rc = c->results[i].err;
      if (op_rc != ZOK && op_rc != ZRUNTIMEINCONSISTENCY) {
        zk_error e = make_zk_error(op_rc, what + ": op " + std::to_string(i) + " on " + ops[i].path);
        e.failed_op = static_cast<int>(i);
        return e;
      }
    }
    return make_zk_error(c->rc, what);
  }
  std::vector<op_result> out(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].type == op::kind::create) out[i].created_path = c->path_bufs[i].c_str();
    if (ops[i].type == op::kind::set) out[i].stat = to_stat(&c->stats[i]);
  }
  return out;
}

#undef SLUICE_ZK_PROLOGUE

}  // namespace sluice::cluster::zk
