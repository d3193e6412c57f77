// `sluice bench` results: the final report on stdout and the --json file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/result.h"
#include "cli/bench_common.h"
#include "cli/histogram.h"

namespace sluice::cli {

struct bench_result {
  double elapsed_s = 0;
  uint64_t produced = 0;  // acknowledged records
  uint64_t produced_bytes = 0;
  uint64_t failed = 0;  // records not acknowledged
  uint64_t consumed = 0;
  uint64_t consumed_bytes = 0;
  // Consume mode: seconds from the start to the first record, and from the first record to the
  // last (Kafka's consumer-perf-test fetch.time.ms). Unset when no record arrived.
  std::optional<double> first_record_s;
  std::optional<double> fetch_s;
  std::optional<latency_histogram> delivery_latency;  // produce, e2e
  std::optional<latency_histogram> e2e_latency;       // e2e
  std::string error;  // why the run ended early or is incomplete; empty when it met its goal
};

// Prints the summary (stdout), writes --json if asked, returns the exit code: 1 when records
// failed, the run stopped short of --num-records, or the JSON file could not be written.
int finish_bench(const bench_options& o, const bench_result& r);

// The JSON document written by --json (exposed for tests).
std::string bench_json(const bench_options& o, const bench_result& r);

int run_bench_produce(const bench_options& o);
int run_bench_consume(const bench_options& o);
int run_bench_e2e(const bench_options& o);

}  // namespace sluice::cli
