// Kafka's znode JSON: encoders with Kafka's key order, decoders that trust nothing they read.
#include "cluster/zk/zk_formats.h"

#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

namespace sluice::cluster::zk {

namespace paths {
std::string broker(int32_t id) { return std::string(broker_ids) + "/" + std::to_string(id); }
std::string topic(const std::string& t) { return std::string(topics) + "/" + t; }
std::string partitions(const std::string& t) { return topic(t) + "/partitions"; }
std::string partition(const std::string& t, int32_t p) { return partitions(t) + "/" + std::to_string(p); }
std::string partition_state(const std::string& t, int32_t p) { return partition(t, p) + "/state"; }
std::string topic_config(const std::string& t) { return std::string(topic_configs) + "/" + t; }
}  // namespace paths

namespace {

using json = nlohmann::json;
using ordered = nlohmann::ordered_json;

constexpr int max_depth = 32;

error bad(const char* what, const std::string& why) {
  return make_error(errc::corruption, std::string("malformed ") + what + ": " + why);
}

// Rejects oversized or too deeply nested input before nlohmann parses (and later destroys) it.
// Counts brackets outside strings; the parser validates everything else.
bool shape_ok(std::string_view text) {
  if (text.size() > max_znode_bytes) return false;
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

// Parses `text` into an object, or explains why not. Never throws.
result<json> parse_object(const char* what, std::string_view text) {
  if (!shape_ok(text)) return bad(what, "larger than 1 MiB or nested deeper than 32 levels");
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return bad(what, "not JSON");
  if (!doc.is_object()) return bad(what, "not a JSON object");
  return doc;
}

// Typed field access: each returns an error naming the field when it is missing or of another type.
struct fields {
  const char* what;
  const json& obj;

  const json* find(const char* key) const {
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
  }
  static bool as_int32(const json& v, int32_t* out) {
    if (v.is_number_unsigned()) {
      auto u = v.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) return false;
      *out = static_cast<int32_t>(u);
      return true;
    }
    if (!v.is_number_integer()) return false;
    auto i = v.get<int64_t>();
    if (i < std::numeric_limits<int32_t>::min() || i > std::numeric_limits<int32_t>::max()) return false;
    *out = static_cast<int32_t>(i);
    return true;
  }
  result<int32_t> int32(const char* key) const {
    const json* v = find(key);
    if (v == nullptr) return bad(what, std::string("no \"") + key + "\"");
    int32_t out = 0;
    if (!as_int32(*v, &out)) return bad(what, std::string("\"") + key + "\" is not a 32-bit integer");
    return out;
  }
  result<std::string> string(const char* key) const {
    const json* v = find(key);
    if (v == nullptr) return bad(what, std::string("no \"") + key + "\"");
    if (!v->is_string()) return bad(what, std::string("\"") + key + "\" is not a string");
    return v->get<std::string>();
  }
  // Absent or null → nullopt; present with another type → error.
  result<std::optional<std::string>> optional_string(const char* key) const {
    const json* v = find(key);
    if (v == nullptr || v->is_null()) return std::optional<std::string>();
    if (!v->is_string()) return bad(what, std::string("\"") + key + "\" is not a string");
    return std::optional<std::string>(v->get<std::string>());
  }
};

bool parse_int64(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// A JSON array of broker ids: 32-bit, >= 0, no duplicates.
result<std::vector<int32_t>> broker_list(const char* what, const json& v, const std::string& name) {
  if (!v.is_array()) return bad(what, name + " is not an array");
  std::vector<int32_t> out;
  std::set<int32_t> seen;
  for (const json& e : v) {
    int32_t id = 0;
    if (!fields::as_int32(e, &id) || id < 0) return bad(what, name + " holds something not a broker id");
    if (!seen.insert(id).second) return bad(what, name + " lists broker " + std::to_string(id) + " twice");
    out.push_back(id);
  }
  return out;
}

result<int32_t> partition_key(const char* what, const std::string& key) {
  int64_t p = 0;
  if (key.empty() || key.size() > 10 || (key.size() > 1 && key[0] == '0') || !parse_int64(key, &p) || p < 0 ||
      p > std::numeric_limits<int32_t>::max()) {
    return bad(what, "partition \"" + key.substr(0, 32) + "\" is not a partition id");
  }
  return static_cast<int32_t>(p);
}

result<std::map<int32_t, std::vector<int32_t>>> partition_map(const char* what, const json& v,
                                                              const std::string& name) {
  if (!v.is_object()) return bad(what, "\"" + name + "\" is not an object");
  std::map<int32_t, std::vector<int32_t>> out;
  for (auto it = v.begin(); it != v.end(); ++it) {
    auto p = partition_key(what, it.key());
    if (!p) return p.err();
    auto replicas = broker_list(what, it.value(), name + "[" + it.key() + "]");
    if (!replicas) return replicas.err();
    out[*p] = std::move(*replicas);
  }
  return out;
}

ordered partition_map_json(const std::map<int32_t, std::vector<int32_t>>& m) {
  ordered out = ordered::object();
  for (const auto& [p, replicas] : m) out[std::to_string(p)] = replicas;
  return out;
}

// Compact JSON as Jackson writes it; invalid UTF-8 in a string is replaced rather than thrown on.
std::string to_text(const ordered& j) { return j.dump(-1, ' ', false, ordered::error_handler_t::replace); }

bool names_protocol(const std::string& s) {
  return s == "PLAINTEXT" || s == "SSL" || s == "SASL_PLAINTEXT" || s == "SASL_SSL";
}

std::string format_host_port(const std::string& host, int32_t port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

// Runs a decoder body, turning any exception (a bug, or bad_alloc) into a corruption error.
template <class F>
auto guarded(const char* what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return bad(what, e.what());
  } catch (...) {
    return bad(what, "unexpected failure");
  }
}

}  // namespace

// ---- brokers ----

std::string broker_endpoint::connection_string() const {
  return listener + "://" + format_host_port(host, port);
}

result<broker_endpoint> parse_endpoint(std::string_view text,
                                       const std::map<std::string, std::string>& protocols) {
  const char* what = "endpoint";
  auto sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) return bad(what, "no \"LISTENER://\" prefix");
  broker_endpoint e;
  e.listener = std::string(text.substr(0, sep));
  std::string_view rest = text.substr(sep + 3);
  auto colon = rest.rfind(':');
  if (colon == std::string_view::npos) return bad(what, "no port");
  std::string_view host = rest.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int64_t port = 0;
  if (!parse_int64(rest.substr(colon + 1), &port) || port < -1 || port > 65535) return bad(what, "bad port");
  e.host = std::string(host);
  e.port = static_cast<int32_t>(port);
  if (auto it = protocols.find(e.listener); it != protocols.end()) {
    e.security_protocol = it->second;
  } else if (names_protocol(e.listener)) {
    e.security_protocol = e.listener;
  } else {
    return bad(what, "no security protocol for listener " + e.listener);
  }
  if (!names_protocol(e.security_protocol))
    return bad(what, "unknown security protocol " + e.security_protocol);
  return e;
}

std::string encode_broker(const broker_registration& b) {
  const broker_endpoint* plaintext = nullptr;
  for (const auto& e : b.endpoints) {
    if (e.security_protocol == "PLAINTEXT") {
      plaintext = &e;
      break;
    }
  }
  ordered protocols = ordered::object();
  ordered endpoints = ordered::array();
  for (const auto& e : b.endpoints) {
    protocols[e.listener] = e.security_protocol;
    endpoints.push_back(e.connection_string());
  }
  ordered j = ordered::object();
  j["listener_security_protocol_map"] = std::move(protocols);
  j["endpoints"] = std::move(endpoints);
  if (b.rack) j["rack"] = *b.rack;
  j["jmx_port"] = b.jmx_port;
  j["features"] = ordered::object();
  if (plaintext != nullptr) {
    j["host"] = plaintext->host;
  } else {
    j["host"] = nullptr;
  }
  j["timestamp"] = std::to_string(b.timestamp_ms);
  j["port"] = plaintext != nullptr ? plaintext->port : -1;
  j["version"] = 5;
  return to_text(j);
}

result<broker_registration> decode_broker(int32_t id, std::string_view text) {
  const char* what = "broker registration";
  return guarded(what, [&]() -> result<broker_registration> {
    auto doc = parse_object(what, text);
    if (!doc) return doc.err();
    fields f{what, *doc};
    broker_registration b;
    b.id = id;
    auto version = f.int32("version");
    if (!version) return version.err();
    if (*version < 1 || *version > 5) return bad(what, "unsupported version " + std::to_string(*version));
    b.version = *version;
    auto jmx = f.int32("jmx_port");
    if (!jmx) return jmx.err();
    b.jmx_port = *jmx;
    auto host = f.optional_string("host");
    if (!host) return host.err();
    b.host = *host;
    if (f.find("port") != nullptr) {
      auto port = f.int32("port");
      if (!port) return port.err();
      // -1 when the broker has no PLAINTEXT listener; a TCP port otherwise (as in the endpoints).
      if (*port < -1 || *port > 65535) return bad(what, "bad port");
      b.port = *port;
    }
    if (const json* ts = f.find("timestamp"); ts != nullptr) {
      if (!ts->is_string() || !parse_int64(ts->get<std::string>(), &b.timestamp_ms)) {
        return bad(what, "\"timestamp\" is not a decimal string");
      }
    }
    auto rack = f.optional_string("rack");
    if (!rack) return rack.err();
    b.rack = *rack;
    if (const json* feats = f.find("features"); feats != nullptr && !feats->is_object()) {
      return bad(what, "\"features\" is not an object");
    }
    if (b.version == 1) {
      if (!b.host || b.port < 0) return bad(what, "version 1 without host and port");
      b.endpoints.push_back({"PLAINTEXT", *b.host, b.port, "PLAINTEXT"});
      return b;
    }
    std::map<std::string, std::string> protocols;
    if (const json* m = f.find("listener_security_protocol_map"); m != nullptr) {
      if (!m->is_object()) return bad(what, "\"listener_security_protocol_map\" is not an object");
      for (auto it = m->begin(); it != m->end(); ++it) {
        if (!it.value().is_string()) return bad(what, "a security protocol is not a string");
        protocols[it.key()] = it.value().get<std::string>();
      }
    }
    const json* eps = f.find("endpoints");
    if (eps == nullptr || !eps->is_array()) return bad(what, "\"endpoints\" is missing or not an array");
    for (const json& e : *eps) {
      if (!e.is_string()) return bad(what, "an endpoint is not a string");
      auto ep = parse_endpoint(e.get<std::string>(), protocols);
      if (!ep) return ep.err();
      b.endpoints.push_back(std::move(*ep));
    }
    return b;
  });
}

// ---- controller ----

std::string encode_controller(const controller_registration& c) {
  ordered j = ordered::object();
  j["version"] = c.kraft_controller_epoch ? 2 : 1;
  j["brokerid"] = c.broker_id;
  j["timestamp"] = std::to_string(c.timestamp_ms);
  if (c.kraft_controller_epoch) j["kraftControllerEpoch"] = *c.kraft_controller_epoch;
  return to_text(j);
}

result<controller_registration> decode_controller(std::string_view text) {
  const char* what = "controller registration";
  return guarded(what, [&]() -> result<controller_registration> {
    auto doc = parse_object(what, text);
    if (!doc) return doc.err();
    fields f{what, *doc};
    controller_registration c;
    auto id = f.int32("brokerid");
    if (!id) return id.err();
    c.broker_id = *id;
    if (f.find("version") != nullptr) {
      auto v = f.int32("version");
      if (!v) return v.err();
      c.version = *v;
    }
    if (const json* ts = f.find("timestamp"); ts != nullptr) {
      if (!ts->is_string() || !parse_int64(ts->get<std::string>(), &c.timestamp_ms)) {
        return bad(what, "\"timestamp\" is not a decimal string");
      }
    }
    if (f.find("kraftControllerEpoch") != nullptr) {
      auto k = f.int32("kraftControllerEpoch");
      if (!k) return k.err();
      c.kraft_controller_epoch = *k;
    }
    return c;
  });
}

std::string encode_controller_epoch(int32_t epoch) { return std::to_string(epoch); }

result<int32_t> decode_controller_epoch(std::string_view text) {
  int64_t v = 0;
  if (text.size() > 11 || !parse_int64(text, &v) || v < 0 || v > std::numeric_limits<int32_t>::max()) {
    return bad("controller epoch", "not a decimal epoch");
  }
  return static_cast<int32_t>(v);
}

// ---- topics ----

std::string encode_topic_assignment(const topic_assignment& t) {
  ordered j = ordered::object();
  j["partitions"] = partition_map_json(t.partitions);
  if (t.topic_id) j["topic_id"] = uuid_to_string(*t.topic_id);
  j["adding_replicas"] = partition_map_json(t.adding_replicas);
  j["removing_replicas"] = partition_map_json(t.removing_replicas);
  j["version"] = 3;
  return to_text(j);
}

result<topic_assignment> decode_topic_assignment(std::string_view text) {
  const char* what = "topic assignment";
  return guarded(what, [&]() -> result<topic_assignment> {
    auto doc = parse_object(what, text);
    if (!doc) return doc.err();
    fields f{what, *doc};
    topic_assignment t;
    if (f.find("version") != nullptr) {
      auto v = f.int32("version");
      if (!v) return v.err();
      if (*v < 1 || *v > 3) return bad(what, "unsupported version " + std::to_string(*v));
    }
    if (const json* id = f.find("topic_id"); id != nullptr && !id->is_null()) {
      if (!id->is_string()) return bad(what, "\"topic_id\" is not a string");
      std::string s = id->get<std::string>();
      if (s.size() == 24 && s.ends_with("==")) s.resize(22);  // Kafka's decoder accepts the padded form
      auto u = uuid_from_string(s);
      if (!u) return bad(what, "\"topic_id\" is not a base64url uuid");
      t.topic_id = *u;
    }
    const json* parts = f.find("partitions");
    if (parts == nullptr) return bad(what, "no \"partitions\"");
    auto p = partition_map(what, *parts, "partitions");
    if (!p) return p.err();
    t.partitions = std::move(*p);
    for (auto [key, target] : {std::pair{"adding_replicas", &t.adding_replicas},
                               std::pair{"removing_replicas", &t.removing_replicas}}) {
      const json* v = f.find(key);
      if (v == nullptr) continue;
      auto m = partition_map(what, *v, key);
      if (!m) return m.err();
      for (const auto& [part, replicas] : *m) {
        if (!t.partitions.contains(part)) {
          return bad(what,
                     std::string(key) + " names partition " + std::to_string(part) + " not in partitions");
        }
      }
      *target = std::move(*m);
    }
    return t;
  });
}

// ---- partition state ----

std::string encode_partition_state(const partition_state& s) {
  ordered j = ordered::object();
  j["controller_epoch"] = s.controller_epoch;
  j["leader"] = s.leader;
  j["version"] = 1;
  j["leader_epoch"] = s.leader_epoch;
  j["isr"] = s.isr;
  if (s.leader_recovery_state != 0) j["leader_recovery_state"] = s.leader_recovery_state;
  return to_text(j);
}

result<partition_state> decode_partition_state(std::string_view text) {
  const char* what = "partition state";
  return guarded(what, [&]() -> result<partition_state> {
    auto doc = parse_object(what, text);
    if (!doc) return doc.err();
    fields f{what, *doc};
    partition_state s;
    auto leader = f.int32("leader");
    if (!leader) return leader.err();
    if (*leader < -1) return bad(what, "negative leader");
    s.leader = *leader;
    auto epoch = f.int32("leader_epoch");
    if (!epoch) return epoch.err();
    s.leader_epoch = *epoch;
    auto cepoch = f.int32("controller_epoch");
    if (!cepoch) return cepoch.err();
    s.controller_epoch = *cepoch;
    const json* isr = f.find("isr");
    if (isr == nullptr) return bad(what, "no \"isr\"");
    auto list = broker_list(what, *isr, "isr");
    if (!list) return list.err();
    s.isr = std::move(*list);
    if (f.find("leader_recovery_state") != nullptr) {
      auto r = f.int32("leader_recovery_state");
      if (!r) return r.err();
      if (*r != 0 && *r != 1) return bad(what, "unknown leader_recovery_state " + std::to_string(*r));
      s.leader_recovery_state = static_cast<int8_t>(*r);
    }
    return s;
  });
}

// ---- topic config ----

std::string encode_topic_config(const std::map<std::string, std::string>& config) {
  ordered j = ordered::object();
  j["version"] = 1;
  j["config"] = ordered::object();
  for (const auto& [k, v] : config) j["config"][k] = v;
  return to_text(j);
}

result<std::map<std::string, std::string>> decode_topic_config(std::string_view text) {
  const char* what = "topic config";
  return guarded(what, [&]() -> result<std::map<std::string, std::string>> {
    auto doc = parse_object(what, text);
    if (!doc) return doc.err();
    fields f{what, *doc};
    const json* c = f.find("config");
    if (c == nullptr || !c->is_object()) return bad(what, "\"config\" is missing or not an object");
    std::map<std::string, std::string> out;
    for (auto it = c->begin(); it != c->end(); ++it) {
      if (!it.value().is_string())
        return bad(what, "value of " + it.key().substr(0, 64) + " is not a string");
      out[it.key()] = it.value().get<std::string>();
    }
    return out;
  });
}

// ---- cluster id ----

std::string encode_cluster_id(const std::string& id) {
  ordered j = ordered::object();
  j["version"] = "1";
  j["id"] = id;
  return to_text(j);
}

result<std::string> decode_cluster_id(std::string_view text) {
  const char* what = "cluster id";
  return guarded(what, [&]() -> result<std::string> {
    auto doc = parse_object(what, text);
    if (!doc) return doc.err();
    auto id = fields{what, *doc}.string("id");
    if (!id) return id.err();
    if (id->empty()) return bad(what, "empty id");
    return *id;
  });
}

// ---- reassignment ----

std::string encode_reassignment(const std::vector<partition_reassignment>& r) {
  ordered j = ordered::object();
  j["version"] = 1;
  ordered parts = ordered::array();
  for (const auto& p : r) {
    ordered e = ordered::object();
    e["topic"] = p.topic;
    e["partition"] = p.partition;
    e["replicas"] = p.replicas;
    parts.push_back(std::move(e));
  }
  j["partitions"] = std::move(parts);
  return to_text(j);
}

result<std::vector<partition_reassignment>> decode_reassignment(std::string_view text) {
  const char* what = "partition reassignment";
  return guarded(what, [&]() -> result<std::vector<partition_reassignment>> {
    auto doc = parse_object(what, text);
    if (!doc) return doc.err();
    fields f{what, *doc};
    auto version = f.int32("version");
    if (!version) return version.err();
    if (*version != 1) return bad(what, "unsupported version " + std::to_string(*version));
    const json* parts = f.find("partitions");
    if (parts == nullptr || !parts->is_array()) return bad(what, "\"partitions\" is missing or not an array");
    std::vector<partition_reassignment> out;
    for (const json& e : *parts) {
      if (!e.is_object()) return bad(what, "a partition entry is not an object");
      fields pf{what, e};
      partition_reassignment r;
      auto topic = pf.string("topic");
      if (!topic) return topic.err();
      r.topic = std::move(*topic);
      auto p = pf.int32("partition");
      if (!p) return p.err();
      if (*p < 0) return bad(what, "negative partition");
      r.partition = *p;
      const json* replicas = pf.find("replicas");
      if (replicas == nullptr) return bad(what, "no \"replicas\"");
      auto list = broker_list(what, *replicas, "replicas");
      if (!list) return list.err();
      r.replicas = std::move(*list);
      out.push_back(std::move(r));
    }
    return out;
  });
}

}  // namespace sluice::cluster::zk
