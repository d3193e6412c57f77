// `sluice bench e2e`: producers and consumers in one process; each payload carries the run id
// and its send time (steady clock), so consumers measure send-to-receive latency.
//
// Client settings follow Kafka's own end-to-end latency tool (kafka.tools.EndToEndLatency): the
// producer uses linger.ms=0 unless --linger-ms says otherwise, so the figure is the latency of
// the path, not of the producer's batching timer. Unlike that tool the consumers keep
// librdkafka's long-poll fetch (fetch.wait.max.ms 500, fetch.min.bytes 1) instead of
// fetch.max.wait.ms=0: a busy-polling consumer would hide how promptly the broker wakes a parked
// fetch, which is part of what this mode measures.
#include <fmt/core.h>

#include <algorithm>
#include <random>
#include <thread>

#include "cli/bench_common.h"
#include "cli/bench_report.h"
#include "cli/rk_handle.h"

namespace sluice::cli {

namespace {

// Consumers start at the current end of every partition, read before producing starts, so they
// see exactly this run's records without racing the producers.
result<std::vector<partition_start>> end_offsets(const bench_options& o, const std::vector<int32_t>& parts) {
  conf_builder cb(o.common);
  auto h = cb.build(RD_KAFKA_CONSUMER);
  if (!h) return h.err();
  std::vector<partition_start> starts;
  for (int32_t p : parts) {
    int64_t low = 0, high = 0;
    rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(h->get(), o.topic.c_str(), p, &low, &high,
                                                               default_connect_timeout_ms);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return runtime_error(
          fmt::format("cannot read the end offset of {} [{}]: {}", o.topic, p, describe_err(err)));
    }
    starts.push_back({p, high});
  }
  return starts;
}

// Largest number of queued messages taken per drain; the drain never waits for more.
constexpr size_t drain_batch = 1000;
// How long one wait for the next message lasts before the loop checks for stop and idleness.
constexpr int wait_ms = 100;

// The consuming side of e2e. Not the consume mode's worker: that one reads with
// rd_kafka_consume_batch_queue(timeout 100 ms, 1000 messages), which in librdkafka returns only
// when the batch is full or the timeout has passed. Below 10k msg/s per consumer the batch never
// fills, so every record sat in the client's queue until the 100 ms were up, and was timed then:
// e2e p50 ~50 ms, p99 ~100 ms whatever the broker did. Here the thread blocks for the first
// message only, then takes what is already queued without waiting, and each record is timed when
// its poll returns.
consumer_outcome run_e2e_consumer(const bench_options& o, const consumer_job& job, bench_counters& c) {
  consumer_outcome out;
  if (job.starts.empty()) return out;
  auto reader = open_bench_reader(o, job);
  if (!reader) {
    out.error = reader.err().message;
    return out;
  }
  std::vector<rd_kafka_message_t*> batch(drain_batch);
  using clock = std::chrono::steady_clock;
  auto last = clock::now();
  // Counts and times one message received at now_ns.
  auto take = [&](message_ptr m, int64_t now_ns) {
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // Transient errors (a broker reconnect) are retried by librdkafka; a partition that cannot
      // be read stops the run.
      if (is_fatal_consume_error(m->err) && out.error.empty()) {
        out.error = fmt::format("partition {}: {}", m->partition, rd_kafka_message_errstr(m.get()));
      }
      return;
    }
    int64_t sent_ns = read_stamp(m->payload, m->len, job.run_id);
    if (sent_ns < 0) return;  // not from this run
    last = clock::now();
    // Count exactly up to the target even with several consumers racing.
    if (c.consumed.fetch_add(1, std::memory_order_relaxed) >= job.target) {
      c.consumed.fetch_sub(1, std::memory_order_relaxed);
      return;
    }
    ++out.consumed;
    c.consumed_bytes.fetch_add(m->len, std::memory_order_relaxed);
    int64_t us = (now_ns - sent_ns) / 1000;
    out.e2e_latency.record(us);
    c.add_latency(us);
  };
  while (!stop_requested() && out.error.empty() && c.consumed.load(std::memory_order_relaxed) < job.target) {
    message_ptr first = (*reader)->poll(wait_ms);
    if (!first) {
      rd_kafka_poll((*reader)->handle().get(), 0);
      if (clock::now() - last > std::chrono::milliseconds(o.timeout_ms)) {
        out.idle_timeout = true;
        break;
      }
      continue;
    }
    take(std::move(first), steady_now_ns());
    // Timeout 0: returns what is queued now, never waits for the batch to fill.
    size_t n = (*reader)->poll_batch(0, batch);
    int64_t now_ns = steady_now_ns();
    for (size_t i = 0; i < n; ++i) take(message_ptr(batch[i]), now_ns);
  }
  if (out.idle_timeout && out.consumed == 0) {
    std::string reason = (*reader)->handle().state().last_connect_error();
    if (!reason.empty()) out.error = fmt::format("cannot reach {}: {}", o.common.bootstrap, reason);
  }
  return out;
}

}  // namespace

