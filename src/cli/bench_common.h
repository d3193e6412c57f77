// `sluice bench` shared parts: options, topic setup, pacing, shared counters, progress line, and
// the producer/consumer workers the three modes are built from.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "cli/common.h"
#include "cli/histogram.h"
#include "cli/partition_reader.h"

namespace sluice::cli {

enum class bench_mode { produce, consume, e2e };

struct bench_options {
  common_options common;
  std::string mode_word;
  bench_mode mode = bench_mode::produce;
  std::string topic = "sluice-bench";
  int64_t num_records = 100'000;
  int record_size = 100;
  int64_t throughput = -1;  // records/s over all producers; -1 unlimited
  std::string acks = "all";
  std::string compression = "none";
  int partitions = -1;          // create the topic with this many partitions if missing
  int replication_factor = -1;  // for that creation; -1 broker default
  int producers = 1;
  int consumers = 1;
  int linger_ms = -1;   // -1: librdkafka default
  int batch_size = -1;  // bytes; -1: librdkafka default
  bool idempotent = false;
  bool from_latest = false;  // consume mode: start at the end instead of the beginning
  std::string isolation_level = "read_uncommitted";
  int timeout_ms = 30'000;  // delivery timeout; consumers give up after this long idle
  int report_interval_ms = 2'000;
  std::string json_file;
};

void configure_bench_app(CLI::App& app, bench_options& o);
result<void> finalize_bench_options(bench_options& o);
int run_bench(const bench_options& o);

// Makes sure the topic exists (creating it when missing) and returns its partition ids.
result<std::vector<int32_t>> prepare_topic(const bench_options& o);

// Counters every worker bumps and the progress thread reads. Latency window fields are
// exchanged to zero by each progress tick.
struct bench_counters {
  std::atomic<uint64_t> produced{0};  // acknowledged records
  std::atomic<uint64_t> produced_bytes{0};
  std::atomic<uint64_t> failed{0};
  std::atomic<uint64_t> consumed{0};
  std::atomic<uint64_t> consumed_bytes{0};
  std::atomic<uint64_t> window_lat_sum_us{0};
  std::atomic<uint64_t> window_lat_count{0};
  std::atomic<uint64_t> window_lat_max_us{0};
  // Consume mode: steady-clock ns (steady_now_ns) when the first and the last counted record
  // arrived, over all consumers; 0 until one did. The fetch rate is measured between them.
  std::atomic<int64_t> first_record_ns{0};
  std::atomic<int64_t> last_record_ns{0};

  void add_latency(int64_t us);
  // A batch of counted records arrived at `now_ns`: widens [first_record_ns, last_record_ns].
  void note_records_at(int64_t now_ns);
};

// Spaces sends so that `rate` records/s are not exceeded on average. rate <= 0: no limit.
class rate_limiter {
 public:
  explicit rate_limiter(double rate);
  // How long until record number sent_so_far is due (<= 0: now or late; always 0 without a limit).
  std::chrono::steady_clock::duration ahead(uint64_t sent_so_far) const;
  // Sleeps until that record is due, unless that is less than min_gap away (short gaps even out
  // over the next sends).
  void wait(uint64_t sent_so_far);
  static constexpr std::chrono::microseconds min_gap{500};

 private:
  double rate_;
  std::chrono::steady_clock::time_point start_;
};

// Prints a progress line every interval until stop(). One line per tick on stderr.
class progress_reporter {
 public:
  progress_reporter(const bench_options& o, bench_counters& c);
  ~progress_reporter();
  void stop();

 private:
  void run();
  const bench_options& o_;
  bench_counters& c_;  // window fields are reset by each tick
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Payload stamping for end-to-end latency: bytes [0,8) run id, [8,16) send time (steady clock,
// ns). Records of other runs have another id and are not counted.
inline constexpr int e2e_header_size = 16;
std::string make_payload(size_t size, uint64_t seed);
void stamp_payload(std::string& payload, uint64_t run_id, int64_t send_ns);
// Returns the send time when the payload carries run_id, else -1.
int64_t read_stamp(const void* payload, size_t len, uint64_t run_id);
int64_t steady_now_ns();

// One producer thread's share of the work.
struct producer_job {
  int index = 0;  // worker number, seeds the payload
  int64_t records = 0;
  double rate = -1;
  bool stamp = false;  // e2e: write run id and send time into each payload
  uint64_t run_id = 0;
};
struct producer_outcome {
  latency_histogram delivery_latency;  // produce() call -> delivery report, microseconds
  uint64_t delivered = 0;
  uint64_t failed = 0;
  std::string first_error;
};
// Runs on the calling thread: creates its own producer, sends job.records, waits for delivery.
producer_outcome run_producer_worker(const bench_options& o, const producer_job& job, bench_counters& c);

// One consumer thread's share: a set of partitions with start offsets.
struct consumer_job {
  std::vector<partition_start> starts;
  uint64_t target = 0;  // stop when the shared consumed counter reaches this
  uint64_t run_id = 0;  // e2e: only records stamped with this run id count
};
struct consumer_outcome {
  latency_histogram e2e_latency;  // send -> receive, microseconds
  uint64_t consumed = 0;
  std::string error;  // why the worker stopped early, if it did
  bool idle_timeout = false;
};
consumer_outcome run_consumer_worker(const bench_options& o, const consumer_job& job, bench_counters& c);
// A reader of job.starts with the bench's consumer settings (consume and e2e modes).
result<std::unique_ptr<partition_reader>> open_bench_reader(const bench_options& o, const consumer_job& job);
// The errors after which a partition cannot be read on: the workers stop on them.
bool is_fatal_consume_error(rd_kafka_resp_err_t err);

// Splits partitions round-robin over n consumers (some may get none when n > partitions).
std::vector<std::vector<int32_t>> split_partitions(const std::vector<int32_t>& parts, int n);

}  // namespace sluice::cli
