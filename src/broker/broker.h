// broker: the single-node broker process: opens the data directory, serves the Kafka API on one
// event loop per core (shards, the first on the io_context it is given), runs background
// maintenance (retention, checkpoints, flush policy, compaction) and shuts down in two phases.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "broker/broker_settings.h"
#include "broker/broker_stats.h"
#include "broker/request_counters.h"
#include "net/asio_fwd.h"

namespace sluice::config {
struct broker_config;
}

namespace sluice::broker {

class broker_state;

// Something served beside the Kafka API (the HTTP port, src/http) that reads broker state on the
// shard thread. The broker stops it first when it shuts down, before draining and closing the
// logs, so it never reads a closed partition.
class attached_service {
 public:
  virtual ~attached_service() = default;
  // Stops serving at once (no drain). Idempotent. Runs on the shard thread.
  virtual void stop() = 0;
};

// Lifetime: construct, start(), run the io_context, then shutdown() (or a signal) ends it.
// start() runs before the io_context is run; every other method runs on the io_context's thread
// (the control shard). start() starts the other shards' threads; shutdown() (or the destructor)
// stops them.
class broker {
 public:
  broker(boost::asio::io_context& io, const config::broker_config& config, broker_settings settings);
  ~broker();
  broker(const broker&) = delete;
  broker& operator=(const broker&) = delete;

  // Opens metadata and logs (recovering after a crash), binds the listener, starts maintenance.
  result<void> start();
  // The bound Kafka port (useful when listening on port 0).
  uint16_t port() const;
  // Two-phase shutdown: stop accepting, drain in-flight requests, flush and close every log,
  // write checkpoints and the clean-shutdown marker. Returns true if everything closed cleanly.
  boost::asio::awaitable<bool> shutdown();

  // Read-only introspection for clients above the broker (src/http). REQUIRES: start() succeeded;
  // called on the control shard's thread (the state is not thread-safe). state() is the control
  // shard's (topic table, groups); the others gather from every shard.
  const broker_state& state() const;
  broker_stats stats() const;
  // Log figures of the hosted partitions (of one topic when `only_topic` is set).
  partition_summaries summarize_partitions(const std::string* only_topic = nullptr) const;
  size_t partition_count() const;
  // Requests received by API key, over every shard.
  request_counters request_totals() const;
  // Keeps `service` until the broker is destroyed and stops it at the start of shutdown().
  void attach(std::unique_ptr<attached_service> service);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sluice::broker
