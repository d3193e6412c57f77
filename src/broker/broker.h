// broker: the single-node broker process: opens the data directory, serves the Kafka API on the
// shard's io_context, runs background maintenance (retention, checkpoints, flush policy) and shuts
// down in two phases.
#pragma once

#include <memory>

#include "base/result.h"
#include "broker/broker_settings.h"
#include "net/asio_fwd.h"

namespace sluice::config {
struct broker_config;
}

namespace sluice::broker {

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

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sluice::broker
