// partition_manager: lifecycle of the hosted partition logs and the data directory checkpoints.
#include "broker/partition_manager.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "storage/checkpoint_file.h"
#include "storage/file_names.h"

namespace sluice::broker {
namespace fn = storage::file_names;

namespace {

// Threads for the syncs of close_all() and add_partitions(): fsync is bound by the disk's latency,
// not the CPU, and a disk with a queue (NVMe, virtio, any SSD; ext4's journal) serves concurrent
// flushes together, so N syncs on k threads take about N/k sync latencies (as in the flusher).
constexpr size_t sync_threads = 16;

// One durability step: fdatasync of a file, or fsync of a directory.
struct sync_task {
  std::shared_ptr<storage::file> file;  // null: sync `dir`
  const std::string* dir = nullptr;
};

// Runs every task on up to sync_threads threads (the caller's included); returns the first error.
result<void> sync_in_parallel(storage::file_system& fs, const std::vector<sync_task>& tasks) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  result<void> first_error;
  std::mutex error_mu;
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < tasks.size();) {
      const auto& t = tasks[i];
      auto r = t.file ? t.file->fdatasync() : fs.sync_dir(*t.dir);
      if (!r.ok() && !failed.exchange(true)) {
        std::lock_guard lk(error_mu);
        first_error = r;
      }
    }
  };
  const size_t extra = std::min(sync_threads, tasks.size()) - std::min<size_t>(tasks.size(), 1);
  std::vector<std::jthread> pool;
  pool.reserve(extra);
  for (size_t i = 0; i < extra; ++i) pool.emplace_back(work);
  work();
  pool.clear();  // joins
  return first_error;
}

}  // namespace

partition_manager::partition_manager(storage::file_system& fs, storage::clock& clk, std::string data_dir,
                                     log_config_resolver resolver)
    : fs_(fs), clock_(clk), data_dir_(std::move(data_dir)), resolver_(std::move(resolver)) {}

result<std::unique_ptr<partition>> partition_manager::open_partition(const cluster::topic_info& topic,
                                                                     int32_t index,
                                                                     const storage::open_options& options) {
  auto dir = fn::join(data_dir_, fn::partition_dir(topic.name, index));
  auto log = storage::partition_log::open(fs_, clock_, dir, resolver_(topic), options);
  if (!log.ok()) return log.err();
  auto p = std::make_unique<partition>();
  p->topic = topic.name;
  p->index = index;
  p->topic_id = topic.id;
  p->log = std::move(log).value();
  return p;
}

result<void> partition_manager::open_all(const cluster::topic_table& topics) {
  auto clean = storage::clean_shutdown_marker_exists(fs_, data_dir_);
  if (!clean.ok()) return clean.err();
  storage::checkpoint_file recovery(fs_, fn::join(data_dir_, fn::recovery_point_checkpoint));
  storage::checkpoint_file starts(fs_, fn::join(data_dir_, fn::log_start_offset_checkpoint));
  auto recovery_points = recovery.read();
  auto log_starts = starts.read();
  // A damaged checkpoint only costs a longer recovery: fall back to scanning everything.
  storage::checkpoint_map no_points;
  const auto& rp = recovery_points.ok() ? *recovery_points : no_points;
  const auto& ls = log_starts.ok() ? *log_starts : no_points;
  const bool clean_start = *clean && recovery_points.ok();
  if (!clean_start && topics.size() > 0) {
    spdlog::warn("data dir {}: no clean shutdown marker, recovering logs", data_dir_);
  }

  for (const auto* topic : topics.list()) {
    for (int32_t i = 0; i < topic->partition_count; ++i) {
      storage::open_options opts;
      opts.clean_shutdown = clean_start;
      auto key = std::make_pair(topic->name, i);
      if (auto it = rp.find(key); it != rp.end()) opts.recovery_point = it->second;
      if (auto it = ls.find(key); it != ls.end()) opts.log_start_offset = it->second;
      auto p = open_partition(*topic, i, opts);
      if (!p.ok()) return p.err();
      partitions_[key] = std::move(p).value();
    }
  }
  // From here on a crash must be detected at the next start.
  if (auto r = storage::remove_clean_shutdown_marker(fs_, data_dir_); !r.ok()) return r;
  return write_checkpoints();
}

partition* partition_manager::find(const std::string& topic, int32_t index) {
  auto it = partitions_.find(std::make_pair(topic, index));
  return it == partitions_.end() ? nullptr : it->second.get();
}

std::vector<partition*> partition_manager::topic_partitions(const std::string& topic) {
  std::vector<partition*> out;
  for (auto it = partitions_.lower_bound(std::make_pair(topic, INT32_MIN));
       it != partitions_.end() && it->first.first == topic; ++it) {
    out.push_back(it->second.get());
  }
  return out;
}

