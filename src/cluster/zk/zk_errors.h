// zk_errors: the ZooKeeper wrapper's error type (zk_error, zk_result<T>), with every ZooKeeper
// outcome the cluster code branches on kept distinct.
#pragma once

#include <string>
#include <utility>

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

// zk_result<T>: a T or a zk_error (code() gives the zk_errc). Thread-compatible.
template <class T>
using zk_result = basic_result<T, zk_error>;

}  // namespace sluice::cluster::zk
