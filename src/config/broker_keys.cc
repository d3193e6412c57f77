// broker_keys: the server.properties rows of the config table (Kafka names and defaults, plus the
// few sluice.* extensions). Sorted by config_table(); grouped here by subject for reading.
#include "config/config_keys.h"

namespace sluice::config {
namespace {

constexpr std::string_view long_max = "9223372036854775807";
constexpr std::string_view int_max = "2147483647";

using enum config_type;
using enum importance;
using enum config_scope;
using enum key_support;

}  // namespace

std::vector<config_key> broker_config_keys() {
  return {
      // ---- identity and network ----
      {.name = "broker.id", .type = int32, .default_value = "0", .level = high,
       .doc = "The id of this broker, reported to clients in Metadata and FindCoordinator.",
       .kafka_default = "-1",
       .note = "Kafka's -1 means \"generate an id through ZooKeeper\". A single-node Sluice has nothing to "
               "coordinate with, so an unset or -1 broker.id becomes node.id if that is set, else 0."},
      {.name = "node.id", .type = int32, .default_value = "-1", .level = high,
       .doc = "KRaft's name for the broker id; used as broker.id when broker.id is unset or -1."},
      {.name = "listeners", .type = string, .default_value = "PLAINTEXT://127.0.0.1:9092", .level = high,
       .doc = "Comma-separated NAME://host:port endpoints to listen on. An empty host binds every interface; "
              "port 0 picks a free port. NAME maps to a security protocol through "
              "listener.security.protocol.map.",
       .kafka_default = "null (meaning PLAINTEXT://:9092, every interface)",
       .note = "Loopback by default: a broker with no authentication should not be reachable from the network "
               "until someone decides it should. Set listeners=PLAINTEXT://:9092 for Kafka's behaviour."},
      {.name = "advertised.listeners", .type = string, .level = high,
       .doc = "Endpoints published to clients in Metadata, in the same form as listeners; unset means "
              "listeners. A listener with an empty host is advertised under this machine's host name. "
              "0.0.0.0 may not be advertised."},
      {.name = "listener.security.protocol.map", .type = string,
       .default_value = "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL", .level = low,
       .doc = "Comma-separated LISTENER_NAME:SECURITY_PROTOCOL pairs naming the protocol of each listener."},
      {.name = "socket.request.max.bytes", .type = int32, .default_value = "104857600", .valid = at_least(1),
       .level = high,
       .doc = "Largest request frame accepted; a larger (or negative) size prefix closes the connection before "
              "anything is allocated."},
      {.name = "socket.send.buffer.bytes", .type = int32, .default_value = "102400", .level = high,
       .doc = "SO_SNDBUF of client sockets in Kafka (-1: the OS default).", .support = ignored,
       .note = "Sluice leaves socket buffers to the kernel's autotuning."},
      {.name = "socket.receive.buffer.bytes", .type = int32, .default_value = "102400", .level = high,
       .doc = "SO_RCVBUF of client sockets in Kafka (-1: the OS default).", .support = ignored,
       .note = "Sluice leaves socket buffers to the kernel's autotuning."},
      {.name = "connections.max.idle.ms", .type = int64, .default_value = "600000", .level = medium,
       .doc = "A connection with no request in flight and no traffic for this long is closed."},
      {.name = "max.connections", .type = int32, .default_value = int_max, .valid = at_least(0), .level = medium,
       .doc = "Most client connections open at once; further clients wait in the listen backlog until one "
              "closes."},
      {.name = "num.network.threads", .type = int32, .default_value = "3", .valid = at_least(1), .level = high,
       .doc = "Kafka's count of socket-processing threads.", .support = ignored,
       .note = "Sluice does network and request work on its own shard threads; the key is accepted so that "
               "Kafka's server.properties works unchanged."},
      {.name = "num.io.threads", .type = int32, .default_value = "8", .valid = at_least(1), .level = high,
       .doc = "Kafka's count of request-handler threads.", .support = ignored,
       .note = "Sluice does network and request work on its own shard threads; the key is accepted so that "
               "Kafka's server.properties works unchanged."},
      {.name = "sluice.max.inflight.requests.per.connection", .type = int32, .default_value = "16",
       .valid = at_least(1), .level = medium,
       .doc = "Requests of one connection processed concurrently (responses still leave in request order). "
              "At the limit Sluice stops reading that socket, so TCP pushes back on the client.",
       .support = key_support::sluice,
       .note = "Kafka processes one request per connection at a time; pipelining is a Sluice extension."},
      {.name = "sluice.http.listener", .type = string, .default_value = "127.0.0.1:9644", .level = medium,
       .doc = "host:port of Sluice's HTTP endpoint (health, metrics); empty disables it.", .support = key_support::sluice,
       .note = "Loopback by default, like listeners."},

      // ---- log storage ----
      {.name = "log.dirs", .type = string, .level = high,
       .doc = "Comma-separated directories holding the log; unset means log.dir."},
      {.name = "log.dir", .type = string, .default_value = "./sluice-data", .level = high,
       .doc = "The log directory, used when log.dirs is unset.", .kafka_default = "/tmp/kafka-logs",
       .note = "Kafka's /tmp/kafka-logs is wiped by many systems at reboot, silently losing acknowledged data. "
               "./sluice-data survives reboots and is visibly owned by whoever started the broker."},
      {.name = "num.recovery.threads.per.data.dir", .type = int32, .default_value = "1", .valid = at_least(1),
       .level = high, .doc = "Kafka's threads per log directory for recovery at startup and flushing at shutdown.",
       .support = ignored, .note = "Recovery runs on Sluice's own threads."},
      {.name = "log.segment.bytes", .type = int32, .default_value = "1073741824", .valid = at_least(14), .level = high,
       .doc = "Largest size of one segment file; a segment is rolled before it would exceed this."},
      {.name = "log.roll.hours", .type = int32, .default_value = "168", .valid = at_least(1), .level = high,
       .doc = "Age after which a new segment is rolled even if the active one is not full."},
      {.name = "log.roll.ms", .type = int64, .level = high,
       .doc = "Like log.roll.hours, in milliseconds; wins over log.roll.hours when set.",
       .synonyms = {"log.roll.hours"}},
      {.name = "log.roll.jitter.hours", .type = int32, .default_value = "0", .valid = at_least(0), .level = high,
       .doc = "Largest random amount subtracted from the roll time, so segments do not all roll at once."},
      {.name = "log.roll.jitter.ms", .type = int64, .level = high,
       .doc = "Like log.roll.jitter.hours, in milliseconds; wins over it when set.",
       .synonyms = {"log.roll.jitter.hours"}},
      {.name = "log.retention.hours", .type = int32, .default_value = "168", .level = high,
       .doc = "Age after which a closed segment is deleted (cleanup.policy=delete). Lowest precedence of the "
              "three log.retention time keys."},
      {.name = "log.retention.minutes", .type = int32, .level = high,
       .doc = "Like log.retention.hours, in minutes; wins over log.retention.hours.",
       .synonyms = {"log.retention.hours"}},
      {.name = "log.retention.ms", .type = int64, .level = high,
       .doc = "Like log.retention.hours, in milliseconds; wins over the minutes and hours keys. Any negative "
              "value means no time limit.",
       .synonyms = {"log.retention.minutes", "log.retention.hours"}},
      {.name = "log.retention.bytes", .type = int64, .default_value = "-1", .level = high,
       .doc = "Largest size of a partition's log before its oldest segments are deleted; -1 means no limit."},
      {.name = "log.retention.check.interval.ms", .type = int64, .default_value = "300000", .valid = at_least(1),
       .level = medium, .doc = "How often segments are checked against the retention limits."},
      {.name = "log.segment.delete.delay.ms", .type = int64, .default_value = "60000", .valid = at_least(0),
       .level = high,
       .doc = "How long a segment removed from the log is kept on disk (renamed .deleted) before the file is "
              "deleted, so that reads in progress finish."},
      {.name = "log.index.interval.bytes", .type = int32, .default_value = "4096", .valid = at_least(0),
       .level = medium, .doc = "Bytes of log between two entries of the offset index."},
      {.name = "log.index.size.max.bytes", .type = int32, .default_value = "10485760", .valid = at_least(4),
       .level = medium, .doc = "Largest size of an offset or time index; a full index rolls the segment."},
      {.name = "log.flush.interval.messages", .type = int64, .default_value = long_max, .valid = at_least(1),
       .level = high, .doc = "Messages appended to a partition before its log is flushed to disk."},
      {.name = "log.flush.interval.ms", .type = int64, .level = high,
       .doc = "Longest time a message stays in memory before its log is flushed; unset means "
              "log.flush.scheduler.interval.ms.",
       .synonyms = {"log.flush.scheduler.interval.ms"}},
      {.name = "log.flush.scheduler.interval.ms", .type = int64, .default_value = long_max, .level = high,
       .doc = "How often logs are checked for a time-based flush; also the default of log.flush.interval.ms."},
      {.name = "sluice.log.flush.mode", .type = string, .default_value = "fsync", .valid = one_of({"fsync", "pagecache"}),
       .level = high,
       .doc = "When an acks=all produce is acknowledged. fsync: only after the data is on disk (fdatasync, "
              "grouped across concurrent producers). pagecache: once it is in the page cache, as Kafka does, "
              "leaving durability to log.flush.interval.* and replication.",
       .support = key_support::sluice,
       .note = "A single node has no replicas to make page-cache acknowledgement safe, so Sluice syncs by "
               "default. acks=0 and acks=1 never wait for a sync."},
      {.name = "log.preallocate", .type = boolean, .default_value = "false", .level = medium,
       .doc = "Preallocate a new segment file at its full size."},
      {.name = "log.message.timestamp.type", .type = string, .default_value = "CreateTime",
       .valid = one_of({"CreateTime", "LogAppendTime"}), .level = medium,
       .doc = "Whether record timestamps are the producer's (CreateTime) or the broker's append time "
              "(LogAppendTime)."},
      {.name = "log.message.timestamp.difference.max.ms", .type = int64, .default_value = long_max,
       .valid = at_least(0), .level = medium,
       .doc = "With CreateTime, a batch whose timestamp differs from the broker's clock by more than this is "
              "rejected."},
      {.name = "log.message.downconversion.enable", .type = boolean, .default_value = "true", .level = low,
       .doc = "Whether old-format fetch requests get records converted down to their format."},
      {.name = "log.cleanup.policy", .type = list, .default_value = "delete", .valid = one_of({"compact", "delete"}),
       .level = medium, .doc = "Default cleanup policy: delete old segments, compact by key, or both."},
      {.name = "log.cleaner.enable", .type = boolean, .default_value = "true", .level = medium,
       .doc = "Run the log cleaner, needed by topics with cleanup.policy=compact."},
      {.name = "log.cleaner.delete.retention.ms", .type = int64, .default_value = "86400000", .valid = at_least(0),
       .level = medium, .doc = "How long tombstones are kept in a compacted log."},
      {.name = "log.cleaner.min.compaction.lag.ms", .type = int64, .default_value = "0", .valid = at_least(0),
       .level = medium, .doc = "Least time a record stays uncompacted."},
      {.name = "log.cleaner.max.compaction.lag.ms", .type = int64, .default_value = long_max, .valid = at_least(1),
       .level = medium, .doc = "Longest time a record stays uncompacted."},
      {.name = "log.cleaner.min.cleanable.ratio", .type = float64, .default_value = "0.5", .valid = between(0, 1),
       .level = medium, .doc = "Least ratio of dirty log to total log for a log to be compacted."},
      {.name = "compression.type", .type = string, .default_value = "producer",
       .valid = one_of({"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}), .level = high, .scope = both,
       .doc = "Compression of stored batches: producer keeps what the producer sent; any other value "
              "recompresses to that codec."},
      {.name = "message.max.bytes", .type = int32, .default_value = "1048588", .valid = at_least(0), .level = high,
       .doc = "Largest record batch accepted (after compression); the topic-level name is max.message.bytes."},

      // ---- topics ----
      {.name = "num.partitions", .type = int32, .default_value = "1", .valid = at_least(1), .level = medium,
       .doc = "Partitions of an auto-created topic, and of a CreateTopics request that leaves the count to "
              "the broker."},
      {.name = "default.replication.factor", .type = int32, .default_value = "1", .level = medium,
       .doc = "Replication factor of auto-created topics. A single node can only hold one replica."},
      {.name = "auto.create.topics.enable", .type = boolean, .default_value = "true", .level = high,
       .doc = "Create a topic when a client asks Metadata (or produces) for one that does not exist."},
      {.name = "delete.topic.enable", .type = boolean, .default_value = "true", .level = high,
       .doc = "Allow DeleteTopics; when false it fails with TOPIC_DELETION_DISABLED."},
      {.name = "min.insync.replicas", .type = int32, .default_value = "1", .valid = at_least(1), .level = high,
       .scope = both,
       .doc = "With acks=all, the least number of in-sync replicas for a produce to succeed (else "
              "NOT_ENOUGH_REPLICAS). A single node has one."},
      {.name = "unclean.leader.election.enable", .type = boolean, .default_value = "false", .level = high,
       .scope = both, .doc = "Allow an out-of-sync replica to become leader.", .support = ignored,
       .note = "A single node has no other replica to elect."},

      // ---- consumer groups, offsets, transactions ----
      {.name = "offsets.topic.num.partitions", .type = int32, .default_value = "50", .valid = at_least(1),
       .level = high, .doc = "Partitions of __consumer_offsets; fixed once the topic exists."},
      {.name = "offsets.topic.replication.factor", .type = int16, .default_value = "3", .valid = at_least(1),
       .level = high, .doc = "Replication factor of __consumer_offsets in Kafka.", .support = ignored,
       .note = "A single node keeps one copy."},
      {.name = "offsets.retention.minutes", .type = int32, .default_value = "10080", .valid = at_least(1),
       .level = high,
       .doc = "Committed offsets of a group that has been empty this long are deleted."},
      {.name = "offsets.retention.check.interval.ms", .type = int64, .default_value = "600000", .valid = at_least(1),
       .level = high, .doc = "How often expired offsets are looked for."},
      {.name = "group.initial.rebalance.delay.ms", .type = int32, .default_value = "3000", .level = medium,
       .doc = "How long the first rebalance of a new group waits for more members to join."},
      {.name = "group.min.session.timeout.ms", .type = int32, .default_value = "6000", .level = medium,
       .doc = "Smallest session timeout a group member may ask for."},
      {.name = "group.max.session.timeout.ms", .type = int32, .default_value = "1800000", .level = medium,
       .doc = "Largest session timeout a group member may ask for."},
      {.name = "transaction.max.timeout.ms", .type = int32, .default_value = "900000", .valid = at_least(1),
       .level = high, .doc = "Largest transaction timeout a producer may ask for in InitProducerId."},
      {.name = "transactional.id.expiration.ms", .type = int32, .default_value = "604800000", .valid = at_least(1),
       .level = high, .doc = "A transactional id with no transaction for this long is forgotten."},
      {.name = "transaction.state.log.num.partitions", .type = int32, .default_value = "50", .valid = at_least(1),
       .level = high, .doc = "Partitions of __transaction_state; fixed once the topic exists."},
      {.name = "transaction.state.log.replication.factor", .type = int16, .default_value = "3", .valid = at_least(1),
       .level = high, .doc = "Replication factor of __transaction_state in Kafka.", .support = ignored,
       .note = "A single node keeps one copy."},
      {.name = "transaction.state.log.min.isr", .type = int32, .default_value = "2", .valid = at_least(1),
       .level = high, .doc = "min.insync.replicas of __transaction_state in Kafka.", .support = ignored,
       .note = "A single node keeps one copy."},

      // ---- ZooKeeper (accepted so Kafka's server.properties loads) ----
      {.name = "zookeeper.connect", .type = string, .level = high, .doc = "Kafka's ZooKeeper connection string.",
       .support = ignored,
       .note = "Sluice is a single node and keeps its metadata under log.dirs; it never contacts ZooKeeper."},
      {.name = "zookeeper.connection.timeout.ms", .type = int32, .level = high,
       .doc = "Kafka's ZooKeeper connection timeout.", .support = ignored,
       .note = "Sluice never contacts ZooKeeper."},
  };
}

}  // namespace sluice::config
