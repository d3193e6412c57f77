// metrics_text: renders broker_snapshot as Prometheus text (one family at a time, HELP + TYPE).
#include "http/metrics_text.h"

#include <fmt/format.h>

#include <iterator>
#include <map>

#include "group/group_coordinator.h"
#include "http/text_escape.h"
#include "protocol/generated/api_table.h"

namespace sluice::http {
namespace {

class writer {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  // `labels` is already rendered: `a="x",b="y"` (empty: no braces).
  template <class V>
  void sample(std::string_view name, std::string_view labels, V value) {
    if (labels.empty()) {
      fmt::format_to(std::back_inserter(out_), "{} {}\n", name, value);
    } else {
      fmt::format_to(std::back_inserter(out_), "{}{{{}}} {}\n", name, labels, value);
    }
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string tp_labels(std::string_view topic, int32_t partition) {
  return fmt::format("topic=\"{}\",partition=\"{}\"", prometheus_label(topic), partition);
}

void broker_families(writer& w, const broker_snapshot& s) {
  const auto& i = s.info;
  w.family("sluice_broker_info", "gauge", "Broker identity; the value is always 1.");
  w.sample("sluice_broker_info",
           fmt::format("node_id=\"{}\",cluster_id=\"{}\",version=\"{}\"", i.node_id,
                       prometheus_label(i.cluster_id), prometheus_label(i.version)),
           1);
  w.family("sluice_uptime_seconds", "gauge", "Seconds since the broker started.");
  w.sample("sluice_uptime_seconds", "",
           fmt::format("{:.3f}", static_cast<double>(i.stats.uptime.count()) / 1000.0));
  w.family("sluice_connections_open", "gauge", "Open Kafka API connections.");
  w.sample("sluice_connections_open", "", i.stats.connections_open);
  w.family("sluice_requests_total", "counter", "Kafka requests received, by API.");
  for (const auto& api : protocol::all_apis()) {
    if (api.key < 0 || api.key > broker::request_counters::max_key) continue;
    w.sample("sluice_requests_total", fmt::format("api=\"{}\",api_key=\"{}\"", api.name, api.key),
             s.requests.by_api[static_cast<size_t>(api.key)]);
  }
  // Keys outside the table: unknown APIs (the connection is closed) land here.
  uint64_t unknown = s.requests.other;
  for (int16_t k = 0; k <= broker::request_counters::max_key; ++k) {
    if (!protocol::find_api(k)) unknown += s.requests.by_api[static_cast<size_t>(k)];
  }
  w.sample("sluice_requests_total", "api=\"unknown\",api_key=\"-1\"", unknown);
  w.family("sluice_group_commit_fsyncs_total", "counter",
           "fdatasync calls made by the group-commit flusher.");
  w.sample("sluice_group_commit_fsyncs_total", "", i.stats.fsync_count);
  w.family("sluice_group_commit_rounds_total", "counter", "Group-commit rounds run by the flusher.");
  w.sample("sluice_group_commit_rounds_total", "", i.stats.flush_rounds);
  if (const auto& c = i.stats.cleaner) {
    w.family("sluice_log_cleaner_passes_total", "counter", "Log cleaner (compaction) passes run.");
    w.sample("sluice_log_cleaner_passes_total", "", c->passes);
    w.family("sluice_log_cleaner_failures_total", "counter", "Log cleaner passes that failed.");
    w.sample("sluice_log_cleaner_failures_total", "", c->failures);
    w.family("sluice_log_cleaner_swaps_total", "counter", "Cleaned segments swapped into logs.");
    w.sample("sluice_log_cleaner_swaps_total", "", c->swaps);
    w.family("sluice_log_cleaner_read_bytes_total", "counter", "Bytes read by the log cleaner.");
    w.sample("sluice_log_cleaner_read_bytes_total", "", c->bytes_read);
    w.family("sluice_log_cleaner_written_bytes_total", "counter", "Bytes written by the log cleaner.");
    w.sample("sluice_log_cleaner_written_bytes_total", "", c->bytes_written);
    w.family("sluice_log_cleaner_read_records_total", "counter", "Records read by the log cleaner.");
    w.sample("sluice_log_cleaner_read_records_total", "", c->records_read);
    w.family("sluice_log_cleaner_seconds_total", "counter", "Time spent in cleaner passes.");
    w.sample("sluice_log_cleaner_seconds_total", "", fmt::format("{:.3f}", c->seconds));
  }
}

void partition_families(writer& w, const broker_snapshot& s) {
  w.family("sluice_topics", "gauge", "Topics, internal ones included.");
  w.sample("sluice_topics", "", s.topics.size());
  w.family("sluice_partitions", "gauge", "Partitions hosted by this broker.");
  w.sample("sluice_partitions", "", s.partition_count);
  struct column {
    const char* name;
    const char* help;
    int64_t partition_view::*field;
  };
  static constexpr column columns[] = {
      {"sluice_partition_log_start_offset", "First offset of the partition's log.",
       &partition_view::log_start_offset},
      {"sluice_partition_log_end_offset", "Log end offset (the high watermark on a single node).",
       &partition_view::log_end_offset},
      {"sluice_partition_size_bytes", "Bytes of the partition's segment files.", &partition_view::size_bytes},
      {"sluice_partition_segments", "Segments of the partition's log.", &partition_view::segments},
  };
  for (const auto& c : columns) {
    w.family(c.name, "gauge", c.help);
    for (const auto& t : s.topics) {
      for (const auto& p : t.partitions) w.sample(c.name, tp_labels(t.name, p.partition), p.*c.field);
    }
  }
}

void group_families(writer& w, const broker_snapshot& s) {
  w.family("sluice_consumer_groups", "gauge", "Consumer groups, by state.");
  std::map<std::string, size_t> by_state;
  for (auto st : {group::group_state::empty, group::group_state::preparing_rebalance,
                  group::group_state::completing_rebalance, group::group_state::stable}) {
    by_state[group::to_string(st)] = 0;
  }
  for (const auto& g : s.groups) ++by_state[g.state];
  for (const auto& [state, n] : by_state) {
    w.sample("sluice_consumer_groups", fmt::format("state=\"{}\"", prometheus_label(state)), n);
  }
  w.family("sluice_consumer_group_members", "gauge", "Members of each consumer group.");
  for (const auto& g : s.groups) {
    w.sample("sluice_consumer_group_members", fmt::format("group=\"{}\"", prometheus_label(g.group_id)),
             g.members.size());
  }
  w.family("sluice_consumer_group_committed_offset", "gauge", "Committed offset per group and partition.");
  for (const auto& g : s.groups) {
    for (const auto& o : g.offsets) {
      w.sample("sluice_consumer_group_committed_offset",
               fmt::format("group=\"{}\",{}", prometheus_label(g.group_id), tp_labels(o.topic, o.partition)),
               o.committed_offset);
    }
  }
  w.family("sluice_consumer_group_lag", "gauge",
           "Log end offset minus committed offset, per group and partition.");
  for (const auto& g : s.groups) {
    for (const auto& o : g.offsets) {
      if (!o.lag) continue;
      w.sample("sluice_consumer_group_lag",
               fmt::format("group=\"{}\",{}", prometheus_label(g.group_id), tp_labels(o.topic, o.partition)),
               *o.lag);
    }
  }
}

}  // namespace

std::string render_metrics(const broker_snapshot& s) {
  writer w;
  broker_families(w, s);
  partition_families(w, s);
  group_families(w, s);
  return w.take();
}

}  // namespace sluice::http
