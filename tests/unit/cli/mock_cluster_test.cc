// End-to-end runs of `sluice produce|consume|bench|topic` through cli_main against librdkafka's
// in-process mock cluster. The mock has no admin APIs, so topics are made with its own API.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_main.h"

namespace sluice::cli {
namespace {

struct cli_run {
  int rc = -1;
  std::string out;
  std::string err;
};

std::string slurp_fd(int fd) {
  std::string s;
  lseek(fd, 0, SEEK_SET);
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) s.append(buf, static_cast<size_t>(n));
  return s;
}

int temp_fd() {
  char path[] = "/tmp/sluice_cli_test_XXXXXX";
  int fd = mkstemp(path);
  unlink(path);
  return fd;
}

// Runs cli_main with stdin fed from `input` and stdout/stderr captured.
cli_run run_cli(const std::vector<std::string>& args, const std::string& input = "") {
  int in = temp_fd(), out = temp_fd(), err = temp_fd();
  EXPECT_EQ(write(in, input.data(), input.size()), static_cast<ssize_t>(input.size()));
  lseek(in, 0, SEEK_SET);
  std::fflush(stdout);
  std::fflush(stderr);
  int saved[3] = {dup(0), dup(1), dup(2)};
  dup2(in, 0);
  dup2(out, 1);
  dup2(err, 2);
  clearerr(stdin);
  std::vector<std::string> storage{"sluice"};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  cli_run r;
  r.rc = cli_main(static_cast<int>(argv.size()), argv.data());
  std::fflush(stdout);
  std::fflush(stderr);
  for (int i = 0; i < 3; ++i) {
    dup2(saved[i], i);
    close(saved[i]);
  }
  clearerr(stdin);
  r.out = slurp_fd(out);
  r.err = slurp_fd(err);
  close(in);
  close(out);
  close(err);
  return r;
}

std::vector<std::string> sorted_lines(const std::string& s) {
  std::vector<std::string> lines;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::sort(lines.begin(), lines.end());
  return lines;
}

class MockCluster : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char errstr[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof errstr);
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    ASSERT_NE(rk_, nullptr) << errstr;
    mock_ = rd_kafka_mock_cluster_new(rk_, 1);
    ASSERT_NE(mock_, nullptr);
    bootstrap_ = rd_kafka_mock_cluster_bootstraps(mock_);
    for (const char* t : {"rt", "idle", "bp", "e2e", "grp"}) {
      rd_kafka_mock_topic_create(mock_, t, 3, 1);
    }
  }
  static void TearDownTestSuite() {
    if (mock_ != nullptr) rd_kafka_mock_cluster_destroy(mock_);
    if (rk_ != nullptr) rd_kafka_destroy(rk_);
  }

  static std::vector<std::string> with_bootstrap(std::vector<std::string> args) {
    args.push_back("--bootstrap-server");
    args.push_back(bootstrap_);
    return args;
  }

  static inline rd_kafka_t* rk_ = nullptr;
  static inline rd_kafka_mock_cluster_t* mock_ = nullptr;
  static inline std::string bootstrap_;
};

TEST_F(MockCluster, ProducedKeysValuesAndHeadersComeBackFromConsume) {
  auto p =
      run_cli(with_bootstrap({"produce", "--topic", "rt", "--key-separator", ":", "--header", "app=cli"}),
              "k1:one\nk2:two\nk3:three\n");
  ASSERT_EQ(p.rc, 0) << p.err;
  EXPECT_NE(p.err.find("3 records delivered"), std::string::npos) << p.err;
  EXPECT_NE(p.err.find("0 failed"), std::string::npos) << p.err;

  auto c =
      run_cli(with_bootstrap({"consume", "--topic", "rt", "--from-beginning", "--max-messages", "3",
                              "--timeout-ms", "10000", "--property", "print.key=true,print.headers=true"}));
  ASSERT_EQ(c.rc, 0) << c.err;
  EXPECT_EQ(sorted_lines(c.out),
            (std::vector<std::string>{"app:cli\tk1\tone", "app:cli\tk2\ttwo", "app:cli\tk3\tthree"}));
}

