// RAII wrappers around librdkafka handles, the conf builder, and the reachability check.
#include "cli/rk_handle.h"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <thread>

namespace sluice::cli {

namespace {

client_state* state_of(const rd_kafka_t* rk) { return static_cast<client_state*>(rd_kafka_opaque(rk)); }

extern "C" void log_cb(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  client_state* st = state_of(rk);
  if (st != nullptr && st->verbose) fmt::print(stderr, "rdkafka {} {}: {}\n", level, fac, buf);
}

extern "C" void error_cb(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* st = static_cast<client_state*>(opaque);
  if (st == nullptr) return;
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512];
    rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, buf, sizeof(buf));
    st->record_error(orig == RD_KAFKA_RESP_ERR_NO_ERROR ? RD_KAFKA_RESP_ERR__FATAL : orig, buf);
    return;
  }
  auto e = static_cast<rd_kafka_resp_err_t>(err);
  st->record_error(e, reason);
  if (st->verbose) fmt::print(stderr, "rdkafka error: {}: {}\n", rd_kafka_err2name(e), reason);
}

extern "C" void dr_msg_cb(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque) {
  auto* st = static_cast<client_state*>(opaque);
  if (st != nullptr && st->on_delivery) st->on_delivery(rk, msg);
}

}  // namespace

void client_state::record_error(rd_kafka_resp_err_t err, std::string_view reason) {
  std::lock_guard lock(mu_);
  switch (err) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR__SSL:
      last_connect_error_ = condense_connect_error(reason);
      break;
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
      break;  // a summary of the transport errors we already kept
    default:
      break;
  }
  if (err == RD_KAFKA_RESP_ERR__FATAL || err == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
      err == RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER ||
      err == RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED) {
    if (fatal_error_.empty()) fatal_error_ = fmt::format("{}: {}", rd_kafka_err2name(err), reason);
  }
}

std::string client_state::last_connect_error() const {
  std::lock_guard lock(mu_);
  return last_connect_error_;
}

std::string client_state::fatal_error() const {
  std::lock_guard lock(mu_);
  return fatal_error_;
}

rk_handle::rk_handle(rd_kafka_t* rk, std::unique_ptr<client_state> state, std::string bootstrap)
    : rk_(rk), state_(std::move(state)), bootstrap_(std::move(bootstrap)) {}

rk_handle::rk_handle(rk_handle&& other) noexcept
    : rk_(other.rk_), state_(std::move(other.state_)), bootstrap_(std::move(other.bootstrap_)) {
  other.rk_ = nullptr;
}

rk_handle& rk_handle::operator=(rk_handle&& other) noexcept {
  if (this != &other) {
    reset();
    rk_ = other.rk_;
    state_ = std::move(other.state_);
    bootstrap_ = std::move(other.bootstrap_);
    other.rk_ = nullptr;
  }
  return *this;
}

rk_handle::~rk_handle() { reset(); }

void rk_handle::reset() {
  if (rk_ != nullptr) {
    rd_kafka_destroy(rk_);  // before state_: callbacks may run during destroy
    rk_ = nullptr;
  }
  state_.reset();
}

conf_builder::conf_builder(const common_options& common)
    : conf_(rd_kafka_conf_new()),
      state_(std::make_unique<client_state>()),
      raw_props_(common.rdkafka_props),
      bootstrap_(common.bootstrap) {
  state_->verbose = common.verbose || !common.debug.empty();
  set("bootstrap.servers", common.bootstrap);
  set("client.id", "sluice-cli");
  // Connection-close notices are normal (idle brokers close sockets); keep them out of the log.
  set("log.connection.close", "false");
  if (!common.debug.empty()) set("debug", common.debug);
  rd_kafka_conf_set_log_cb(conf_, log_cb);
  rd_kafka_conf_set_error_cb(conf_, error_cb);
}

conf_builder::~conf_builder() {
  if (conf_ != nullptr) rd_kafka_conf_destroy(conf_);
}

conf_builder& conf_builder::set(std::string_view key, std::string_view value) {
  char errstr[512];
  std::string k(key), v(value);
  if (rd_kafka_conf_set(conf_, k.c_str(), v.c_str(), errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK &&
      first_error_.empty()) {
    first_error_ = fmt::format("invalid client property {}={}: {}", k, v, errstr);
  }
  return *this;
}

conf_builder& conf_builder::on_delivery(delivery_fn fn) {
  state_->on_delivery = std::move(fn);
  rd_kafka_conf_set_dr_msg_cb(conf_, dr_msg_cb);
  return *this;
}

result<rk_handle> conf_builder::build(rd_kafka_type_t type) {
  for (const auto& prop : raw_props_) {
    auto kv = parse_key_value(prop);
    if (!kv) return usage_error(fmt::format("-X {}: {}", prop, kv.err().message));
    set(kv->first, kv->second);
  }
  if (!first_error_.empty()) return usage_error(first_error_);
  rd_kafka_conf_set_opaque(conf_, state_.get());
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf_, errstr, sizeof(errstr));
  if (rk == nullptr) {
    // rd_kafka_new leaves conf_ with us on failure; its message names the conflicting settings.
    return usage_error(fmt::format("cannot create client: {}", errstr));
  }
  conf_ = nullptr;  // owned by rk now
  return rk_handle(rk, std::move(state_), bootstrap_);
}

