// http_endpoints_test: a real broker with its HTTP port on loopback sockets: produce and commit
// over the Kafka API, then check /metrics, /v1/status, /v1/topics[/x], /v1/groups[/g] and / .
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>
#include <memory>
#include <thread>

#include "broker/broker.h"
#include "broker/broker_settings.h"
#include "broker_harness.h"
#include "cluster/topic_table.h"
#include "config/broker_config.h"
#include "config/topic_config.h"
#include "http/http_service.h"
#include "http_client.h"
#include "protocol/generated/create_topics.h"
#include "protocol/generated/offset_commit.h"
#include "protocol/generated/produce.h"
#include "storage/log_config.h"

namespace sluice::http::test {
namespace {
namespace asio = boost::asio;
using json = nlohmann::json;
using broker::test::kafka_client;

// The broker (Kafka on an ephemeral port) plus the HTTP port from sluice.http.listener=…:0, on one
// io thread, as `sluice broker` runs them.
class HttpEndpointsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);
    dir_ = std::filesystem::temp_directory_path() /
           ("sluice-http-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto loaded =
        config::load_broker_config(config::properties{}, {"broker.id=7", "sluice.http.listener=127.0.0.1:0"});
    ASSERT_TRUE(loaded.ok());
    config_ = std::move(loaded->config);
    broker::broker_settings st;
    st.node_id = 7;
    st.listen_port = 0;
    st.advertised_port = 19092;
    st.data_dir = (dir_ / "data").string();
    st.topics.num_partitions = 1;
    st.topics.default_replication_factor = 1;
    st.resolve_log_config = [](const cluster::topic_info&) { return storage::log_config{}; };
    st.validate_topic_config = [cfg = &config_](const std::map<std::string, std::string>& c) -> std::string {
      auto r = config::topic_config::resolve(*cfg, c);
      return r.ok() ? std::string() : r.err().message;
    };
    broker_ = std::make_unique<broker::broker>(io_, config_, std::move(st));
    ASSERT_TRUE(broker_->start().ok());
    http_port_ = attach_http_port(io_, *broker_, config_);
    ASSERT_NE(http_port_, 0);
    thread_ = std::thread([this] {
      auto guard = asio::make_work_guard(io_);
      io_.run();
    });
    kafka_ = std::make_unique<kafka_client>(broker_->port());
  }

