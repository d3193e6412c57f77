// partition_manager: lifecycle of the hosted partition logs and the data directory checkpoints.
#include "broker/partition_manager.h"

#include <spdlog/spdlog.h>

#include "storage/checkpoint_file.h"
#include "storage/file_names.h"

namespace sluice::broker {
namespace fn = storage::file_names;

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
  for (int32_t i = first; i < topic.partition_count; ++i) {
    auto key = std::make_pair(topic.name, i);
    if (partitions_.count(key)) continue;
    auto p = open_partition(topic, i, opts);
    if (!p.ok()) return p.err();
    partitions_[key] = std::move(p).value();
  }
  return {};
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
  result<void> status;
  for (auto& [key, p] : partitions_) {
    p->notify_data();
    if (auto r = p->log->close(); !r.ok()) {
      spdlog::error("closing {}-{}: {}", key.first, key.second, r.err().message);
      status = r;
    }
  }
  if (!status.ok()) return status;  // no clean marker: the next start recovers
  if (auto r = write_checkpoints(); !r.ok()) return r;
  return storage::write_clean_shutdown_marker(fs_, data_dir_);
}

}  // namespace sluice::broker
