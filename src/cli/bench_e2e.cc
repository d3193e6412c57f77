// `sluice bench e2e`: producers and consumers in one process; each payload carries the run id
// and its send time (steady clock), so consumers measure send-to-receive latency.
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
    j.e2e = true;
    j.run_id = run_id;
  }

  bench_counters c;
  std::vector<consumer_outcome> couts(cjobs.size());
  std::vector<producer_outcome> pouts(static_cast<size_t>(o.producers));
  auto start = std::chrono::steady_clock::now();
  {
    progress_reporter progress(o, c);
    std::vector<std::thread> consumers, producers;
    for (size_t i = 0; i < cjobs.size(); ++i) {
      consumers.emplace_back([&, i] { couts[i] = run_consumer_worker(o, cjobs[i], c); });
    }
    for (int i = 0; i < o.producers; ++i) {
      producer_job job;
      job.index = i;
      job.records = o.num_records / o.producers + (i < o.num_records % o.producers ? 1 : 0);
      job.rate = o.throughput > 0 ? static_cast<double>(o.throughput) / o.producers : -1;
      job.stamp = true;
      job.run_id = run_id;
      producers.emplace_back([&, job, i] { pouts[i] = run_producer_worker(o, job, c); });
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