TEST_F(MockCluster, OnePartitionFromAnOffsetWithATemplate) {
  auto p = run_cli(with_bootstrap({"produce", "--topic", "rt", "--partition", "1", "-q"}), "a\nb\nc\nd\n");
  ASSERT_EQ(p.rc, 0) << p.err;
  auto c = run_cli(with_bootstrap({"consume", "--topic", "rt", "--partition", "1", "--offset", "-2",
                                   "--max-messages", "2", "--timeout-ms", "10000", "--format", "%p:%s\\n"}));
  ASSERT_EQ(c.rc, 0) << c.err;
  EXPECT_EQ(c.out, "1:c\n1:d\n");
}

TEST_F(MockCluster, ConsumeThatRunsShortOfMaxMessagesFailsAfterIdleTimeout) {
  auto c = run_cli(with_bootstrap(
      {"consume", "--topic", "idle", "--from-beginning", "--max-messages", "5", "--timeout-ms", "700"}));
  EXPECT_EQ(c.rc, 1);
  EXPECT_NE(c.err.find("got 0 of 5 records"), std::string::npos) << c.err;
  auto ok =
      run_cli(with_bootstrap({"consume", "--topic", "idle", "--from-beginning", "--timeout-ms", "700"}));
  EXPECT_EQ(ok.rc, 0) << ok.err;
}

TEST_F(MockCluster, MissingPartitionIsARuntimeError) {
  auto c = run_cli(with_bootstrap({"consume", "--topic", "rt", "--partition", "9"}));
  EXPECT_EQ(c.rc, 1);
  EXPECT_NE(c.err.find("topic 'rt' has no partition 9 (it has 3)"), std::string::npos) << c.err;
}

TEST_F(MockCluster, TopicListAndDescribeUseMetadata) {
  auto l = run_cli(with_bootstrap({"topic", "list"}));
  ASSERT_EQ(l.rc, 0) << l.err;
  EXPECT_NE(l.out.find("rt\n"), std::string::npos);
  // The mock has no DescribeConfigs: describe still prints partitions, with a warning.
  auto d = run_cli(with_bootstrap({"topic", "--describe", "--topic", "rt", "--timeout-ms", "1000"}));
  ASSERT_EQ(d.rc, 0) << d.err;
  EXPECT_NE(d.out.find("Topic: rt\tPartitionCount: 3\tReplicationFactor: 1"), std::string::npos) << d.out;
  EXPECT_NE(d.out.find("\tTopic: rt\tPartition: 2\tLeader: 1\tReplicas: 1\tIsr: 1\n"), std::string::npos)
      << d.out;
  auto missing = run_cli(with_bootstrap({"topic", "describe", "nope", "--timeout-ms", "1000"}));
  EXPECT_EQ(missing.rc, 1);
  EXPECT_NE(missing.err.find("topic 'nope' does not exist"), std::string::npos) << missing.err;
}

TEST_F(MockCluster, BenchProduceConsumeAndE2eWriteJson) {
  std::string json = "/tmp/sluice_cli_test_bench_" + std::to_string(getpid()) + ".json";
  auto p = run_cli(with_bootstrap({"bench", "produce", "--topic", "bp", "--num-records", "3000",
                                   "--record-size", "64", "--producers", "2", "--json", json}));
  ASSERT_EQ(p.rc, 0) << p.err;
  auto pj = nlohmann::json::parse(std::ifstream(json));
  EXPECT_EQ(pj["produced"], 3000);
  EXPECT_EQ(pj["delivery_latency_ms"]["count"], 3000);

  auto c = run_cli(with_bootstrap(
      {"bench", "consume", "--topic", "bp", "--num-records", "3000", "--consumers", "2", "--json", json}));
  ASSERT_EQ(c.rc, 0) << c.err;
  auto cj = nlohmann::json::parse(std::ifstream(json));
  EXPECT_GE(cj["consumed"].get<int>(), 3000);
  // Whole-run rates stay under their names; the first record's time is always there, the fetch
  // rate (first record to last) whenever the records came in more than one batch.
  EXPECT_GT(cj["consume_msgs_per_s"].get<double>(), 0.0);
  ASSERT_TRUE(cj.contains("first_record_ms")) << cj.dump();
  EXPECT_LE(cj["first_record_ms"].get<double>(), cj["elapsed_s"].get<double>() * 1000.0);
  if (cj.contains("fetch_time_ms")) {
    EXPECT_GE(cj["fetch_msgs_per_s"].get<double>(), cj["consume_msgs_per_s"].get<double>());
    EXPECT_GE(cj["fetch_mb_per_s"].get<double>(), cj["consume_mb_per_s"].get<double>());
    EXPECT_NE(c.out.find("fetch (first record to last"), std::string::npos) << c.out;
  }

  auto e = run_cli(with_bootstrap({"bench", "e2e", "--topic", "e2e", "--num-records", "500", "--throughput",
                                   "1000", "-X", "fetch.wait.max.ms=10", "--json", json}));
  ASSERT_EQ(e.rc, 0) << e.err;
  auto ej = nlohmann::json::parse(std::ifstream(json));
  EXPECT_EQ(ej["consumed"], 500);
  EXPECT_EQ(ej["e2e_latency_ms"]["count"], 500);
  EXPECT_GT(ej["e2e_latency_ms"]["p50"].get<double>(), 0.0);
  EXPECT_EQ(ej["delivery_latency_ms"]["count"], 500);  // paced: reports served while waiting
  std::remove(json.c_str());
}

