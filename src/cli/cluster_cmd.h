// `sluice cluster brokers|describe|elect-leaders|reassign`: the cluster as Metadata shows it
// (brokers, controller, partition health), and the leadership/reassignment admin calls.
#pragma once

#include <librdkafka/rdkafka.h>

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "cli/common.h"

namespace CLI {
class App;
}

namespace sluice::cli {

// Health of one partition as Metadata reports it (kafka-topics.sh's definitions):
// unavailable = no leader, or a leader that is not among the live brokers;
// under-replicated = fewer in-sync replicas than replicas.
struct partition_health {
  bool unavailable = false;
  bool under_replicated = false;
};
partition_health partition_health_of(const rd_kafka_metadata_t& md, const rd_kafka_metadata_partition_t& p);

// Counts over every topic in `md` (internal topics included, as Kafka's broker metrics do).
struct cluster_summary {
  int brokers = 0;
  int topics = 0;
  int internal_topics = 0;
  int partitions = 0;
  int under_replicated = 0;
  int offline = 0;
};
cluster_summary summarize(const rd_kafka_metadata_t& md);

enum class cluster_action { none, brokers, describe, elect_leaders, reassign };
enum class reassign_mode { none, execute, list, cancel };

struct cluster_options {
  common_options common;
  cluster_action action = cluster_action::none;
  std::string output = "table";  // table | json (brokers, describe)
  int timeout_ms = 30'000;
  // elect-leaders and reassign
  std::string topic;
  std::optional<int> partition;
  std::string election_type = "preferred";  // preferred | unclean
  bool all_topic_partitions = false;
  std::string replicas;  // reassign: "1,2,3"
  std::vector<int> replica_ids;
  bool list = false;
  bool cancel = false;
  reassign_mode mode = reassign_mode::none;

  std::vector<std::string> positionals;  // raw parse state: the action word
};

void configure_cluster_app(CLI::App& app, cluster_options& o);
// Resolves the action word and checks that the flags fit it; usage errors are
// errc::invalid_argument.
result<void> finalize_cluster_options(cluster_options& o);
int run_cluster(const cluster_options& o);

}  // namespace sluice::cli