  void TearDown() override {
    kafka_.reset();
    if (thread_.joinable()) {
      auto done = asio::co_spawn(io_, broker_->shutdown(), asio::use_future);
      EXPECT_TRUE(done.get());
      io_.stop();
      thread_.join();
    }
    broker_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void create_topic(const std::string& name, int32_t partitions,
                    std::vector<std::pair<std::string, std::string>> configs = {}) {
    protocol::create_topics_request req;
    protocol::create_topics_request::topic t;
    t.name = name;
    t.num_partitions = partitions;
    t.replication_factor = -1;
    for (auto& [k, v] : configs) t.configs.push_back({k, v});
    req.topics.push_back(t);
    auto resp = kafka_->call<protocol::create_topics_response>(req, 7);
    ASSERT_EQ(resp.topics.size(), 1u);
    ASSERT_EQ(resp.topics[0].error_code, 0);
  }

  void produce(const std::string& topic, int32_t partition, const std::vector<std::string>& values) {
    protocol::produce_request req;
    req.acks = -1;
    req.timeout_ms = 10000;
    protocol::produce_request::topic t;
    t.name = topic;
    protocol::produce_request::topic::partition p;
    p.index = partition;
    p.records = protocol::records::make_owned(broker::test::make_batch(values));
    t.partition_data.push_back(std::move(p));
    req.topic_data.push_back(std::move(t));
    auto resp = kafka_->call<protocol::produce_response>(req, 7);
    ASSERT_EQ(resp.responses.size(), 1u);
    ASSERT_EQ(resp.responses[0].partition_responses.at(0).error_code, 0);
  }

  // A simple (generation -1) commit, as kafka-consumer-groups.sh --reset-offsets does.
  void commit(const std::string& group, const std::string& topic, int32_t partition, int64_t offset) {
    protocol::offset_commit_request req;
    req.group_id = group;
    protocol::offset_commit_request::topic t;
    t.name = topic;
    protocol::offset_commit_request::topic::partition p;
    p.partition_index = partition;
    p.committed_offset = offset;
    p.committed_metadata = "m";
    t.partitions.push_back(p);
    req.topics.push_back(t);
    auto resp = kafka_->call<protocol::offset_commit_response>(req, 2);
    ASSERT_EQ(resp.topics.at(0).partitions.at(0).error_code, 0);
  }

  json get_json(const std::string& path, int expect_status = 200) {
    auto r = get(http_port_, path);
    EXPECT_EQ(r.status, expect_status) << path << ": " << r.body;
    EXPECT_EQ(r.headers["content-type"], "application/json") << path;
    return json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  }

  std::filesystem::path dir_;
  config::broker_config config_;
  asio::io_context io_;
  std::unique_ptr<broker::broker> broker_;
  std::thread thread_;
  uint16_t http_port_ = 0;
  std::unique_ptr<kafka_client> kafka_;
};

TEST_F(HttpEndpointsTest, MetricsShowOffsetsSizesGroupsLagAndRequests) {
  create_topic("orders", 2);
  produce("orders", 0, {"a", "b", "c"});
  produce("orders", 1, {"d"});
  commit("billing", "orders", 0, 1);

  auto r = get(http_port_, "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(check_prometheus_syntax(r.body), "");
  const auto& m = r.body;
  EXPECT_EQ(sample_value(m, "sluice_partition_log_end_offset{topic=\"orders\",partition=\"0\"}"), 3);
  EXPECT_EQ(sample_value(m, "sluice_partition_log_end_offset{topic=\"orders\",partition=\"1\"}"), 1);
  EXPECT_EQ(sample_value(m, "sluice_partition_log_start_offset{topic=\"orders\",partition=\"0\"}"), 0);
  EXPECT_GT(sample_value(m, "sluice_partition_size_bytes{topic=\"orders\",partition=\"0\"}").value_or(0), 0);
  // The commit went to __consumer_offsets, which is listed like any topic.
  EXPECT_NE(m.find("sluice_partition_log_end_offset{topic=\"__consumer_offsets\",partition=\"0\"}"),
            std::string::npos);
  EXPECT_EQ(
      sample_value(
          m, "sluice_consumer_group_committed_offset{group=\"billing\",topic=\"orders\",partition=\"0\"}"),
      1);
  EXPECT_EQ(sample_value(m, "sluice_consumer_group_lag{group=\"billing\",topic=\"orders\",partition=\"0\"}"),
            2);
  EXPECT_EQ(sample_value(m, "sluice_consumer_groups{state=\"Empty\"}"), 1);
  EXPECT_EQ(sample_value(m, "sluice_consumer_groups{state=\"Stable\"}"), 0);
  EXPECT_EQ(sample_value(m, "sluice_requests_total{api=\"produce\",api_key=\"0\"}"), 2);
  EXPECT_EQ(sample_value(m, "sluice_requests_total{api=\"offset_commit\",api_key=\"8\"}"), 1);
  EXPECT_EQ(sample_value(m, "sluice_connections_open"), 1);
  EXPECT_EQ(sample_value(m, "sluice_partitions"), 2 + config_.offsets_topic_num_partitions);
  // acks=all produce and the commit were fsynced.
  EXPECT_GE(sample_value(m, "sluice_group_commit_fsyncs_total").value_or(0), 1);
  EXPECT_NE(m.find("sluice_broker_info{node_id=\"7\",cluster_id=\""), std::string::npos);
  EXPECT_GE(sample_value(m, "sluice_uptime_seconds").value_or(-1), 0);
  EXPECT_NE(m.find("# TYPE sluice_requests_total counter"), std::string::npos);
}

TEST_F(HttpEndpointsTest, StatusReportsIdentityListenersAndCounts) {
  create_topic("t", 3);
  auto s = get_json("/v1/status");
  EXPECT_EQ(s["node_id"], 7);
  EXPECT_EQ(s["cluster_id"].get<std::string>().size(), 22u);
  EXPECT_EQ(s["partitions"], 3 + config_.offsets_topic_num_partitions);
  EXPECT_EQ(s["topics"], 2);
  EXPECT_EQ(s["data_dir"], (dir_ / "data").string());
  ASSERT_EQ(s["listeners"].size(), 2u);
  EXPECT_EQ(s["listeners"][0]["port"], broker_->port());
  EXPECT_EQ(s["listeners"][1]["port"], http_port_);
}

TEST_F(HttpEndpointsTest, TopicsListAndOneTopicWithPartitionsAndOverrides) {
  create_topic("events", 2, {{"retention.ms", "1234"}});
  produce("events", 1, {"x", "y"});
  auto list = get_json("/v1/topics");
  ASSERT_TRUE(list["topics"].is_array());
  std::vector<std::string> names;
  for (const auto& t : list["topics"]) names.push_back(t["name"].get<std::string>());
  EXPECT_EQ(names, (std::vector<std::string>{"__consumer_offsets", "events"}));

  auto t = get_json("/v1/topics/events");
  EXPECT_EQ(t["name"], "events");
  EXPECT_EQ(t["partitions"], 2);
  EXPECT_EQ(t["internal"], false);
  EXPECT_EQ(t["config_overrides"]["retention.ms"], "1234");
  ASSERT_EQ(t["partition_details"].size(), 2u);
  EXPECT_EQ(t["partition_details"][1]["log_end_offset"], 2);
  EXPECT_EQ(t["partition_details"][0]["log_end_offset"], 0);
  EXPECT_GT(t["partition_details"][1]["size_bytes"].get<int64_t>(), 0);

  EXPECT_EQ(get_json("/v1/topics/nope", 404)["error"], "unknown topic");
  EXPECT_EQ(get(http_port_, "/v1/topics/%zz").status, 400);
}

TEST_F(HttpEndpointsTest, GroupsListAndOneGroupWithOffsetsAndLag) {
  create_topic("pay", 1);
  produce("pay", 0, {"1", "2", "3", "4", "5"});
  commit("group/with space", "pay", 0, 3);
  auto list = get_json("/v1/groups");
  ASSERT_EQ(list["groups"].size(), 1u);
  EXPECT_EQ(list["groups"][0]["group_id"], "group/with space");
  EXPECT_EQ(list["groups"][0]["state"], "Empty");

  auto g = get_json("/v1/groups/group%2Fwith%20space");
  EXPECT_EQ(g["state"], "Empty");
  EXPECT_TRUE(g["members"].empty());
  ASSERT_EQ(g["offsets"].size(), 1u);
  EXPECT_EQ(g["offsets"][0]["topic"], "pay");
  EXPECT_EQ(g["offsets"][0]["committed_offset"], 3);
  EXPECT_EQ(g["offsets"][0]["log_end_offset"], 5);
  EXPECT_EQ(g["offsets"][0]["lag"], 2);
  EXPECT_EQ(g["offsets"][0]["metadata"], "m");

  EXPECT_EQ(get_json("/v1/groups/unknown", 404)["error"], "unknown group");
}

TEST_F(HttpEndpointsTest, ConsolePageShowsTablesAndEscapesNames) {
  create_topic("shop", 1);
  commit("<script>alert(1)</script>", "shop", 0, 0);
  auto r = get(http_port_, "/");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_NE(r.body.find("<a href=\"/metrics\">"), std::string::npos);
  EXPECT_NE(r.body.find("<a href=\"/v1/topics/shop\">shop</a>"), std::string::npos);
  EXPECT_NE(r.body.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(r.body.find("<script>"), std::string::npos);
}

TEST_F(HttpEndpointsTest, UnknownPathsAre404AndOtherMethods405) {
  EXPECT_EQ(get(http_port_, "/nope").status, 404);
  EXPECT_EQ(get(http_port_, "/v1/topics/").status, 400);
  EXPECT_EQ(get(http_port_, "/v1").status, 404);
  EXPECT_EQ(get(http_port_, "/metrics?name=x").status, 200);
  raw_connection c(http_port_);
  ASSERT_TRUE(c.send("DELETE /v1/topics/x HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
}

TEST_F(HttpEndpointsTest, ShutdownStopsTheHttpPortFirst) {
  raw_connection c(http_port_);
  ASSERT_TRUE(c.send("GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.read_reply());
  auto done = asio::co_spawn(io_, broker_->shutdown(), asio::use_future);
  EXPECT_TRUE(done.get());
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_THROW(raw_connection again(http_port_), std::runtime_error);
}

}  // namespace
}  // namespace sluice::http::test
