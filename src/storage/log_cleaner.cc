// log_cleaner: scheduling, cleaner threads, result swapping and the cleaner checkpoint.
#include "storage/log_cleaner.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "storage/file_names.h"
#include "storage/partition_log.h"

namespace sluice::storage {

namespace fn = file_names;

log_cleaner::log_cleaner(file_system& fs, clock& clk, cleaner_config config, log_lister lister, poster post)
    : fs_(fs),
      clock_(clk),
      config_(std::move(config)),
      lister_(std::move(lister)),
      post_(std::move(post)),
      checkpoint_(fs, fn::join(config_.data_dir,
                               std::string(fn::cleaner_offset_checkpoint) + config_.checkpoint_suffix)),
      throttle_(config_.io_max_bytes_per_second),
      self_(std::make_shared<log_cleaner*>(this)) {}

log_cleaner::~log_cleaner() { stop(); }

result<void> log_cleaner::start() {
  if (started_) return {};
  auto cp = checkpoint_.read();
  if (cp.ok()) {
    first_dirty_ = std::move(*cp);
  } else {
    // Losing it only costs a pass over data already clean.
    spdlog::warn("log cleaner: ignoring {}: {}", checkpoint_.path(), cp.err().message);
  }
  started_ = true;
  const int n = std::max(config_.threads, 1);
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { worker_loop(); });
  spdlog::info("log cleaner: {} thread(s), {} MiB offset map each", n,
               config_.dedupe_buffer_size / n / (1 << 20));
  return {};
}

void log_cleaner::stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& [k, flag] : in_progress_) flag->store(true);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (auto& j : queue_) j.cancelled->store(true);
  }
  cv_.notify_all();
  throttle_.cancel();
  for (auto& t : threads_) t.join();
  threads_.clear();
  self_.reset();
  if (started_) {
    std::lock_guard lock(checkpoint_mu_);
    if (auto r = checkpoint_.write(first_dirty_); !r.ok())
      spdlog::error("log cleaner: writing {}: {}", checkpoint_.path(), r.err().message);
  }
}

std::optional<int64_t> log_cleaner::first_dirty(const std::string& topic, int32_t partition) const {
  auto it = first_dirty_.find(key{topic, partition});
  if (it == first_dirty_.end()) return std::nullopt;
  return it->second;
}

cleaner_totals log_cleaner::totals() const {
  std::lock_guard lock(mu_);
  return totals_;
}

std::optional<clean_job> log_cleaner::plan(const cleaner_log& l, int64_t now, double& score) {
  const log_config& cfg = l.log->config();
  const key k{l.topic, l.partition};
  auto fd = first_dirty_.find(k);
  const int64_t first_dirty = fd == first_dirty_.end() ? l.log->log_start_offset() : fd->second;
  auto sec = l.log->cleanable(first_dirty, now);
  if (!sec.ok()) {
    spdlog::warn("log cleaner: {}-{}: {}", l.topic, l.partition, sec.err().message);
    return std::nullopt;
  }
  const bool dirty = sec->dirty_bytes > 0;
  const bool lag_due = dirty && sec->first_dirty_timestamp >= 0 &&
                       now - sec->first_dirty_timestamp > cfg.max_compaction_lag_ms;
  const bool ratio_due = dirty && sec->dirty_ratio() > cfg.min_cleanable_dirty_ratio;
  auto h = horizons_.find(k);
  const bool horizon_due =
      h != horizons_.end() && h->second >= 0 && now >= h->second && !sec->segments.empty();
  if (!lag_due && !ratio_due && !horizon_due) return std::nullopt;
  score = (lag_due ? 2.0 : 0.0) + sec->dirty_ratio();
  clean_job job;
  job.topic = l.topic;
  job.partition = l.partition;
  job.dir = l.log->dir();
  job.config = cfg;
  job.segments = std::move(sec->segments);
  job.first_uncleanable = sec->first_uncleanable;
  job.first_dirty = sec->first_dirty;
  job.now_ms = now;
  job.producer_last_offsets = l.log->active_producer_offsets();
  job.owner = l.log;
  return job;
}

void log_cleaner::tick() {
  if (!started_ || stopped_) return;
  const auto logs = lister_();
  std::set<key> present;
  for (const auto& l : logs) {
    const key k{l.topic, l.partition};
    present.insert(k);
    // A topic deleted and created again under the same name starts from scratch.
    auto [it, fresh] = seen_.try_emplace(k, l.log);
    if (!fresh && it->second != l.log) {
      it->second = l.log;
      first_dirty_.erase(k);
      horizons_.erase(k);
    }
  }
  bool pruned = false;
  for (auto it = first_dirty_.begin(); it != first_dirty_.end();)
    if (!present.count(it->first)) {
      it = first_dirty_.erase(it);
      pruned = true;
    } else {
      ++it;
    }
  std::erase_if(seen_, [&](const auto& e) { return !present.count(e.first); });
  std::erase_if(horizons_, [&](const auto& e) { return !present.count(e.first); });
  // A partition removed while cleaned: stop its pass early (the swap would be refused anyway).
  for (auto& [k, flag] : in_progress_)
    if (!present.count(k)) flag->store(true);
  if (pruned) request_checkpoint();

  const int64_t now = clock_.now_ms();
  const size_t slots = static_cast<size_t>(std::max(config_.threads, 1));
  while (in_progress_.size() < slots) {
    std::optional<clean_job> best;
    double best_score = -1;
    for (const auto& l : logs) {
      if (!l.log || l.log->closed() || !l.log->config().cleanup_compact) continue;
      if (in_progress_.count(key{l.topic, l.partition})) continue;
      double score = 0;
      auto job = plan(l, now, score);
      if (job && score > best_score) {
        best = std::move(job);
        best_score = score;
      }
    }
    if (!best) break;
    in_progress_[key{best->topic, best->partition}] = best->cancelled;
    {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(*best));
    }
    cv_.notify_one();
  }
}

