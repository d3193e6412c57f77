// The cluster's ZooKeeper operations, following Kafka's KafkaZkClient (see the header).
#include "cluster/zk/zk_cluster_store.h"

#include <algorithm>
#include <charconv>
#include <sstream>

namespace sluice::cluster::zk {
namespace {

zk_error malformed(const std::string& path, const error& e) {
  return zk_error{zk_errc::other, e.message + " (" + path + ")", 0, -1};
}

std::string hex(int64_t v) {
  std::ostringstream o;
  o << "0x" << std::hex << v;
  return o.str();
}

bool parse_id(const std::string& s, int32_t* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && *out >= 0;
}

}  // namespace

topic_error to_topic_error(const zk_error& e) {
  switch (e.code) {
    case zk_errc::node_exists:
      return topic_error::already_exists;
    case zk_errc::no_node:
      return topic_error::not_found;
    default:
      return topic_error::storage;
  }
}

zk_result<void> zk_cluster_store::ensure_path(const std::string& path) {
  auto r = s_.create(path, "", create_options{.make_parents = true});
  if (!r && r.code() != zk_errc::node_exists) return r.err();
  return {};
}

zk_result<void> zk_cluster_store::ensure_layout() {
  for (const char* p : {paths::broker_ids, paths::topics, paths::topic_configs, "/config/changes",
                        "/admin/delete_topics", "/isr_change_notification", "/cluster"}) {
    if (auto r = ensure_path(p); !r) return r;
  }
  return {};
}

zk_result<std::string> zk_cluster_store::ensure_cluster_id(const std::string& proposed) {
  auto created =
      s_.create(paths::cluster_id, encode_cluster_id(proposed), create_options{.make_parents = true});
  if (created) return proposed;
  if (created.code() != zk_errc::node_exists) return created.err();
  auto got = s_.get(paths::cluster_id);
  if (!got) return got.err();
  auto id = decode_cluster_id(got->data);
  if (!id) return malformed(paths::cluster_id, id.err());
  return *id;
}

// ---- brokers ----

zk_result<int64_t> zk_cluster_store::register_broker(const broker_registration& b) {
  const std::string path = paths::broker(b.id);
  auto created = s_.create(path, encode_broker(b), create_options{.ephemeral = true, .make_parents = true});
  if (created.ok() || created.code() == zk_errc::node_exists || created.code() == zk_errc::connection_loss) {
    // Read back: the czxid is the broker epoch, and a node_exists (or unknown outcome) is settled by
    // who owns the node, as Kafka's checkedEphemeralCreate does.
    auto got = s_.get(path);
    if (!got) return created.ok() ? got.err() : created.err();
    if (got->stat.ephemeral_owner == s_.session_id()) return got->stat.czxid;
    if (created.ok())
      return zk_error{zk_errc::other, "register " + path + ": node replaced meanwhile", 0, -1};
    zk_error e = created.err();
    e.code = zk_errc::node_exists;
    e.message = "broker.id " + std::to_string(b.id) + " is already registered at " + path +
                " by another live ZooKeeper session (" + hex(got->stat.ephemeral_owner) + ")";
    return e;
  }
  return created.err();
}

zk_result<std::vector<int32_t>> zk_cluster_store::live_brokers(watch_fn watch) {
  auto names = s_.children(paths::broker_ids, std::move(watch));
  if (!names) return names.err();
  std::vector<int32_t> ids;
  for (const auto& n : *names) {
    int32_t id = 0;
    if (parse_id(n, &id)) ids.push_back(id);  // Kafka ignores children that are not broker ids
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

zk_result<std::optional<broker_registration>> zk_cluster_store::get_broker(int32_t id) {
  const std::string path = paths::broker(id);
  auto got = s_.get(path);
  if (!got) {
    if (got.code() == zk_errc::no_node) return std::optional<broker_registration>();
    return got.err();
  }
  auto b = decode_broker(id, got->data);
  if (!b) return malformed(path, b.err());
  return std::optional<broker_registration>(std::move(*b));
}

zk_result<std::vector<broker_registration>> zk_cluster_store::get_brokers(watch_fn watch) {
  auto ids = live_brokers(std::move(watch));
  if (!ids) return ids.err();
  std::vector<broker_registration> out;
  for (int32_t id : *ids) {
    auto b = get_broker(id);
    if (!b) return b.err();
    if (*b) out.push_back(std::move(**b));
  }
  return out;
}

// ---- controller ----

zk_result<controller_fence> zk_cluster_store::controller_epoch() {
  auto got = s_.get(paths::controller_epoch);
  if (!got) {
    if (got.code() == zk_errc::no_node) return controller_fence{0, -1};
    return got.err();
  }
  auto epoch = decode_controller_epoch(got->data);
  if (!epoch) return malformed(paths::controller_epoch, epoch.err());
  return controller_fence{*epoch, got->stat.version};
}

zk_result<std::optional<int32_t>> zk_cluster_store::controller(watch_fn watch) {
  // get() watches changes and deletion of an existing node; for a missing one exists() watches its
  // creation. Retry if the node appears or vanishes between the two.
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto got = s_.get(paths::controller, watch);
    if (got) {
      auto c = decode_controller(got->data);
      if (!c) return malformed(paths::controller, c.err());
      return std::optional<int32_t>(c->broker_id);
    }
    if (got.code() != zk_errc::no_node) return got.err();
    auto ex = s_.exists(paths::controller, watch);
    if (!ex) return ex.err();
    if (!ex->has_value()) return std::optional<int32_t>();
    // Created in between: the exists() watch is set and will fire on its next change; read it again
    // without a second watch.
    watch = {};
  }
  return zk_error{zk_errc::operation_timeout, "read /controller: it keeps appearing and vanishing", 0, -1};
}

zk_result<election_result> zk_cluster_store::try_become_controller(int32_t broker_id, int64_t now_ms) {
  const std::string data = encode_controller(controller_registration{broker_id, now_ms, 1, std::nullopt});
  // Settles a lost or unknown outcome by reading who holds /controller now.
  auto who_won = [&]() -> zk_result<election_result> {
    auto got = s_.get(paths::controller);
    if (!got) {
      if (got.code() == zk_errc::no_node) return election_result{};
      return got.err();
    }
    auto c = decode_controller(got->data);
    if (!c) return malformed(paths::controller, c.err());
    election_result r;
    r.controller_id = c->broker_id;
    if (got->stat.ephemeral_owner == s_.session_id()) {
      // Ours (a retry after connection loss): the epoch we wrote is the current one.
      auto fence = controller_epoch();
      if (!fence) return fence.err();
      r.elected = true;
      r.fence = *fence;
    }
    return r;
  };

  auto current = controller_epoch();
  if (!current) return current.err();
  if (current->epoch_zk_version < 0) {
    auto created = s_.create(paths::controller_epoch, encode_controller_epoch(0));
    if (!created && created.code() != zk_errc::node_exists) return created.err();
    current = controller_epoch();
    if (!current) return current.err();
    if (current->epoch_zk_version < 0) return zk_error{zk_errc::no_node, "/controller_epoch vanished", 0, -1};
  }
  const int32_t next = current->epoch + 1;
  auto m =
      s_.multi({op::create(paths::controller, data, create_options{.ephemeral = true}),
                op::set(paths::controller_epoch, encode_controller_epoch(next), current->epoch_zk_version)});
  if (m) {
    election_result r;
    r.elected = true;
    r.controller_id = broker_id;
    r.fence = controller_fence{next, (*m)[1].stat.version};
    return r;
  }
  switch (m.code()) {
    case zk_errc::node_exists:
    case zk_errc::bad_version:
    case zk_errc::connection_loss:
    case zk_errc::operation_timeout:
      return who_won();
    default:
      return m.err();
  }
}

// ---- topics ----

zk_result<void> zk_cluster_store::create_topic(const std::string& topic, const topic_assignment& assignment,
                                               const std::map<std::string, std::string>& config) {
  // The config node may be left over (Kafka writes it before the assignment, and a failed creation
  // can leave it): overwrite it then; the assignment's create decides whether the topic exists.
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto cfg = s_.exists(paths::topic_config(topic));
    if (!cfg) return cfg.err();
    const std::string cfg_data = encode_topic_config(config);
    std::vector<op> ops{op::create(paths::topic(topic), encode_topic_assignment(assignment))};
    if (cfg->has_value()) {
      ops.push_back(op::set(paths::topic_config(topic), cfg_data, (*cfg)->version));
    } else {
      ops.push_back(op::create(paths::topic_config(topic), cfg_data));
    }
    auto m = s_.multi(ops);
    if (m) return {};
    if (m.err().failed_op == 1 && (m.code() == zk_errc::bad_version || m.code() == zk_errc::node_exists ||
                                   m.code() == zk_errc::no_node)) {
      continue;  // the config node changed between exists() and multi(): look again
    }
    if (m.err().failed_op == 0 && m.code() == zk_errc::node_exists) {
      zk_error e = m.err();
      e.message = "topic '" + topic + "' already exists";
      return e;
    }
    return m.err();
  }
  return zk_error{zk_errc::bad_version, "create topic " + topic + ": its config node keeps changing", 0, 1};
}

zk_result<std::vector<std::string>> zk_cluster_store::list_topics(watch_fn watch) {
  auto names = s_.children(paths::topics, std::move(watch));
  if (!names) return names.err();
  std::sort(names->begin(), names->end());
  return std::move(*names);
}

zk_result<versioned_topic_assignment> zk_cluster_store::get_topic(const std::string& topic, watch_fn watch) {
  const std::string path = paths::topic(topic);
  auto got = s_.get(path, std::move(watch));
  if (!got) return got.err();
  auto t = decode_topic_assignment(got->data);
  if (!t) return malformed(path, t.err());
  return versioned_topic_assignment{std::move(*t), got->stat.version};
}

zk_result<int32_t> zk_cluster_store::update_topic(const std::string& topic,
                                                  const topic_assignment& assignment,
                                                  int32_t expected_version) {
  auto st = s_.set(paths::topic(topic), encode_topic_assignment(assignment), expected_version);
  if (!st) return st.err();
  return st->version;
}

zk_result<std::map<std::string, std::string>> zk_cluster_store::get_topic_config(const std::string& topic,
                                                                                 watch_fn watch) {
  const std::string path = paths::topic_config(topic);
  auto got = s_.get(path, watch);
  if (!got && got.code() == zk_errc::no_node && watch) {
    // Learn when it is created.
    (void)s_.exists(path, std::move(watch));
  }
  if (!got) {
    if (got.code() == zk_errc::no_node) return std::map<std::string, std::string>();
    return got.err();
  }
  auto c = decode_topic_config(got->data);
  if (!c) return malformed(path, c.err());
  return std::move(*c);
}

zk_result<void> zk_cluster_store::set_topic_config(const std::string& topic,
                                                   const std::map<std::string, std::string>& config) {
  const std::string path = paths::topic_config(topic);
  auto st = s_.set(path, encode_topic_config(config), any_version);
  if (st) return {};
  if (st.code() != zk_errc::no_node) return st.err();
  auto c = s_.create(path, encode_topic_config(config), create_options{.make_parents = true});
  if (!c) return c.err();
  return {};
}

// ---- partition state ----

zk_result<int32_t> zk_cluster_store::create_partition_state(const std::string& topic, int32_t partition,
                                                            partition_state state,
                                                            const controller_fence& fence) {
  // The parents are empty persistent nodes, as Kafka's createTopicPartitions makes them; the state
  // itself is created fenced.
  for (const std::string& p : {paths::partitions(topic), paths::partition(topic, partition)}) {
    auto r = s_.create(p, "");
    if (!r && r.code() != zk_errc::node_exists) return r.err();
  }
  state.controller_epoch = fence.epoch;
  auto m = s_.multi({op::check(paths::controller_epoch, fence.epoch_zk_version),
                     op::create(paths::partition_state(topic, partition), encode_partition_state(state))});
  if (!m) return m.err();
  return 0;
}

zk_result<versioned_partition_state> zk_cluster_store::get_partition_state(const std::string& topic,
                                                                           int32_t partition,
                                                                           watch_fn watch) {
  const std::string path = paths::partition_state(topic, partition);
  auto got = s_.get(path, std::move(watch));
  if (!got) return got.err();
  auto st = decode_partition_state(got->data);
  if (!st) return malformed(path, st.err());
  return versioned_partition_state{std::move(*st), got->stat.version};
}

zk_result<int32_t> zk_cluster_store::update_partition_state(const std::string& topic, int32_t partition,
                                                            partition_state state, int32_t expected_version,
                                                            const std::optional<controller_fence>& fence) {
  const std::string path = paths::partition_state(topic, partition);
  if (!fence) {
    auto st = s_.set(path, encode_partition_state(state), expected_version);
    if (!st) return st.err();
    return st->version;
  }
  state.controller_epoch = fence->epoch;
  auto m = s_.multi({op::check(paths::controller_epoch, fence->epoch_zk_version),
                     op::set(path, encode_partition_state(state), expected_version)});
  if (!m) {
    zk_error e = m.err();
    if (controller_fenced(e))
      e.message = "update " + path + ": fenced, controller epoch moved past " + std::to_string(fence->epoch) +
                  " (" + e.message + ")";
    return e;
  }
  return (*m)[1].stat.version;
}

}  // namespace sluice::cluster::zk
