// `sluice bench` results: human-readable summary and JSON.
#include "cli/bench_report.h"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>

namespace sluice::cli {

namespace {

constexpr double mib = 1024.0 * 1024.0;  // "MB" as in Kafka's perf tools

const char* mode_name(bench_mode m) {
  switch (m) {
    case bench_mode::produce:
      return "produce";
    case bench_mode::consume:
      return "consume";
    case bench_mode::e2e:
      return "e2e";
  }
  return "?";
}

double rate(uint64_t n, double secs) { return secs > 0 ? n / secs : 0.0; }

nlohmann::json latency_json(const latency_histogram& h) {
  return {{"count", h.count()},
          {"mean", h.mean() / 1000.0},
          {"p50", h.percentile(0.50) / 1000.0},
          {"p99", h.percentile(0.99) / 1000.0},
          {"p999", h.percentile(0.999) / 1000.0},
          {"max", h.max() / 1000.0}};
}

std::string latency_line(const char* what, const latency_histogram& h) {
  if (h.count() == 0) return fmt::format("{} latency: no samples", what);
  return fmt::format("{} latency ms: p50 {:.2f}, p99 {:.2f}, p99.9 {:.2f}, max {:.2f}, mean {:.2f}", what,
                     h.percentile(0.50) / 1000.0, h.percentile(0.99) / 1000.0, h.percentile(0.999) / 1000.0,
                     h.max() / 1000.0, h.mean() / 1000.0);
}

}  // namespace

std::string bench_json(const bench_options& o, const bench_result& r) {
  nlohmann::json j;
  j["mode"] = mode_name(o.mode);
  j["topic"] = o.topic;
  j["bootstrap_server"] = o.common.bootstrap;
  j["config"] = {{"num_records", o.num_records}, {"record_size", o.record_size},
                 {"throughput", o.throughput},   {"acks", o.acks},
                 {"compression", o.compression}, {"producers", o.producers},
                 {"consumers", o.consumers},     {"linger_ms", o.linger_ms},
                 {"batch_size", o.batch_size},   {"idempotent", o.idempotent},
                 {"partitions", o.partitions}};
  j["elapsed_s"] = r.elapsed_s;
  if (o.mode != bench_mode::consume) {
    j["produced"] = r.produced;
    j["failed"] = r.failed;
    j["produce_msgs_per_s"] = rate(r.produced, r.elapsed_s);
    j["produce_mb_per_s"] = rate(r.produced_bytes, r.elapsed_s) / mib;
  }
  if (o.mode != bench_mode::produce) {
    j["consumed"] = r.consumed;
    j["consume_msgs_per_s"] = rate(r.consumed, r.elapsed_s);
    j["consume_mb_per_s"] = rate(r.consumed_bytes, r.elapsed_s) / mib;
  }
  // Kafka's consumer-perf-test fetch.time.ms / fetch.nMsg.sec / fetch.MB.sec: first record to last.
  if (r.first_record_s) j["first_record_ms"] = *r.first_record_s * 1000.0;
  // Only when records arrived in more than one batch: one batch has no duration to divide by.
  if (r.fetch_s && *r.fetch_s > 0) {
    j["fetch_time_ms"] = *r.fetch_s * 1000.0;
    j["fetch_msgs_per_s"] = rate(r.consumed, *r.fetch_s);
    j["fetch_mb_per_s"] = rate(r.consumed_bytes, *r.fetch_s) / mib;
  }
  // Latencies in milliseconds.
  if (r.delivery_latency) j["delivery_latency_ms"] = latency_json(*r.delivery_latency);
  if (r.e2e_latency) j["e2e_latency_ms"] = latency_json(*r.e2e_latency);
  j["complete"] = r.error.empty() && r.failed == 0;
  if (!r.error.empty()) j["error"] = r.error;
  return j.dump(2);
}

int finish_bench(const bench_options& o, const bench_result& r) {
  std::fflush(stderr);
  // Consume mode reads whatever is there: report the size it saw, not the --record-size flag.
  double size = o.mode == bench_mode::consume
                    ? (r.consumed > 0 ? static_cast<double>(r.consumed_bytes) / r.consumed : 0.0)
                    : o.record_size;
  fmt::print("bench {} on topic {}: {:.3f} s, {}record size {:.0f} B\n", mode_name(o.mode), o.topic,
             r.elapsed_s, o.mode == bench_mode::consume ? "average " : "", size);
  if (o.mode != bench_mode::consume) {
    fmt::print("  produced {} records: {:.1f} msgs/s, {:.2f} MB/s, {} failed\n", r.produced,
               rate(r.produced, r.elapsed_s), rate(r.produced_bytes, r.elapsed_s) / mib, r.failed);
  }
  if (o.mode != bench_mode::produce) {
    fmt::print("  consumed {} records: {:.1f} msgs/s, {:.2f} MB/s\n", r.consumed,
               rate(r.consumed, r.elapsed_s), rate(r.consumed_bytes, r.elapsed_s) / mib);
  }
  if (r.fetch_s && *r.fetch_s > 0) {
    fmt::print(
        "  fetch (first record to last, {:.3f} s; first record after {:.3f} s): {:.1f} msgs/s, {:.2f} MB/s\n",
        *r.fetch_s, r.first_record_s.value_or(0.0), rate(r.consumed, *r.fetch_s),
        rate(r.consumed_bytes, *r.fetch_s) / mib);
  }
  if (r.delivery_latency) fmt::print("  {}\n", latency_line("delivery", *r.delivery_latency));
  if (r.e2e_latency) fmt::print("  {}\n", latency_line("end-to-end", *r.e2e_latency));
  std::fflush(stdout);
  int rc = exit_ok;
  if (!r.error.empty()) {
    fmt::print(stderr, "sluice bench: {}\n", r.error);
    rc = exit_failure;
  }
  if (r.failed > 0) rc = exit_failure;
  if (!o.json_file.empty()) {
    std::ofstream f(o.json_file);
    f << bench_json(o, r) << '\n';
    f.close();
    if (!f) {
      fmt::print(stderr, "sluice bench: cannot write {}\n", o.json_file);
      rc = exit_failure;
    }
  }
  return rc;
}

}  // namespace sluice::cli
