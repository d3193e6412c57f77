// log_cleaner: Kafka's log compaction service: picks the compacted partition most in need of
// cleaning, runs the pass (cleaner_pass) on background threads, swaps the result in on the owner
// thread, and keeps each partition's first dirty offset in cleaner-offset-checkpoint.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/result.h"
#include "storage/checkpoint_file.h"
#include "storage/cleaner_config.h"
#include "storage/cleaner_pass.h"
#include "storage/clock.h"
#include "storage/file_system.h"
#include "storage/io_throttler.h"

namespace sluice::storage {

class partition_log;

// A partition as the owner shows it to the cleaner.
struct cleaner_log {
  std::string topic;
  int32_t partition = 0;
  partition_log* log = nullptr;
};

// Running totals (for logs and the benchmark). Value type.
struct cleaner_totals {
  int64_t passes = 0;
  int64_t failures = 0;
  int64_t swaps = 0;
  int64_t bytes_read = 0;
  int64_t bytes_written = 0;
  int64_t records_read = 0;
  double seconds = 0;  // time spent in passes on cleaner threads
};

// Threads: every public method runs on the owner thread (the shard that owns the logs), except
// totals(). Cleaner threads touch only the file handles and .cleaned files of the jobs handed to
// them; results come back through `post`, which must run the closure on the owner thread (or drop
// it: leftover .cleaned files are removed when the log is next opened).
//
// Scheduling (Kafka's LogCleanerManager): a log is a candidate when its policy contains compact,
// no pass runs on it, and either its dirty ratio exceeds min.cleanable.dirty.ratio, its first
// dirty record is older than max.compaction.lag.ms, or tombstones kept by an earlier pass have
// reached their delete horizon. The candidate with a lag due, else the highest ratio, goes first.
class log_cleaner {
 public:
  using log_lister = std::function<std::vector<cleaner_log>()>;
  using poster = std::function<void(std::function<void()>)>;

  log_cleaner(file_system& fs, clock& clk, cleaner_config config, log_lister lister, poster post);
  ~log_cleaner();
  log_cleaner(const log_cleaner&) = delete;
  log_cleaner& operator=(const log_cleaner&) = delete;

  // Reads the checkpoint and starts the threads.
  result<void> start();
  // Hands work to idle threads (call every log.cleaner.backoff.ms).
  void tick();
  // Cancels running passes, joins the threads and writes the checkpoint. Idempotent.
  void stop();

  // True while a pass is queued, running, or waiting for its swap.
  bool busy() const { return !in_progress_.empty(); }
  // The first dirty offset recorded for a partition, or nullopt.
  std::optional<int64_t> first_dirty(const std::string& topic, int32_t partition) const;
  cleaner_totals totals() const;

 private:
  using key = std::pair<std::string, int32_t>;
  struct worker_state;

  void worker_loop();
  void on_done(const clean_job& job, result<clean_result> r);
  void request_checkpoint();
  std::optional<clean_job> plan(const cleaner_log& l, int64_t now, double& score);

  file_system& fs_;
  clock& clock_;
  cleaner_config config_;
  log_lister lister_;
  poster post_;
  checkpoint_file checkpoint_;
  io_throttler throttle_;

  // Owner thread only.
  checkpoint_map first_dirty_;
  std::map<key, int64_t> horizons_;
  std::map<key, const void*> seen_;  // log identity per partition, to notice a recreated topic
  std::map<key, std::shared_ptr<std::atomic<bool>>> in_progress_;
  bool started_ = false;
  bool stopped_ = false;

  // Shared with the cleaner threads.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<clean_job> queue_;
  std::optional<checkpoint_map> checkpoint_to_write_;
  std::mutex checkpoint_mu_;  // serialises checkpoint writes
  bool stopping_ = false;
  cleaner_totals totals_;
  std::vector<std::thread> threads_;
  // Closures posted back hold a weak reference: they do nothing once the cleaner is gone.
  std::shared_ptr<log_cleaner*> self_;
};

}  // namespace sluice::storage
