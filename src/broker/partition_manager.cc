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

result<recovery_state> read_recovery_state(storage::file_system& fs, const std::string& data_dir) {
  auto clean = storage::clean_shutdown_marker_exists(fs, data_dir);
  if (!clean.ok()) return clean.err();
  storage::checkpoint_file recovery(fs, fn::join(data_dir, fn::recovery_point_checkpoint));
  storage::checkpoint_file starts(fs, fn::join(data_dir, fn::log_start_offset_checkpoint));
  auto recovery_points = recovery.read();
  auto log_starts = starts.read();
  // A damaged checkpoint only costs a longer recovery: fall back to scanning everything.
  recovery_state out;
  out.clean_start = *clean && recovery_points.ok();
  if (recovery_points.ok()) out.recovery_points = std::move(recovery_points).value();
  if (log_starts.ok()) out.log_starts = std::move(log_starts).value();
  return out;
}

result<void> write_checkpoint_files(storage::file_system& fs, const std::string& data_dir,
                                    const storage::checkpoint_map& recovery_points,
                                    const storage::checkpoint_map& log_starts) {
  storage::checkpoint_file recovery(fs, fn::join(data_dir, fn::recovery_point_checkpoint));
  storage::checkpoint_file starts(fs, fn::join(data_dir, fn::log_start_offset_checkpoint));
  if (auto r = recovery.write(recovery_points); !r.ok()) return r;
  return starts.write(log_starts);
}

partition_manager::partition_manager(storage::file_system& fs, storage::clock& clk, std::string data_dir,
                                     log_config_resolver resolver, ownership owns, storage::fd_cache* fds)
    : fs_(fs),
      clock_(clk),
      data_dir_(std::move(data_dir)),
      resolver_(std::move(resolver)),
      owns_(std::move(owns)),
      fds_(fds) {
  if (!owns_) owns_ = [](const std::string&, int32_t) { return true; };
}

result<std::unique_ptr<partition>> partition_manager::open_partition(const cluster::topic_info& topic,
                                                                     int32_t index,
                                                                     const storage::open_options& options) {
  auto dir = fn::join(data_dir_, fn::partition_dir(topic.name, index));
  storage::open_options opts = options;
  opts.fds = fds_;
  auto log = storage::partition_log::open(fs_, clock_, dir, resolver_(topic), opts);
  if (!log.ok()) return log.err();
  auto p = std::make_unique<partition>();
  p->topic = topic.name;
  p->index = index;
  p->topic_id = topic.id;
  p->log = std::move(log).value();
  return p;
}

result<void> partition_manager::open_all(const cluster::topic_table& topics, const recovery_state& recovery) {
  const auto& rp = recovery.recovery_points;
  const auto& ls = recovery.log_starts;
  for (const auto* topic : topics.list()) {
    for (int32_t i = 0; i < topic->partition_count; ++i) {
      if (!owns_(topic->name, i)) continue;
      storage::open_options opts;
      opts.clean_shutdown = recovery.clean_start;
      auto key = std::make_pair(topic->name, i);
      if (auto it = rp.find(key); it != rp.end()) opts.recovery_point = it->second;
      if (auto it = ls.find(key); it != ls.end()) opts.log_start_offset = it->second;
      auto p = open_partition(*topic, i, opts);
      if (!p.ok()) return p.err();
      partitions_[key] = std::move(p).value();
    }
  }
  return {};
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
    if (!owns_(topic.name, i) || partitions_.count(key)) continue;
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

result<void> partition_manager::remove_partition(const std::string& topic, int32_t index) {
  auto it = partitions_.find(std::make_pair(topic, index));
  if (it == partitions_.end()) return {};
  it->second->notify_data();
  auto r = it->second->log->remove();
  if (!r.ok()) spdlog::error("removing {}-{}: {}", topic, index, r.err().message);
  partitions_.erase(it);
  return r;
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

void partition_manager::collect_checkpoints(storage::checkpoint_map& recovery_points,
                                            storage::checkpoint_map& log_starts) {
  for (auto& [key, p] : partitions_) {
    recovery_points[key] = p->log->recovery_point();
    log_starts[key] = p->log->log_start_offset();
  }
}

result<void> partition_manager::close_all() {
  // Each log's close is split around its syncs (partition_log::prepare_close): the writes happen
  // here, one log after another, and then every file and directory of the batch is synced on a
  // pool of threads, so the shutdown costs a few sync latencies per batch instead of ~5 per
  // partition in a row. Batches bound the descriptors held at once: a close request holds up to
  // four files of its log open, past any fd_cache limit. The caller writes the marker only after
  // every shard's syncs succeeded.
  constexpr size_t logs_per_batch = 1024;
  result<void> status;
  std::vector<partition*> all;
  all.reserve(partitions_.size());
  for (auto& [key, p] : partitions_) all.push_back(p.get());
  for (size_t first = 0; first < all.size(); first += logs_per_batch) {
    const size_t end = std::min(all.size(), first + logs_per_batch);
    std::vector<std::pair<partition*, storage::close_request>> closing;
    closing.reserve(end - first);
    for (size_t i = first; i < end; ++i) {
      partition* p = all[i];
      p->notify_data();
      auto req = p->log->prepare_close();
      if (!req.ok()) {
        spdlog::error("closing {}-{}: {}", p->topic, p->index, req.err().message);
        status = req.err();
        continue;
      }
      closing.emplace_back(p, std::move(req).value());
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
  }
  return status;  // an error: no clean marker, the next start recovers
}

}  // namespace sluice::broker