int run_bench_e2e(const bench_options& o) {
  auto parts = prepare_topic(o);
  if (!parts) return report_error(parts.err());
  auto starts = end_offsets(o, *parts);
  if (!starts) return report_error(starts.err());
  uint64_t run_id = std::random_device{}() * 0x9E3779B97F4A7C15ull ^ static_cast<uint64_t>(steady_now_ns());

  int n_cons = std::min<int>(o.consumers, static_cast<int>(parts->size()));
  if (n_cons < o.consumers) {
    fmt::print(stderr, "sluice bench: only {} partitions: using {} consumers\n", parts->size(), n_cons);
  }
  std::vector<consumer_job> cjobs(static_cast<size_t>(n_cons));
  for (size_t i = 0; i < starts->size(); ++i) cjobs[i % n_cons].starts.push_back((*starts)[i]);
  for (auto& j : cjobs) {
    j.target = static_cast<uint64_t>(o.num_records);
    j.run_id = run_id;
  }

  // Kafka's EndToEndLatency sets linger.ms=0 ("ensure writes are synchronous"); librdkafka's
  // default is 5 ms, which would add up to 5 ms of batching delay to every record.
  bench_options po = o;
  if (po.linger_ms < 0) po.linger_ms = 0;

  bench_counters c;
  std::vector<consumer_outcome> couts(cjobs.size());
  std::vector<producer_outcome> pouts(static_cast<size_t>(o.producers));
  auto start = std::chrono::steady_clock::now();
  {
    progress_reporter progress(o, c);
    std::vector<std::thread> consumers, producers;
    for (size_t i = 0; i < cjobs.size(); ++i) {
      consumers.emplace_back([&, i] { couts[i] = run_e2e_consumer(o, cjobs[i], c); });
    }
    for (int i = 0; i < o.producers; ++i) {
      producer_job job;
      job.index = i;
      job.records = o.num_records / o.producers + (i < o.num_records % o.producers ? 1 : 0);
      job.rate = o.throughput > 0 ? static_cast<double>(o.throughput) / o.producers : -1;
      job.stamp = true;
      job.run_id = run_id;
      producers.emplace_back([&, job, i] { pouts[i] = run_producer_worker(po, job, c); });
    }
    for (auto& t : producers) t.join();
    for (auto& t : consumers) t.join();
  }

  bench_result r;
  r.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.delivery_latency.emplace();
  r.e2e_latency.emplace();
  for (const auto& out : pouts) {
    r.delivery_latency->merge(out.delivery_latency);
    r.produced += out.delivered;
    r.failed += out.failed;
    if (r.error.empty() && !out.first_error.empty()) r.error = out.first_error;
  }
  for (const auto& out : couts) {
    r.e2e_latency->merge(out.e2e_latency);
    if (r.error.empty() && !out.error.empty()) r.error = out.error;
  }
  r.produced_bytes = c.produced_bytes.load();
  r.consumed = c.consumed.load();
  r.consumed_bytes = c.consumed_bytes.load();
  if (r.error.empty() && r.consumed < r.produced) {
    r.error = stop_requested() ? fmt::format("interrupted: {} produced, {} consumed", r.produced, r.consumed)
                               : fmt::format(
                                     "only {} of {} acknowledged records were consumed (no record for "
                                     "{} ms)",
                                     r.consumed, r.produced, o.timeout_ms);
  }
  if (r.error.empty() && stop_requested()) r.error = "interrupted before all records were sent";
  return finish_bench(o, r);
}

}  // namespace sluice::cli
