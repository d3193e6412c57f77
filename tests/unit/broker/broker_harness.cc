// broker_harness: the in-process broker and the loopback client used by broker_test.
#include "broker_harness.h"

#include "broker/settings_from_config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/use_future.hpp>

#include "config/topic_config.h"
#include "protocol/generated/create_topics.h"
#include "protocol/generated/produce.h"
#include "protocol/writer.h"
#include "records/batch_builder.h"
#include "storage/log_config.h"

namespace sluice::broker::test {
namespace asio = boost::asio;

namespace {

std::string make_temp_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "sluice-broker-test-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  return pattern;
}

config::broker_config load_config(const harness_options& options) {
  // broker.id as if set in server.properties, so DescribeConfigs reports it as STATIC_BROKER_CONFIG.
  std::vector<std::string> overrides{"broker.id=" + std::to_string(test_node_id)};
  for (const auto& [k, v] : options.broker_overrides) overrides.push_back(k + "=" + v);
  auto loaded = config::load_broker_config(config::properties{}, overrides);
  if (!loaded.ok()) throw std::runtime_error("test broker config: " + loaded.err().message);
  return std::move(loaded->config);
}

}  // namespace

broker_harness::broker_harness(harness_options options)
    : options_(std::move(options)), dir_(make_temp_dir()), config_(load_config(options_)) {
  spdlog::set_level(spdlog::level::warn);
  start();
}

broker_harness::~broker_harness() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void broker_harness::start() {
  broker_settings st;
  st.node_id = test_node_id;
  st.listen_host = "127.0.0.1";
  st.listen_port = 0;
  st.advertised_host = test_host;
  st.advertised_port = test_advertised_port;
  st.data_dir = log_dir();
  st.shards = options_.shards;
  st.file_system = options_.file_system;
  st.topics.num_partitions = 1;
  st.topics.default_replication_factor = 1;
  st.topics.auto_create = options_.auto_create;
  st.topics.delete_enabled = options_.delete_enabled;
  // The broker's real resolver: topic overrides over the broker config's defaults.
  st.resolve_log_config = settings_from_config(config_)->resolve_log_config;
  // The broker's real validator: topic keys known to the config table, with valid values.
  st.validate_topic_config =
      [cfg = &config_](const std::map<std::string, std::string>& configs) -> std::string {
    auto r = config::topic_config::resolve(*cfg, configs);
    return r.ok() ? std::string() : r.err().message;
  };
  io_ = std::make_unique<asio::io_context>();
  broker_ = std::make_unique<broker>(*io_, config_, std::move(st));
  if (auto r = broker_->start(); !r.ok()) throw std::runtime_error("broker start: " + r.err().message);
  port_ = broker_->port();
  thread_ = std::thread([io = io_.get()] {
    auto guard = asio::make_work_guard(*io);
    io->run();
  });
}

void broker_harness::stop() {
  if (!broker_) return;
  auto done = asio::co_spawn(*io_, broker_->shutdown(), asio::use_future);
  EXPECT_TRUE(done.get()) << "broker did not shut down cleanly";
  io_->stop();
  thread_.join();
  broker_.reset();
  io_.reset();
}

void broker_harness::restart(std::optional<size_t> shards) {
  stop();
  if (shards) options_.shards = *shards;
  start();
}

kafka_client::kafka_client(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error(std::string("connect: ") + std::strerror(errno));
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

kafka_client::~kafka_client() {
  if (fd_ >= 0) ::close(fd_);
}

std::string kafka_client::to_string(const outbuf& buf) {
  std::string out;
  for (const auto& c : buf.chunks()) {
    if (const auto* s = std::get_if<std::string>(&c)) out += *s;
  }
  return out;
}

void kafka_client::send_bytes(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ADD_FAILURE() << "send failed: " << std::strerror(errno);
      return;
    }
    sent += static_cast<size_t>(n);
  }
}