void log_cleaner::request_checkpoint() {
  {
    std::lock_guard lock(mu_);
    checkpoint_to_write_ = first_dirty_;
  }
  cv_.notify_one();
}

void log_cleaner::worker_loop() {
  std::unique_ptr<offset_map> map;
  const size_t map_bytes =
      static_cast<size_t>(std::max<int64_t>(config_.dedupe_buffer_size / std::max(config_.threads, 1), 1024));
  std::weak_ptr<log_cleaner*> self = self_;
  for (;;) {
    std::optional<clean_job> job;
    std::optional<checkpoint_map> cp;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty() || checkpoint_to_write_; });
      if (stopping_) return;
      if (checkpoint_to_write_) {
        cp = std::move(checkpoint_to_write_);
        checkpoint_to_write_.reset();
      } else {
        job = std::move(queue_.front());
        queue_.pop_front();
      }
    }
    if (cp) {
      std::lock_guard lock(checkpoint_mu_);
      if (auto r = checkpoint_.write(*cp); !r.ok())
        spdlog::error("log cleaner: writing {}: {}", checkpoint_.path(), r.err().message);
      continue;
    }
    // Allocated on first use: a broker without compacted topics never pays for it.
    if (!map) map = std::make_unique<offset_map>(map_bytes, config_.io_buffer_load_factor);
    auto r = run_clean_pass(fs_, *job, *map, throttle_);
    {
      std::lock_guard lock(mu_);
      ++totals_.passes;
      if (r.ok()) {
        totals_.bytes_read += r->stats.bytes_read;
        totals_.bytes_written += r->stats.bytes_written;
        totals_.records_read += r->stats.records_read;
        totals_.seconds += r->stats.seconds;
      } else {
        ++totals_.failures;
      }
    }
    auto shared_job = std::make_shared<clean_job>(std::move(*job));
    auto shared_result = std::make_shared<result<clean_result>>(std::move(r));
    post_([self, shared_job, shared_result] {
      // Cleaner gone (shutdown): the .cleaned files stay until the log is next opened.
      if (auto s = self.lock()) (*s)->on_done(*shared_job, std::move(*shared_result));
    });
  }
}

void log_cleaner::on_done(const clean_job& job, result<clean_result> r) {
  const key k{job.topic, job.partition};
  in_progress_.erase(k);
  auto drop_files = [&] {
    if (r.ok())
      for (const auto& g : r->groups) (void)fs_.unlink(g.cleaned_path);
  };
  if (!r.ok()) {
    if (r.err().code != errc::shutting_down)
      spdlog::error("log cleaner: {}-{}: {}", job.topic, job.partition, r.err().message);
    return;
  }
  partition_log* log = nullptr;
  for (const auto& l : lister_())
    if (l.topic == job.topic && l.partition == job.partition && l.log == job.owner) log = l.log;
  if (stopped_ || !log || job.cancelled->load()) {
    drop_files();
    return;
  }
  bool complete = true;
  int swapped = 0;
  for (const auto& g : r->groups) {
    auto s = log->swap_cleaned(g);
    if (!s.ok()) {
      spdlog::error("log cleaner: {}-{}: swap of cleaned segment {}: {}", job.topic, job.partition,
                    g.base_offset, s.err().message);
      complete = false;
      continue;
    }
    swapped += *s ? 1 : 0;
  }
  {
    std::lock_guard lock(mu_);
    totals_.swaps += swapped;
  }
  const auto& st = r->stats;
  spdlog::info(
      "log cleaner: {}-{}: {} segment group(s) swapped, {:.1f} MB read, {:.1f} MB written in {:.2f} s "
      "({:.1f} MB/s); {} of {} records kept; {} keys in map; dirty section now starts at {}",
      job.topic, job.partition, swapped, static_cast<double>(st.bytes_read) / 1e6,
      static_cast<double>(st.bytes_written) / 1e6, st.seconds,
      st.seconds > 0 ? static_cast<double>(st.bytes_read) / 1e6 / st.seconds : 0.0, st.records_kept,
      st.records_read, st.map_entries, r->new_first_dirty);
  if (!complete) return;
  first_dirty_[k] = r->new_first_dirty;
  horizons_[k] = r->earliest_horizon;
  request_checkpoint();
}

}  // namespace sluice::storage