result<void> partition_manager::add_partitions(const cluster::topic_info& topic, int32_t first) {
  storage::open_options opts;
  opts.clean_shutdown = true;  // brand new: nothing to recover
  // The new directories are fsynced together below (and the data directory, which holds their
  // names, once) instead of one after another inside each open: a topic of 100 partitions costs
  // about one round of syncs. Nothing is appended before this returns.
  opts.defer_new_dir_sync = true;
  std::vector<std::string> dirs;
  for (int32_t i = first; i < topic.partition_count; ++i) {
    auto key = std::make_pair(topic.name, i);
    if (partitions_.count(key)) continue;
    auto p = open_partition(topic, i, opts);
    if (!p.ok()) return p.err();
    dirs.push_back((*p)->log->dir());
    partitions_[key] = std::move(p).value();
  }
  if (dirs.empty()) return {};
  std::vector<sync_task> tasks;
  tasks.reserve(dirs.size() + 1);
  for (const auto& d : dirs) tasks.push_back(sync_task{nullptr, &d});
  tasks.push_back(sync_task{nullptr, &data_dir_});
  return sync_in_parallel(fs_, tasks);
}

result<void> partition_manager::remove_topic(const std::string& topic) {
  result<void> status;
  for (auto* p : topic_partitions(topic)) {
    p->notify_data();  // parked fetches re-check and see the partition gone
    if (auto r = p->log->remove(); !r.ok()) {
      spdlog::error("removing {}-{}: {}", p->topic, p->index, r.err().message);
      status = r;
    }
  }
  for (auto it = partitions_.lower_bound(std::make_pair(topic, INT32_MIN));
       it != partitions_.end() && it->first.first == topic;) {
    it = partitions_.erase(it);
  }
  return status;
}

void partition_manager::reconfigure(const cluster::topic_info& topic) {
  const auto config = resolver_(topic);
  for (auto* p : topic_partitions(topic.name)) p->log->set_config(config);
}

int partition_manager::apply_retention(int64_t now_ms) {
  int deleted = 0;
  for (auto& [key, p] : partitions_) {
    auto r = p->log->apply_retention(now_ms);
    if (!r.ok()) {
      spdlog::error("retention on {}-{}: {}", key.first, key.second, r.err().message);
      continue;
    }
    if (r->segments_deleted > 0) {
      spdlog::info("retention on {}-{}: deleted {} segment(s), {} bytes; log start offset now {}", key.first,
                   key.second, r->segments_deleted, r->bytes_deleted, r->log_start_offset);
    }
    deleted += r->segments_deleted;
  }
  return deleted;
}

result<void> partition_manager::write_checkpoints() {
  storage::checkpoint_map recovery_points;
  storage::checkpoint_map log_starts;
  for (auto& [key, p] : partitions_) {
    recovery_points[key] = p->log->recovery_point();
    log_starts[key] = p->log->log_start_offset();
  }
  storage::checkpoint_file recovery(fs_, fn::join(data_dir_, fn::recovery_point_checkpoint));
  storage::checkpoint_file starts(fs_, fn::join(data_dir_, fn::log_start_offset_checkpoint));
  if (auto r = recovery.write(recovery_points); !r.ok()) return r;
  return starts.write(log_starts);
}

result<void> partition_manager::close_all() {
  // Each log's close is split around its syncs (partition_log::prepare_close): the writes happen
  // here, one log after another, and then every file and directory of every log is synced on a
  // pool of threads, so the shutdown costs a few sync latencies instead of ~5 per partition in a
  // row. The marker is written only after every sync succeeded and every log finished closing.
  result<void> status;
  std::vector<std::pair<partition*, storage::close_request>> closing;
  closing.reserve(partitions_.size());
  for (auto& [key, p] : partitions_) {
    p->notify_data();
    auto req = p->log->prepare_close();
    if (!req.ok()) {
      spdlog::error("closing {}-{}: {}", key.first, key.second, req.err().message);
      status = req.err();
      continue;
    }
    closing.emplace_back(p.get(), std::move(req).value());
  }
  std::vector<sync_task> tasks;
  for (const auto& [p, req] : closing) {
    for (const auto& f : req.files) tasks.push_back(sync_task{f, nullptr});
    if (!req.dir.empty()) tasks.push_back(sync_task{nullptr, &req.dir});
  }
  if (auto r = sync_in_parallel(fs_, tasks); !r.ok()) {
    spdlog::error("closing logs: {}", r.err().message);
    return r;  // no clean marker: the next start recovers
  }
  for (auto& [p, req] : closing) p->log->finish_close(req);
  if (!status.ok()) return status;  // no clean marker: the next start recovers
  if (auto r = write_checkpoints(); !r.ok()) return r;
  return storage::write_clean_shutdown_marker(fs_, data_dir_);
}

}  // namespace sluice::broker
