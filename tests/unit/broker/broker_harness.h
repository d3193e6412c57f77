// broker_harness: a real broker::broker on its own io thread over a temp data dir, and a blocking
// loopback Kafka client that sends generated request structs and decodes the responses.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include "broker/broker.h"
#include "broker/broker_settings.h"
#include "config/broker_config.h"
#include "protocol/reader.h"
#include "protocol/request_header.h"

namespace sluice::broker::test {

using namespace std::chrono_literals;

// The test broker's advertised identity.
inline constexpr int32_t test_node_id = 1;
inline constexpr const char* test_host = "127.0.0.1";
inline constexpr int32_t test_advertised_port = 19092;

struct harness_options {
  bool delete_enabled = true;
  bool auto_create = true;
  // Shards (event loops). Three whatever the machine's cores, so every API test crosses shards:
  // with a topic's partitions spread over them, most requests reach a partition owned elsewhere.
  size_t shards = 3;
  // The file system of the logs (a storage::fault_injection_fs in durability tests); null = POSIX.
  // Must outlive the harness.
  storage::file_system* file_system = nullptr;
  // server.properties-style keys applied to the broker config (explicit_values, as if set in the
  // file), e.g. {"log.retention.hours", "48"}.
  std::vector<std::pair<std::string, std::string>> broker_overrides;
};

// Runs a broker with node id 1 on 127.0.0.1:<ephemeral> until destroyed. Lifetime: the broker is
// built and started before the io thread runs and destroyed after it stopped, so every broker call
// happens either on the io thread or while the io_context is idle.
class broker_harness {
 public:
  explicit broker_harness(harness_options options = {});
  ~broker_harness();
  broker_harness(const broker_harness&) = delete;
  broker_harness& operator=(const broker_harness&) = delete;

  uint16_t port() const { return port_; }
  const std::string& data_dir() const { return dir_; }
  // The broker's log.dir (inside data_dir()).
  std::string log_dir() const { return dir_ + "/data"; }
  const config::broker_config& config() const { return config_; }
  // Clean shutdown, then a new broker over the same data dir (with `shards` shards when given).
  void restart(std::optional<size_t> shards = std::nullopt);

 private:
  void start();
  void stop();

  harness_options options_;
  std::string dir_;
  config::broker_config config_;
  std::unique_ptr<boost::asio::io_context> io_;
  std::unique_ptr<broker> broker_;
  std::thread thread_;
  uint16_t port_ = 0;
};

// A blocking client over one connection. Decoded responses may hold views (records) into frames
// the client keeps for its whole lifetime.
class kafka_client {
 public:
  explicit kafka_client(uint16_t port);
  ~kafka_client();
  kafka_client(const kafka_client&) = delete;
  kafka_client& operator=(const kafka_client&) = delete;

  // Sends a request; returns its correlation id.
  template <class Req>
  int32_t send(const Req& req, int16_t version) {
    const int32_t correlation = next_correlation_++;
    send_bytes(to_string(protocol::frame(protocol::encode_request(correlation, version, client_id_, req))));
    return correlation;
  }
  // Sends a header for any api key/version, followed by `body`.
  int32_t send_raw(int16_t api_key, int16_t version, const std::string& body = {});

  // Reads the next response frame (without its size prefix); nullopt if the peer closed the
  // connection or nothing arrived within `timeout`.
  std::optional<std::vector<uint8_t>> read_frame(std::chrono::milliseconds timeout = 10s);

  // Reads the next response and decodes it as Resp at `version`, checking the correlation id.
  // `api_key` chooses the response header version (ApiVersions always uses v0).
  template <class Resp>
  Resp receive(int32_t correlation, int16_t version) {
    Resp out;
    auto frame = read_frame();
    if (!frame) {
      ADD_FAILURE() << "no response (connection closed or timed out)";
      return out;
    }
    frames_.push_back(std::move(*frame));
    protocol::reader r(frames_.back());
    const int32_t got = r.read_int32();
    EXPECT_EQ(got, correlation);
    if (protocol::response_header_version(Resp::api_key, version) >= 1) r.skip_tagged_fields();
    EXPECT_TRUE(out.decode(r, version)) << "undecodable response";
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.remaining(), 0u) << "trailing bytes in response";
    return out;
  }

  template <class Resp, class Req>
  Resp call(const Req& req, int16_t version) {
    return receive<Resp>(send(req, version), version);
  }

  // True if the broker closes the connection (EOF) within `timeout` without sending anything.
  bool closed_by_peer(std::chrono::milliseconds timeout = 10s);

 private:
  static std::string to_string(const outbuf& buf);
  void send_bytes(const std::string& bytes);

  int fd_ = -1;
  int32_t next_correlation_ = 1;
  std::optional<std::string> client_id_ = std::string("broker-test");
  std::deque<std::vector<uint8_t>> frames_;
};

// Base fixture: a running broker and helpers for the common setup requests.
class BrokerTest : public ::testing::Test {
 protected:
  explicit BrokerTest(harness_options options = {})
      : harness_(std::make_unique<broker_harness>(std::move(options))) {}

  broker_harness& harness() { return *harness_; }
  kafka_client& client() {
    if (!client_) client_ = std::make_unique<kafka_client>(harness_->port());
    return *client_;
  }
  void restart(std::optional<size_t> shards = std::nullopt) {
    client_.reset();
    harness_->restart(shards);
  }

  // CreateTopics v7; returns the error code.
  int16_t create_topic(const std::string& name, int32_t partitions = 1,
                       std::vector<std::pair<std::string, std::string>> configs = {});
  // Produce v7 acks=-1 of one batch with `values`; returns {error, base offset}.
  std::pair<int16_t, int64_t> produce(const std::string& topic, int32_t partition,
                                      const std::vector<std::string>& values, int64_t producer_id = -1,
                                      int16_t producer_epoch = -1, int32_t base_sequence = -1);

  std::unique_ptr<broker_harness> harness_;
  std::unique_ptr<kafka_client> client_;
};

// A record batch (magic 2, uncompressed) with one record per value.
std::string make_batch(const std::vector<std::string>& values, int64_t producer_id = -1,
                       int16_t producer_epoch = -1, int32_t base_sequence = -1);

}  // namespace sluice::broker::test