int32_t kafka_client::send_raw(int16_t api_key, int16_t version, const std::string& body) {
  const int32_t correlation = next_correlation_++;
  protocol::writer w;
  protocol::write_request_header(w, api_key, version, correlation, client_id_);
  w.write_raw(body);
  send_bytes(to_string(protocol::frame(std::move(w).finish())));
  return correlation;
}

namespace {

// Reads exactly `n` bytes; false on EOF, error or timeout.
bool read_exact(int fd, uint8_t* out, size_t n, std::chrono::steady_clock::time_point deadline) {
  size_t got = 0;
  while (got < n) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    const ssize_t r = ::recv(fd, out + got, n - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    got += static_cast<size_t>(r);
  }
  return true;
}

}  // namespace

std::optional<std::vector<uint8_t>> kafka_client::read_frame(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  uint8_t size_bytes[4];
  if (!read_exact(fd_, size_bytes, 4, deadline)) return std::nullopt;
  const uint32_t size = (uint32_t{size_bytes[0]} << 24) | (uint32_t{size_bytes[1]} << 16) |
                        (uint32_t{size_bytes[2]} << 8) | uint32_t{size_bytes[3]};
  std::vector<uint8_t> frame(size);
  if (size > 0 && !read_exact(fd_, frame.data(), size, deadline)) return std::nullopt;
  return frame;
}

bool kafka_client::closed_by_peer(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  uint8_t byte;
  return ::recv(fd_, &byte, 1, 0) == 0;
}

std::string make_batch(const std::vector<std::string>& values, int64_t producer_id, int16_t producer_epoch,
                       int32_t base_sequence) {
  records::batch_builder_options o;
  o.producer_id = producer_id;
  o.producer_epoch = producer_epoch;
  o.base_sequence = base_sequence;
  records::batch_builder b(o);
  int64_t ts = 1700000000000;
  for (const auto& v : values) b.append(ts++, std::nullopt, records::as_bytes(v));
  auto built = b.build();
  EXPECT_TRUE(built.ok());
  return built.ok() ? *built : std::string();
}

int16_t BrokerTest::create_topic(const std::string& name, int32_t partitions,
                                 std::vector<std::pair<std::string, std::string>> configs) {
  protocol::create_topics_request req;
  protocol::create_topics_request::topic t;
  t.name = name;
  t.num_partitions = partitions;
  t.replication_factor = -1;
  for (auto& [k, v] : configs) t.configs.push_back({k, v});
  req.topics.push_back(t);
  auto resp = client().call<protocol::create_topics_response>(req, 7);
  if (resp.topics.size() != 1) {
    ADD_FAILURE() << "CreateTopics answered " << resp.topics.size() << " topics";
    return -1;
  }
  EXPECT_EQ(resp.topics[0].error_code, 0) << resp.topics[0].error_message.value_or("");
  return resp.topics[0].error_code;
}

std::pair<int16_t, int64_t> BrokerTest::produce(const std::string& topic, int32_t partition,
                                                const std::vector<std::string>& values, int64_t producer_id,
                                                int16_t producer_epoch, int32_t base_sequence) {
  protocol::produce_request req;
  req.acks = -1;
  req.timeout_ms = 10000;
  protocol::produce_request::topic t;
  t.name = topic;
  protocol::produce_request::topic::partition p;
  p.index = partition;
  p.records = protocol::records::make_owned(make_batch(values, producer_id, producer_epoch, base_sequence));
  t.partition_data.push_back(std::move(p));
  req.topic_data.push_back(std::move(t));
  auto resp = client().call<protocol::produce_response>(req, 7);
  if (resp.responses.size() != 1 || resp.responses[0].partition_responses.size() != 1) {
    ADD_FAILURE() << "unexpected Produce response shape";
    return {-1, -1};
  }
  const auto& pr = resp.responses[0].partition_responses[0];
  return {pr.error_code, pr.base_offset};
}

}  // namespace sluice::broker::test