std::string condense_connect_error(std::string_view reason) {
  std::string_view r = reason;
  // Drop the "host:port/id: " prefix librdkafka puts on broker-level errors.
  if (auto p = r.find(": ");
      p != std::string_view::npos && r.substr(0, p).find('/') != std::string_view::npos) {
    r = r.substr(p + 2);
  }
  // Split off "(after Nms in state X)".
  std::string state;
  if (auto p = r.rfind(" (after "); p != std::string_view::npos) {
    auto tail = r.substr(p);
    if (auto s = tail.find("in state "); s != std::string_view::npos) {
      // "(after 0ms in state CONNECT, 1 identical error(s) suppressed)"
      auto st = tail.substr(s + 9);
      state = std::string(st.substr(0, st.find_first_of(",)")));
    }
    r = r.substr(0, p);
  }
  std::string out;
  if (r.rfind("Connect to ", 0) == 0) {
    if (auto f = r.find(" failed: "); f != std::string_view::npos) r = r.substr(f + 9);
  }
  out = std::string(r);
  if (!out.empty() && std::isupper(static_cast<unsigned char>(out[0])) &&
      (out.size() < 2 || std::islower(static_cast<unsigned char>(out[1])))) {
    out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
  }
  if (!state.empty() && state != "CONNECT") out += fmt::format(" (in state {})", state);
  return out;
}

std::string describe_err(rd_kafka_resp_err_t err) {
  return fmt::format("{}: {}", rd_kafka_err2name(err), rd_kafka_err2str(err));
}

result<metadata_ptr> fetch_metadata(const rk_handle& h, const std::string& topic, int timeout_ms) {
  topic_ptr rkt;
  if (!topic.empty()) rkt.reset(rd_kafka_topic_new(h.get(), topic.c_str(), nullptr));
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(h.get(), topic.empty() ? 1 : 0, rkt.get(), &md, timeout_ms);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return metadata_ptr(md);
  rd_kafka_poll(h.get(), 0);  // serve error_cb so the connection failure reason is recorded
  std::string reason = h.state().last_connect_error();
  double secs = timeout_ms / 1000.0;
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT) {
    if (!reason.empty()) {
      return runtime_error(fmt::format("cannot reach {}: {} after {:g} s", h.bootstrap(), reason, secs),
                           errc::timed_out);
    }
    return runtime_error(
        fmt::format("cannot reach {}: no answer to a Metadata request after {:g} s", h.bootstrap(), secs),
        errc::timed_out);
  }
  return runtime_error(fmt::format("metadata request to {} failed: {}", h.bootstrap(), describe_err(err)));
}

const rd_kafka_metadata_topic_t* find_topic(const rd_kafka_metadata_t& md, std::string_view name) {
  for (int i = 0; i < md.topic_cnt; ++i) {
    if (name == md.topics[i].topic) return &md.topics[i];
  }
  return nullptr;
}

result<metadata_ptr> fetch_topic_metadata(const rk_handle& h, const std::string& topic, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  auto md = fetch_metadata(h, topic, timeout_ms);
  if (!md) return md.err();
  const auto* t = find_topic(**md, topic);
  // A topic being created (e.g. auto-created by this very request) reports LEADER_NOT_AVAILABLE
  // and no partitions for a moment: ask again until it settles or the time is up.
  while (t != nullptr && t->err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE && t->partition_cnt == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    md = fetch_metadata(h, topic, static_cast<int>(std::max<int64_t>(left.count(), 1)));
    if (!md) return md.err();
    t = find_topic(**md, topic);
  }
  if (t == nullptr || t->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
    return runtime_error(fmt::format("topic '{}' does not exist", topic), errc::not_found);
  }
  if (t->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED) {
    return runtime_error(fmt::format("not authorized to access topic '{}'", topic));
  }
  if (t->err == RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION) {
    return usage_error(fmt::format("'{}' is not a valid topic name", topic));
  }
  if (t->err != RD_KAFKA_RESP_ERR_NO_ERROR && t->partition_cnt == 0) {
    return runtime_error(fmt::format("topic '{}' is not available: {}", topic, describe_err(t->err)));
  }
  return md;
}

result<void> check_compression(const std::string& codec) {
  for (const char* c : {"none", "gzip", "snappy", "lz4", "zstd"}) {
    if (codec == c) return {};
  }
  return usage_error(fmt::format("unknown compression '{}': use none|gzip|snappy|lz4|zstd", codec));
}

result<std::string> normalize_acks(const std::string& acks) {
  if (acks == "all" || acks == "-1") return std::string("all");
  if (acks == "0" || acks == "1") return acks;
  return usage_error(fmt::format("--acks must be 0, 1, all or -1, got '{}'", acks));
}

}  // namespace sluice::cli
