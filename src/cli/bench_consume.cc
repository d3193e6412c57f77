// `sluice bench consume`: M consumer threads read the topic's partitions (split round-robin)
// until --num-records records arrived or the topic stays idle for --timeout-ms.
#include <fmt/core.h>

#include <algorithm>
#include <thread>

#include "cli/bench_common.h"
#include "cli/bench_report.h"
#include "cli/rk_handle.h"

namespace sluice::cli {

namespace {

constexpr size_t consume_batch = 1000;

}  // namespace

// The errors after which a partition cannot be read on.
bool is_fatal_consume_error(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
    case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
      return true;
    default:
      return false;
  }
}

result<std::unique_ptr<partition_reader>> open_bench_reader(const bench_options& o, const consumer_job& job) {
  conf_builder cb(o.common);
  set_reader_defaults(cb, o.isolation_level);
  auto h = cb.build(RD_KAFKA_CONSUMER);
  if (!h) return h.err();
  // Start at absolute offsets: librdkafka resolves a logical start (beginning/end) with a
  // ListOffsets it sends only after a ~500 ms back-off, which would be most of a short run. The
  // watermark query asks the broker directly (and learns the leaders on the way).
  std::vector<partition_start> starts = job.starts;
  for (auto& s : starts) {
    if (s.offset != RD_KAFKA_OFFSET_BEGINNING && s.offset != RD_KAFKA_OFFSET_END) continue;
    int64_t low = 0;
    int64_t high = 0;
    if (rd_kafka_query_watermark_offsets(h->get(), o.topic.c_str(), s.partition, &low, &high, o.timeout_ms) ==
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      s.offset = s.offset == RD_KAFKA_OFFSET_BEGINNING ? low : high;
    }
  }
  return partition_reader::open(std::move(*h), o.topic, starts);
}

consumer_outcome run_consumer_worker(const bench_options& o, const consumer_job& job, bench_counters& c) {
  consumer_outcome out;
  if (job.starts.empty()) return out;
  auto reader = open_bench_reader(o, job);
  if (!reader) {
    out.error = reader.err().message;
    return out;
  }
  std::vector<rd_kafka_message_t*> batch(consume_batch);
  using clock = std::chrono::steady_clock;
  auto last = clock::now();
  while (!stop_requested() && c.consumed.load(std::memory_order_relaxed) < job.target) {
    size_t n = (*reader)->poll_batch(100, batch);
    if (n == 0) {
      rd_kafka_poll((*reader)->handle().get(), 0);
      if (clock::now() - last > std::chrono::milliseconds(o.timeout_ms)) {
        out.idle_timeout = true;
        break;
      }
      continue;
    }
    bool progressed = false;
    bool counted = false;
    for (size_t i = 0; i < n; ++i) {
      message_ptr m(batch[i]);  // every message of the batch is destroyed, counted or not
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (is_fatal_consume_error(m->err) && out.error.empty()) {
          out.error = fmt::format("partition {}: {}", m->partition, rd_kafka_message_errstr(m.get()));
        }
        continue;
      }
      progressed = true;
      // Count exactly up to the target even with several consumers racing.
      if (c.consumed.fetch_add(1, std::memory_order_relaxed) >= job.target) {
        c.consumed.fetch_sub(1, std::memory_order_relaxed);
        continue;
      }
      ++out.consumed;
      counted = true;
      c.consumed_bytes.fetch_add(m->len, std::memory_order_relaxed);
    }
    if (counted) c.note_records_at(steady_now_ns());
    if (!out.error.empty()) break;
    if (progressed) last = clock::now();
  }
  if (out.idle_timeout && out.consumed == 0) {
    std::string reason = (*reader)->handle().state().last_connect_error();
    if (!reason.empty()) out.error = fmt::format("cannot reach {}: {}", o.common.bootstrap, reason);
  }
  return out;
}

int run_bench_consume(const bench_options& o) {
  auto parts = prepare_topic(o);
  if (!parts) return report_error(parts.err());
  int n = std::min<int>(o.consumers, static_cast<int>(parts->size()));
  if (n < o.consumers) {
    fmt::print(stderr, "sluice bench: only {} partitions: using {} consumers\n", parts->size(), n);
  }
  auto split = split_partitions(*parts, n);
  bench_counters c;
  std::vector<consumer_outcome> outcomes(static_cast<size_t>(n));
  auto start = std::chrono::steady_clock::now();
  int64_t start_ns = steady_now_ns();
  {
    progress_reporter progress(o, c);
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
      consumer_job job;
      for (int32_t p : split[i]) {
        job.starts.push_back({p, o.from_latest ? RD_KAFKA_OFFSET_END : RD_KAFKA_OFFSET_BEGINNING});
      }
      job.target = static_cast<uint64_t>(o.num_records);
      threads.emplace_back([&, job, i] { outcomes[i] = run_consumer_worker(o, job, c); });
    }
    for (auto& t : threads) t.join();
  }
  bench_result r;
  r.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.consumed = c.consumed.load();
  r.consumed_bytes = c.consumed_bytes.load();
  if (int64_t first = c.first_record_ns.load(); first != 0) {
    r.first_record_s = (first - start_ns) / 1e9;
    r.fetch_s = (c.last_record_ns.load() - first) / 1e9;
  }
  for (const auto& out : outcomes) {
    if (r.error.empty() && !out.error.empty()) r.error = out.error;
  }
  if (r.error.empty() && r.consumed < static_cast<uint64_t>(o.num_records)) {
    r.error = stop_requested() ? fmt::format("interrupted after {} of {} records", r.consumed, o.num_records)
                               : fmt::format("only {} of {} records arrived (no record for {} ms)",
                                             r.consumed, o.num_records, o.timeout_ms);
  }
  return finish_bench(o, r);
}

}  // namespace sluice::cli
