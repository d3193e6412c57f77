// `sluice cluster`: argument parsing, and the partition health rules shared with `topic describe`.
#include "cli/cluster_cmd.h"

#include <gtest/gtest.h>
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "cli/topic_cmd.h"

namespace sluice::cli {
namespace {

result<void> cluster(cluster_options& o, std::vector<std::string> args) {
  CLI::App app;
  configure_cluster_app(app, o);
  std::vector<const char*> argv{"cluster"};
  for (const auto& a : args) argv.push_back(a.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
  return finalize_cluster_options(o);
}

bool usage_error_of(std::vector<std::string> args) {
  cluster_options o;
  auto r = cluster(o, std::move(args));
  return !r && r.err().code == errc::invalid_argument;
}

TEST(ClusterArgs, ActionsAndOutput) {
  cluster_options b;
  ASSERT_TRUE(cluster(b, {"brokers", "--bootstrap-server", "h:1"}));
  EXPECT_EQ(b.action, cluster_action::brokers);
  EXPECT_EQ(b.common.bootstrap, "h:1");
  cluster_options d;
  ASSERT_TRUE(cluster(d, {"describe", "--output", "json"}));
  EXPECT_EQ(d.action, cluster_action::describe);
  EXPECT_EQ(d.output, "json");
  EXPECT_TRUE(usage_error_of({}));
  EXPECT_TRUE(usage_error_of({"fly"}));
  EXPECT_TRUE(usage_error_of({"brokers", "extra"}));
  EXPECT_TRUE(usage_error_of({"describe", "--output", "yaml"}));
  EXPECT_TRUE(usage_error_of({"brokers", "--topic", "t"}));
}

TEST(ClusterArgs, ElectLeadersTakesTopicPartitionAndType) {
  cluster_options o;
  ASSERT_TRUE(
      cluster(o, {"elect-leaders", "--topic", "t", "--partition", "2", "--election-type", "unclean"}));
  EXPECT_EQ(o.action, cluster_action::elect_leaders);
  EXPECT_EQ(o.topic, "t");
  EXPECT_EQ(o.partition, 2);
  EXPECT_EQ(o.election_type, "unclean");
  cluster_options all;
  ASSERT_TRUE(cluster(all, {"elect-leaders"}));
  EXPECT_TRUE(usage_error_of({"elect-leaders", "--election-type", "random"}));
  EXPECT_TRUE(usage_error_of({"elect-leaders", "--partition", "1"}));
  EXPECT_TRUE(usage_error_of({"elect-leaders", "--all-topic-partitions", "--topic", "t"}));
  EXPECT_TRUE(usage_error_of({"elect-leaders", "--replicas", "1"}));
}

TEST(ClusterArgs, ReassignNeedsExactlyOneMode) {
  cluster_options o;
  ASSERT_TRUE(cluster(o, {"reassign", "--topic", "t", "--partition", "0", "--replicas", "3,1,2"}));
  EXPECT_EQ(o.mode, reassign_mode::execute);
  EXPECT_EQ(o.replica_ids, (std::vector<int>{3, 1, 2}));
  cluster_options l;
  ASSERT_TRUE(cluster(l, {"reassign", "--list"}));
  EXPECT_EQ(l.mode, reassign_mode::list);
  cluster_options c;
  ASSERT_TRUE(cluster(c, {"reassign", "--cancel", "--topic", "t", "--partition", "1"}));
  EXPECT_EQ(c.mode, reassign_mode::cancel);
  EXPECT_TRUE(usage_error_of({"reassign"}));
  EXPECT_TRUE(usage_error_of({"reassign", "--list", "--cancel", "--topic", "t", "--partition", "1"}));
  EXPECT_TRUE(usage_error_of({"reassign", "--topic", "t", "--replicas", "1,2"}));  // no --partition
  EXPECT_TRUE(usage_error_of({"reassign", "--topic", "t", "--partition", "0", "--replicas", "1,1"}));
  EXPECT_TRUE(usage_error_of({"reassign", "--topic", "t", "--partition", "0", "--replicas", "1,x"}));
  EXPECT_TRUE(usage_error_of({"reassign", "--topic", "t", "--partition", "0", "--replicas", ""}));
}

TEST(TopicArgs, PartitionFiltersOnlyApplyToDescribe) {
  topic_options o;
  CLI::App app;
  configure_topic_app(app, o);
  std::vector<const char*> argv{"topic", "describe", "--under-replicated-partitions",
                                "--unavailable-partitions"};
  app.parse(static_cast<int>(argv.size()), argv.data());
  ASSERT_TRUE(finalize_topic_options(o));
  EXPECT_TRUE(o.under_replicated_only);
  EXPECT_TRUE(o.unavailable_only);
  topic_options l;
  CLI::App app2;
  configure_topic_app(app2, l);
  std::vector<const char*> argv2{"topic", "list", "--unavailable-partitions"};
  app2.parse(static_cast<int>(argv2.size()), argv2.data());
  EXPECT_FALSE(finalize_topic_options(l));
}

// Metadata for brokers {1, 2} and one topic with the given partitions.
struct fake_metadata {
  std::vector<rd_kafka_metadata_broker_t> brokers{{1, const_cast<char*>("h"), 1},
                                                  {2, const_cast<char*>("h"), 2}};
  std::vector<rd_kafka_metadata_partition_t> partitions;
  rd_kafka_metadata_topic_t topic{};
  rd_kafka_metadata_t md{};

  void add(int32_t id, int32_t leader, std::vector<int32_t>* replicas, std::vector<int32_t>* isr) {
    rd_kafka_metadata_partition_t p{};
    p.id = id;
    p.leader = leader;
    p.replica_cnt = static_cast<int>(replicas->size());
    p.replicas = replicas->data();
    p.isr_cnt = static_cast<int>(isr->size());
    p.isrs = isr->data();
    partitions.push_back(p);
  }
  const rd_kafka_metadata_t& build(const char* name) {
    topic.topic = const_cast<char*>(name);
    topic.partition_cnt = static_cast<int>(partitions.size());
    topic.partitions = partitions.data();
    md.broker_cnt = static_cast<int>(brokers.size());
    md.brokers = brokers.data();
    md.topic_cnt = 1;
    md.topics = &topic;
    return md;
  }
};

TEST(PartitionHealth, LeaderlessOrDeadLeaderIsOfflineShortIsrIsUnderReplicated) {
  std::vector<int32_t> r12{1, 2}, r3{3}, isr1{1}, isr3{3};
  fake_metadata f;
  f.add(0, 1, &r12, &r12);    // healthy
  f.add(1, 1, &r12, &isr1);   // under-replicated
  f.add(2, -1, &r12, &isr1);  // no leader
  f.add(3, 3, &r3, &isr3);    // leader 3 is not a live broker
  const auto& md = f.build("__consumer_offsets");
  auto h0 = partition_health_of(md, md.topics[0].partitions[0]);
  EXPECT_FALSE(h0.unavailable);
  EXPECT_FALSE(h0.under_replicated);
  auto h1 = partition_health_of(md, md.topics[0].partitions[1]);
  EXPECT_FALSE(h1.unavailable);
  EXPECT_TRUE(h1.under_replicated);
  auto h2 = partition_health_of(md, md.topics[0].partitions[2]);
  EXPECT_TRUE(h2.unavailable);
  EXPECT_TRUE(h2.under_replicated);
  auto h3 = partition_health_of(md, md.topics[0].partitions[3]);
  EXPECT_TRUE(h3.unavailable);
  EXPECT_FALSE(h3.under_replicated);

  auto s = summarize(md);
  EXPECT_EQ(s.brokers, 2);
  EXPECT_EQ(s.topics, 1);
  EXPECT_EQ(s.internal_topics, 1);
  EXPECT_EQ(s.partitions, 4);
  EXPECT_EQ(s.under_replicated, 2);
  EXPECT_EQ(s.offline, 2);
}

}  // namespace
}  // namespace sluice::cli
