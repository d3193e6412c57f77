// `sluice bench` shared parts: options, topic preparation, pacing, counters, progress line.
#include "cli/bench_common.h"

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <cstring>
#include <random>

#include "cli/admin.h"
#include "cli/bench_report.h"
#include "cli/commands.h"
#include "cli/rk_handle.h"

namespace sluice::cli {

void configure_bench_app(CLI::App& app, bench_options& o) {
  app.description(
      "Load-test a broker (like kafka-producer-perf-test / kafka-consumer-perf-test).\n"
      "  sluice bench produce --topic b --num-records 1000000 --record-size 100 --partitions 6\n"
      "  sluice bench consume --topic b --num-records 1000000\n"
      "  sluice bench e2e --topic b --num-records 100000 --throughput 10000\n"
      "Latency: produce = send to delivery report; e2e = send to receipt by the consumer.");
  add_common_options(app, o.common);
  app.add_option("mode", o.mode_word, "produce | consume | e2e")->required();
  app.add_option("-t,--topic", o.topic, "topic to use")->capture_default_str();
  app.add_option("--num-records", o.num_records, "records to send (or to read)")->capture_default_str();
  app.add_option("--record-size", o.record_size, "value size in bytes")->capture_default_str();
  app.add_option("--throughput", o.throughput, "records/s over all producers, -1 unlimited")
      ->capture_default_str();
  app.add_option("--acks", o.acks, "0|1|all|-1")->capture_default_str();
  app.add_option("--compression", o.compression, "none|gzip|snappy|lz4|zstd")->capture_default_str();
  app.add_option("--partitions", o.partitions, "create the topic with this many partitions if it is missing");
  app.add_option("--replication-factor", o.replication_factor, "for that creation");
  app.add_option("--producers", o.producers, "producer clients (one thread each)")->capture_default_str();
  app.add_option("--consumers", o.consumers, "consumer clients (one thread each)")->capture_default_str();
  app.add_option("--linger-ms", o.linger_ms,
                 "producer linger.ms (default: librdkafka's 5 ms; e2e: 0, as Kafka's EndToEndLatency)");
  app.add_option("--batch-size", o.batch_size, "producer batch.size in bytes");
  app.add_flag("--idempotent", o.idempotent, "idempotent producers (needs acks=all)");
  app.add_flag("--from-latest", o.from_latest, "consume: start at the end, not the beginning");
  app.add_option("--isolation-level", o.isolation_level, "read_committed|read_uncommitted")
      ->capture_default_str();
  app.add_option("--timeout-ms", o.timeout_ms,
                 "delivery timeout; consumers stop after this long without records")
      ->capture_default_str();
  app.add_option("--reporting-interval", o.report_interval_ms, "progress line period in ms")
      ->capture_default_str();
  app.add_option("--json", o.json_file, "also write the results as JSON to this file");
}

result<void> finalize_bench_options(bench_options& o) {
  if (o.mode_word == "produce") {
    o.mode = bench_mode::produce;
  } else if (o.mode_word == "consume") {
    o.mode = bench_mode::consume;
  } else if (o.mode_word == "e2e" || o.mode_word == "end-to-end") {
    o.mode = bench_mode::e2e;
  } else {
    return usage_error(fmt::format("unknown bench mode '{}': use produce, consume or e2e", o.mode_word));
  }
  if (o.topic.empty()) return usage_error("--topic must not be empty");
  if (o.num_records < 1) return usage_error("--num-records must be >= 1");
  if (o.record_size < 0) return usage_error("--record-size must be >= 0");
  if (o.mode == bench_mode::e2e && o.record_size < e2e_header_size) {
    return usage_error(fmt::format("e2e needs --record-size >= {} (run id and send time)", e2e_header_size));
  }
  if (o.throughput == 0 || o.throughput < -1) return usage_error("--throughput must be > 0 or -1");
  auto acks = normalize_acks(o.acks);
  if (!acks) return acks.err();
  o.acks = *acks;
  if (o.idempotent && o.acks != "all") return usage_error("--idempotent requires --acks all");
  if (auto r = check_compression(o.compression); !r) return r;
  if (o.partitions != -1 && o.partitions < 1) return usage_error("--partitions must be >= 1");
  if (o.producers < 1 || o.producers > 256) return usage_error("--producers must be 1..256");
  if (o.consumers < 1 || o.consumers > 256) return usage_error("--consumers must be 1..256");
  if (o.timeout_ms <= 0) return usage_error("--timeout-ms must be > 0");
  if (o.report_interval_ms < 100) return usage_error("--reporting-interval must be >= 100");
  if (o.isolation_level != "read_committed" && o.isolation_level != "read_uncommitted") {
    return usage_error("--isolation-level must be read_committed or read_uncommitted");
  }
  return {};
}

result<std::vector<int32_t>> prepare_topic(const bench_options& o) {
  conf_builder cb(o.common);
  auto h = cb.build(RD_KAFKA_PRODUCER);
  if (!h) return h.err();
  auto md = fetch_metadata(*h, "", default_connect_timeout_ms);
  if (!md) return md.err();
  const auto* t = find_topic(**md, o.topic);
  if (t == nullptr || t->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
    if (o.mode == bench_mode::consume) {
      return runtime_error(fmt::format("topic '{}' does not exist", o.topic), errc::not_found);
    }
    auto res = create_topics(*h, {{o.topic, o.partitions, o.replication_factor, {}}}, o.timeout_ms);
    if (!res) return res.err();
    for (const auto& r : *res) {
      if (r.err != RD_KAFKA_RESP_ERR_NO_ERROR && r.err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        return runtime_error(topic_error_message("create", r));
      }
    }
    // Wait until the new topic shows up with leaders for every partition.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(default_connect_timeout_ms);
    for (;;) {
      md = fetch_metadata(*h, "", default_connect_timeout_ms);
      if (!md) return md.err();
      t = find_topic(**md, o.topic);
      bool ready = t != nullptr && t->err == RD_KAFKA_RESP_ERR_NO_ERROR && t->partition_cnt > 0;
      for (int i = 0; ready && i < t->partition_cnt; ++i) ready = t->partitions[i].leader >= 0;
      if (ready) break;
      if (std::chrono::steady_clock::now() > deadline) {
        return runtime_error(fmt::format("topic '{}' was created but has no leaders after {} s", o.topic,
                                         default_connect_timeout_ms / 1000),
                             errc::timed_out);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    fmt::print(stderr, "sluice bench: created topic {} with {} partitions\n", o.topic, t->partition_cnt);
  } else if (o.partitions != -1 && o.partitions != t->partition_cnt) {
    fmt::print(stderr, "sluice bench: warning: topic {} exists with {} partitions (not {})\n", o.topic,
               t->partition_cnt, o.partitions);
  }
  std::vector<int32_t> ids;
  for (int i = 0; i < t->partition_cnt; ++i) ids.push_back(t->partitions[i].id);
  std::sort(ids.begin(), ids.end());
  if (ids.empty()) return runtime_error(fmt::format("topic '{}' has no partitions", o.topic));
  return ids;
}

void bench_counters::add_latency(int64_t us) {
  auto u = static_cast<uint64_t>(us < 0 ? 0 : us);
  window_lat_sum_us.fetch_add(u, std::memory_order_relaxed);
  window_lat_count.fetch_add(1, std::memory_order_relaxed);
  uint64_t cur = window_lat_max_us.load(std::memory_order_relaxed);
  while (u > cur && !window_lat_max_us.compare_exchange_weak(cur, u, std::memory_order_relaxed)) {
  }
}

void bench_counters::note_records_at(int64_t now_ns) {
  int64_t first = first_record_ns.load(std::memory_order_relaxed);
  while ((first == 0 || now_ns < first) &&
         !first_record_ns.compare_exchange_weak(first, now_ns, std::memory_order_relaxed)) {
  }
  int64_t last = last_record_ns.load(std::memory_order_relaxed);
  while (now_ns > last && !last_record_ns.compare_exchange_weak(last, now_ns, std::memory_order_relaxed)) {
  }
}

rate_limiter::rate_limiter(double rate) : rate_(rate), start_(std::chrono::steady_clock::now()) {}

std::chrono::steady_clock::duration rate_limiter::ahead(uint64_t sent_so_far) const {
  if (rate_ <= 0) return std::chrono::steady_clock::duration::zero();
  auto due = start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                          std::chrono::duration<double>(sent_so_far / rate_));
  return due - std::chrono::steady_clock::now();
}

void rate_limiter::wait(uint64_t sent_so_far) {
  auto a = ahead(sent_so_far);
  if (a > min_gap) std::this_thread::sleep_for(a);
}

progress_reporter::progress_reporter(const bench_options& o, bench_counters& c)
    : o_(o), c_(c), thread_([this] { run(); }) {}

progress_reporter::~progress_reporter() { stop(); }

void progress_reporter::stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void progress_reporter::run() {
  using clock = std::chrono::steady_clock;
  auto start = clock::now();
  auto last = start;
  uint64_t last_prod = 0, last_prod_bytes = 0, last_cons = 0, last_cons_bytes = 0;
  auto next = start + std::chrono::milliseconds(o_.report_interval_ms);
  while (!stop_.load()) {
    if (clock::now() < next) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    next += std::chrono::milliseconds(o_.report_interval_ms);
    auto now = clock::now();
    double dt = std::chrono::duration<double>(now - last).count();
    double total = std::chrono::duration<double>(now - start).count();
    last = now;
    uint64_t prod = c_.produced.load(), prod_b = c_.produced_bytes.load();
    uint64_t cons = c_.consumed.load(), cons_b = c_.consumed_bytes.load();
    uint64_t lat_n = c_.window_lat_count.exchange(0);
    uint64_t lat_sum = c_.window_lat_sum_us.exchange(0);
    uint64_t lat_max = c_.window_lat_max_us.exchange(0);
    std::string lat = lat_n == 0 ? std::string("lat n/a")
                                 : fmt::format("lat avg {:.2f} ms max {:.2f} ms", lat_sum / 1000.0 / lat_n,
                                               lat_max / 1000.0);
    constexpr double mib = 1024.0 * 1024.0;
    std::string line;
    if (o_.mode != bench_mode::consume) {
      line += fmt::format("produced {} ({:.1f} msgs/s, {:.2f} MB/s, {} failed)", prod,
                          (prod - last_prod) / dt, (prod_b - last_prod_bytes) / dt / mib, c_.failed.load());
    }
    if (o_.mode != bench_mode::produce) {
      line += fmt::format("{}consumed {} ({:.1f} msgs/s, {:.2f} MB/s)", line.empty() ? "" : ", ", cons,
                          (cons - last_cons) / dt, (cons_b - last_cons_bytes) / dt / mib);
    }
    if (o_.mode != bench_mode::consume) {
      line += fmt::format(", {}{}", o_.mode == bench_mode::e2e ? "e2e " : "", lat);
    }
    fmt::print(stderr, "[{:7.1f} s] {}\n", total, line);
    last_prod = prod, last_prod_bytes = prod_b, last_cons = cons, last_cons_bytes = cons_b;
  }
}

std::string make_payload(size_t size, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(size, 'x');
  for (auto& ch : s) ch = static_cast<char>('A' + rng() % 26);
  return s;
}

void stamp_payload(std::string& payload, uint64_t run_id, int64_t send_ns) {
  std::memcpy(payload.data(), &run_id, 8);
  std::memcpy(payload.data() + 8, &send_ns, 8);
}

int64_t read_stamp(const void* payload, size_t len, uint64_t run_id) {
  if (payload == nullptr || len < static_cast<size_t>(e2e_header_size)) return -1;
  uint64_t id;
  int64_t ns;
  std::memcpy(&id, payload, 8);
  if (id != run_id) return -1;
  std::memcpy(&ns, static_cast<const char*>(payload) + 8, 8);
  return ns;
}

int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::vector<std::vector<int32_t>> split_partitions(const std::vector<int32_t>& parts, int n) {
  std::vector<std::vector<int32_t>> out(static_cast<size_t>(n));
  for (size_t i = 0; i < parts.size(); ++i) out[i % n].push_back(parts[i]);
  return out;
}

int run_bench(const bench_options& o) {
  switch (o.mode) {
    case bench_mode::produce:
      return run_bench_produce(o);
    case bench_mode::consume:
      return run_bench_consume(o);
    case bench_mode::e2e:
      return run_bench_e2e(o);
  }
  return exit_usage;
}

int bench_main(int argc, const char* const* argv) {
  CLI::App app{"", "sluice bench"};
  bench_options o;
  configure_bench_app(app, o);
  if (auto code = parse_args(app, argc, argv)) return *code;
  if (auto r = finalize_bench_options(o); !r) return report_error(r.err());
  return run_bench(o);
}

}  // namespace sluice::cli
