// broker: the single-node broker process: opens the data directory, serves the Kafka API on the
// shard's io_context, runs background maintenance (retention, checkpoints, flush policy) and shuts
// down in two phases.
#pragma once

#include <memory>

#include "base/result.h"
#include "broker/broker_settings.h"
#include "broker/broker_stats.h"
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
// All methods run on the io_context's thread.
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
  // called on the shard thread (the state is not thread-safe).
  const broker_state& state() const;
  broker_stats stats() const;
  // Keeps `service` until the broker is destroyed and stops it at the start of shutdown().
  void attach(std::unique_ptr<attached_service> service);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sluice::broker