TEST_F(MockCluster, GroupConsumerSubscribes) {
  auto p = run_cli(with_bootstrap({"produce", "--topic", "grp", "-q"}), "x\ny\n");
  ASSERT_EQ(p.rc, 0) << p.err;
  auto c = run_cli(with_bootstrap({"consume", "--topic", "grp", "--group", "g1", "--from-beginning",
                                   "--max-messages", "2", "--timeout-ms", "20000"}));
  ASSERT_EQ(c.rc, 0) << c.err;
  EXPECT_EQ(sorted_lines(c.out), (std::vector<std::string>{"x", "y"}));
}

TEST_F(MockCluster, ClusterBrokersAndDescribeFromMetadata) {
  // The mock has no DescribeConfigs: racks show as unknown ("?"), with a warning.
  auto b = run_cli(with_bootstrap({"cluster", "brokers", "--timeout-ms", "1000"}));
  ASSERT_EQ(b.rc, 0) << b.err;
  EXPECT_EQ(b.out.substr(0, b.out.find('\n')), "ID  ADDRESS          RACK  CONTROLLER") << b.out;
  EXPECT_NE(b.out.find("\n1   " + bootstrap_ + "  ?"), std::string::npos) << b.out;
  EXPECT_EQ(b.out.back(), '\n');
  // (The mock's Metadata names no live broker as controller; the e2e tests check the marker.)
  auto d = run_cli(with_bootstrap({"cluster", "describe", "--output", "json"}));
  ASSERT_EQ(d.rc, 0) << d.err;
  auto j = nlohmann::json::parse(d.out);
  EXPECT_EQ(j["brokers"], 1);
  EXPECT_GE(j["partitions"].get<int>(), 15);  // 5 topics x 3 partitions
  EXPECT_EQ(j["offline_partitions"], 0);
  EXPECT_EQ(j["under_replicated_partitions"], 0);
}

TEST(CliMain, ElectLeadersAndReassignAreNotSupportedByThisLibrdkafka) {
  auto e = run_cli({"cluster", "elect-leaders", "--topic", "t"});
  EXPECT_EQ(e.rc, 2);
  EXPECT_NE(e.err.find("not supported by this librdkafka"), std::string::npos) << e.err;
  auto r = run_cli({"cluster", "reassign", "--list"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("ListPartitionReassignments"), std::string::npos) << r.err;
}

TEST(CliMain, UnreachableBrokerIsOneActionableLine) {
  auto r = run_cli({"topic", "list", "--bootstrap-server", "127.0.0.1:1", "--timeout-ms", "1500"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err, "sluice: cannot reach 127.0.0.1:1: connection refused after 1.5 s\n");
}

TEST(CliMain, UsageErrorsExitTwo) {
  EXPECT_EQ(run_cli({}).rc, 2);
  EXPECT_EQ(run_cli({"fly"}).rc, 2);
  EXPECT_EQ(run_cli({"produce"}).rc, 2);
  EXPECT_EQ(run_cli({"consume", "--topic", "t", "--offset", "soon"}).rc, 2);
  auto help = run_cli({"topic", "--help"});
  EXPECT_EQ(help.rc, 0);
  EXPECT_NE(help.out.find("--replication-factor"), std::string::npos);
}

}  // namespace
}  // namespace sluice::cli
