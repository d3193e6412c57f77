// zk_errors: the ZooKeeper wrapper's error type (zk_error, zk_result<T>), with every ZooKeeper
// outcome the cluster code branches on kept distinct.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "base/result.h"

namespace sluice::cluster::zk {

// Why a ZooKeeper call failed. base::errc has no room for these (a version conflict, a node with
// children and an expired session are all different decisions for the controller), so the wrapper
// keeps its own code, as storage's append_errc does; to_error() gives the base error for callers
// that only report it.
enum class zk_errc {
  no_node,                     // ZNONODE: the node (or, for create, its parent) does not exist
  node_exists,                 // ZNODEEXISTS
  bad_version,                 // ZBADVERSION: the expected version is not the node's (a stale writer)
  not_empty,                   // ZNOTEMPTY: remove of a node that has children
  connection_loss,             // ZCONNECTIONLOSS: the outcome is unknown; the session may still be alive
  session_expired,             // ZSESSIONEXPIRED / the handle's session is gone: start a new session
  operation_timeout,           // ZOPERATIONTIMEOUT, or no answer within the wrapper's bound
  no_children_for_ephemerals,  // ZNOCHILDRENFOREPHEMERALS
  invalid_argument,            // ZBADARGUMENTS, a malformed path, or a call the wrapper refuses
  not_connected,               // connect() found no server in time, or the session was closed
  auth_failed,                 // ZAUTHFAILED / ZNOAUTH / ZINVALIDACL
  other,                       // anything else (zk_error::zk_rc has the raw code)
};

const char* to_string(zk_errc c);

struct zk_error {
  zk_errc code = zk_errc::other;
  std::string message;
  int zk_rc = 0;       // the ZooKeeper C client's return code (ZOO_ERRORS), 0 if none
  int failed_op = -1;  // multi(): index of the operation that failed, else -1
};

// Maps a ZooKeeper C return code (ZOO_ERRORS) to zk_errc.
zk_errc code_from_rc(int zk_rc);
// A zk_error for return code `zk_rc`, the message prefixed with `what` (e.g. "create /a").
zk_error make_zk_error(int zk_rc, const std::string& what);

// The base error for callers outside the cluster module: no_node → not_found,
// node_exists → already_exists, operation_timeout/not_connected → timed_out, invalid_argument →
// invalid_argument, the rest → io_error; the message keeps the ZooKeeper reason.
error to_error(const zk_error& e);

// zk_result<T>: a T or a zk_error; the same interface as base::result<T>. Thread-compatible.
template <class T>
class [[nodiscard]] zk_result {
 public:
  zk_result(T value) : v_(std::in_place_index<0>, std::move(value)) {}     // NOLINT(implicit)
  zk_result(zk_error err) : v_(std::in_place_index<1>, std::move(err)) {}  // NOLINT(implicit)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const zk_error& err() const {
    assert(!ok());
    return std::get<1>(v_);
  }
  // REQUIRES: !ok().
  zk_errc code() const { return err().code; }

 private:
  std::variant<T, zk_error> v_;
};

template <>
class [[nodiscard]] zk_result<void> {
 public:
  zk_result() = default;
  zk_result(zk_error err) : err_(std::move(err)), ok_(false) {}  // NOLINT(implicit)
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const zk_error& err() const {
    assert(!ok_);
    return err_;
  }
  zk_errc code() const { return err().code; }

 private:
  zk_error err_;
  bool ok_ = true;
};

}  // namespace sluice::cluster::zk
