// zk_errors: mapping of the ZooKeeper C client's return codes to zk_errc and to base errors.
#include "cluster/zk/zk_errors.h"

#include <zookeeper/zookeeper.h>

namespace sluice::cluster::zk {

const char* to_string(zk_errc c) {
  switch (c) {
    case zk_errc::no_node:
      return "no_node";
    case zk_errc::node_exists:
      return "node_exists";
    case zk_errc::bad_version:
      return "bad_version";
    case zk_errc::not_empty:
      return "not_empty";
    case zk_errc::connection_loss:
      return "connection_loss";
    case zk_errc::session_expired:
      return "session_expired";
    case zk_errc::operation_timeout:
      return "operation_timeout";
    case zk_errc::no_children_for_ephemerals:
      return "no_children_for_ephemerals";
    case zk_errc::invalid_argument:
      return "invalid_argument";
    case zk_errc::not_connected:
      return "not_connected";
    case zk_errc::auth_failed:
      return "auth_failed";
    case zk_errc::other:
      return "other";
  }
  return "unknown";
}

zk_errc code_from_rc(int zk_rc) {
  switch (zk_rc) {
    case ZNONODE:
      return zk_errc::no_node;
    case ZNODEEXISTS:
      return zk_errc::node_exists;
    case ZBADVERSION:
      return zk_errc::bad_version;
    case ZNOTEMPTY:
      return zk_errc::not_empty;
    case ZCONNECTIONLOSS:
      return zk_errc::connection_loss;
    case ZSESSIONEXPIRED:
    case ZINVALIDSTATE:  // the handle is in the expired (or auth-failed) state
      return zk_errc::session_expired;
    case ZOPERATIONTIMEOUT:
      return zk_errc::operation_timeout;
    case ZNOCHILDRENFOREPHEMERALS:
      return zk_errc::no_children_for_ephemerals;
    case ZBADARGUMENTS:
      return zk_errc::invalid_argument;
    case ZCLOSING:
      return zk_errc::not_connected;
    case ZAUTHFAILED:
    case ZNOAUTH:
    case ZINVALIDACL:
      return zk_errc::auth_failed;
    default:
      return zk_errc::other;
  }
}

zk_error make_zk_error(int zk_rc, const std::string& what) {
  return zk_error{code_from_rc(zk_rc), what + ": " + zerror(zk_rc), zk_rc, -1};
}

error to_error(const zk_error& e) {
  std::string message = std::string("zookeeper ") + to_string(e.code) + ": " + e.message;
  switch (e.code) {
    case zk_errc::no_node:
      return make_error(errc::not_found, std::move(message));
    case zk_errc::node_exists:
      return make_error(errc::already_exists, std::move(message));
    case zk_errc::operation_timeout:
    case zk_errc::not_connected:
      return make_error(errc::timed_out, std::move(message));
    case zk_errc::invalid_argument:
      return make_error(errc::invalid_argument, std::move(message));
    default:
      return make_error(errc::io_error, std::move(message));
  }
}

}  // namespace sluice::cluster::zk
