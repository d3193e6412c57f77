// RAII wrappers around librdkafka's C handles, the configuration builder, and the reachability
// check every command runs first so an unreachable broker becomes one actionable error line.
#pragma once

#include <librdkafka/rdkafka.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "cli/common.h"

namespace sluice::cli {

struct event_deleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
struct queue_deleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct metadata_deleter {
  void operator()(const rd_kafka_metadata_t* m) const { rd_kafka_metadata_destroy(m); }
};
struct topic_deleter {
  void operator()(rd_kafka_topic_t* t) const { rd_kafka_topic_destroy(t); }
};
struct message_deleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
struct tpl_deleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
struct admin_options_deleter {
  void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
};
using event_ptr = std::unique_ptr<rd_kafka_event_t, event_deleter>;
using queue_ptr = std::unique_ptr<rd_kafka_queue_t, queue_deleter>;
using metadata_ptr = std::unique_ptr<const rd_kafka_metadata_t, metadata_deleter>;
using topic_ptr = std::unique_ptr<rd_kafka_topic_t, topic_deleter>;
using message_ptr = std::unique_ptr<rd_kafka_message_t, message_deleter>;
using tpl_ptr = std::unique_ptr<rd_kafka_topic_partition_list_t, tpl_deleter>;
using admin_options_ptr = std::unique_ptr<rd_kafka_AdminOptions_t, admin_options_deleter>;

using delivery_fn = std::function<void(rd_kafka_t*, const rd_kafka_message_t*)>;

// State that librdkafka's callbacks write into (error_cb, dr_msg_cb, log_cb). Owned by rk_handle
// and destroyed after the rd_kafka_t. error_cb/log_cb may run on librdkafka threads, so the
// error fields are guarded by mu_; on_delivery runs on the thread that calls rd_kafka_poll/flush.
class client_state {
 public:
  bool verbose = false;
  delivery_fn on_delivery;

  void record_error(rd_kafka_resp_err_t err, std::string_view reason);
  // Condensed reason of the latest connection-level failure ("connection refused"), or "".
  std::string last_connect_error() const;
  // Non-empty once librdkafka reported a fatal error (e.g. idempotent producer fenced).
  std::string fatal_error() const;

 private:
  mutable std::mutex mu_;
  std::string last_connect_error_;
  std::string fatal_error_;
};

// Owns one rd_kafka_t and its client_state. Move-only. Destroying it calls rd_kafka_destroy,
// which for a producer drops undelivered messages: call rd_kafka_flush first.
class rk_handle {
 public:
  rk_handle() = default;
  rk_handle(rd_kafka_t* rk, std::unique_ptr<client_state> state, std::string bootstrap);
  rk_handle(rk_handle&& other) noexcept;
  rk_handle& operator=(rk_handle&& other) noexcept;
  rk_handle(const rk_handle&) = delete;
  rk_handle& operator=(const rk_handle&) = delete;
  ~rk_handle();

  rd_kafka_t* get() const { return rk_; }
  client_state& state() const { return *state_; }
  const std::string& bootstrap() const { return bootstrap_; }

 private:
  void reset();
  rd_kafka_t* rk_ = nullptr;
  std::unique_ptr<client_state> state_;
  std::string bootstrap_;
};

// Builds an rd_kafka_conf_t from the common options plus command-specific properties. The first
// property librdkafka rejects is reported by build() as a usage error.
class conf_builder {
 public:
  explicit conf_builder(const common_options& common);
  ~conf_builder();
  conf_builder(const conf_builder&) = delete;
  conf_builder& operator=(const conf_builder&) = delete;

  conf_builder& set(std::string_view key, std::string_view value);
  conf_builder& on_delivery(delivery_fn fn);
  // Applies -X properties last (so they win), then creates the handle.
  result<rk_handle> build(rd_kafka_type_t type);

 private:
  rd_kafka_conf_t* conf_;
  std::unique_ptr<client_state> state_;
  std::vector<std::string> raw_props_;
  std::string bootstrap_;
  std::string first_error_;
};

// "127.0.0.1:9092/bootstrap: Connect to ipv4#127.0.0.1:9092 failed: Connection refused (after
// 0ms in state CONNECT)" -> "connection refused". Unknown shapes are returned mostly unchanged.
std::string condense_connect_error(std::string_view reason);

// Requests metadata (all topics, or only `topic` when non-empty), waiting up to timeout_ms for a
// broker to answer. An unreachable cluster becomes "cannot reach <bootstrap>: <reason> after N s".
result<metadata_ptr> fetch_metadata(const rk_handle& h, const std::string& topic, int timeout_ms);

// Finds a topic in metadata; nullptr when absent.
const rd_kafka_metadata_topic_t* find_topic(const rd_kafka_metadata_t& md, std::string_view name);

// Metadata for one topic that must exist: "topic 'x' does not exist" otherwise.
result<metadata_ptr> fetch_topic_metadata(const rk_handle& h, const std::string& topic, int timeout_ms);

// Maps a librdkafka error to text for the user: "<name>: <description>".
std::string describe_err(rd_kafka_resp_err_t err);

// Validates a compression codec name (none|gzip|snappy|lz4|zstd).
result<void> check_compression(const std::string& codec);
// Maps --acks (0|1|all|-1) to librdkafka's request.required.acks value.
result<std::string> normalize_acks(const std::string& acks);

}  // namespace sluice::cli
