// topic_keys: the per-topic rows of the config table (Kafka's LogConfig), each naming the broker
// keys that supply its default. compression.type, min.insync.replicas and
// unclean.leader.election.enable share their name with the broker key and live in broker_keys.cc.
#include "config/config_keys.h"

namespace sluice::config {
namespace {

constexpr std::string_view long_max = "9223372036854775807";

using enum config_type;
using enum importance;

}  // namespace

std::vector<config_key> topic_config_keys() {
  constexpr auto topic = config_scope::topic;
  return {
      {.name = "cleanup.policy", .type = list, .default_value = "delete", .valid = one_of({"compact", "delete"}),
       .level = medium, .scope = topic,
       .doc = "delete: remove segments past the retention limits; compact: keep the latest record of each key; "
              "both may be given.",
       .synonyms = {"log.cleanup.policy"}},
      {.name = "delete.retention.ms", .type = int64, .default_value = "86400000", .valid = at_least(0),
       .level = medium, .scope = topic, .doc = "How long tombstones are kept in a compacted topic.",
       .synonyms = {"log.cleaner.delete.retention.ms"}},
      {.name = "file.delete.delay.ms", .type = int64, .default_value = "60000", .valid = at_least(0), .level = medium,
       .scope = topic, .doc = "How long a segment removed from the log stays on disk before its file is deleted.",
       .synonyms = {"log.segment.delete.delay.ms"}},
      {.name = "flush.messages", .type = int64, .default_value = long_max, .valid = at_least(0), .level = medium,
       .scope = topic, .doc = "Messages appended before the log is flushed to disk.",
       .synonyms = {"log.flush.interval.messages"}},
      {.name = "flush.ms", .type = int64, .default_value = long_max, .valid = at_least(0), .level = medium,
       .scope = topic, .doc = "Longest time data stays unflushed.",
       .synonyms = {"log.flush.interval.ms", "log.flush.scheduler.interval.ms"}},
      {.name = "index.interval.bytes", .type = int32, .default_value = "4096", .valid = at_least(0), .level = medium,
       .scope = topic, .doc = "Bytes of log between two offset-index entries.",
       .synonyms = {"log.index.interval.bytes"}},
      {.name = "max.compaction.lag.ms", .type = int64, .default_value = long_max, .valid = at_least(1),
       .level = medium, .scope = topic, .doc = "Longest time a record stays uncompacted.",
       .synonyms = {"log.cleaner.max.compaction.lag.ms"}},
      {.name = "max.message.bytes", .type = int32, .default_value = "1048588", .valid = at_least(0), .level = medium,
       .scope = topic, .doc = "Largest record batch accepted for this topic (after compression).",
       .synonyms = {"message.max.bytes"}},
      {.name = "message.downconversion.enable", .type = boolean, .default_value = "true", .level = low,
       .scope = topic, .doc = "Whether old-format fetches of this topic get records converted down.",
       .synonyms = {"log.message.downconversion.enable"}},
      {.name = "message.timestamp.difference.max.ms", .type = int64, .default_value = long_max, .valid = at_least(0),
       .level = medium, .scope = topic,
       .doc = "With CreateTime, batches whose timestamp is further than this from the broker's clock are rejected.",
       .synonyms = {"log.message.timestamp.difference.max.ms"}},
      {.name = "message.timestamp.type", .type = string, .default_value = "CreateTime",
       .valid = one_of({"CreateTime", "LogAppendTime"}), .level = medium, .scope = topic,
       .doc = "CreateTime keeps the producer's timestamps; LogAppendTime stamps batches with the broker's clock.",
       .synonyms = {"log.message.timestamp.type"}},
      {.name = "min.cleanable.dirty.ratio", .type = float64, .default_value = "0.5", .valid = between(0, 1),
       .level = medium, .scope = topic, .doc = "Least ratio of dirty log to total log for compaction to run.",
       .synonyms = {"log.cleaner.min.cleanable.ratio"}},
      {.name = "min.compaction.lag.ms", .type = int64, .default_value = "0", .valid = at_least(0), .level = medium,
       .scope = topic, .doc = "Least time a record stays uncompacted.",
       .synonyms = {"log.cleaner.min.compaction.lag.ms"}},
      {.name = "preallocate", .type = boolean, .default_value = "false", .level = medium, .scope = topic,
       .doc = "Preallocate new segment files at their full size.", .synonyms = {"log.preallocate"}},
      {.name = "retention.bytes", .type = int64, .default_value = "-1", .level = medium, .scope = topic,
       .doc = "Largest size of each partition's log before old segments are deleted; -1 means no limit.",
       .synonyms = {"log.retention.bytes"}},
      {.name = "retention.ms", .type = int64, .default_value = "604800000", .valid = at_least(-1), .level = medium,
       .scope = topic, .doc = "Age after which closed segments are deleted; -1 means no time limit.",
       .synonyms = {"log.retention.ms", "log.retention.minutes", "log.retention.hours"}},
      {.name = "segment.bytes", .type = int32, .default_value = "1073741824", .valid = at_least(14), .level = medium,
       .scope = topic, .doc = "Largest size of one segment file.", .synonyms = {"log.segment.bytes"}},
      {.name = "segment.index.bytes", .type = int32, .default_value = "10485760", .valid = at_least(4),
       .level = medium, .scope = topic, .doc = "Largest size of a segment's offset or time index.",
       .synonyms = {"log.index.size.max.bytes"}},
      {.name = "segment.jitter.ms", .type = int64, .default_value = "0", .valid = at_least(0), .level = medium,
       .scope = topic, .doc = "Largest random amount subtracted from segment.ms.",
       .synonyms = {"log.roll.jitter.ms", "log.roll.jitter.hours"}},
      {.name = "segment.ms", .type = int64, .default_value = "604800000", .valid = at_least(1), .level = medium,
       .scope = topic, .doc = "Age after which the active segment is rolled even if not full.",
       .synonyms = {"log.roll.ms", "log.roll.hours"}},
  };
}

}  // namespace sluice::config
