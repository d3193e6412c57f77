// data_dir: reading checkpoints and the clean-shutdown marker at startup, writing them back.
#include "storage/data_dir.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "storage/file_names.h"

namespace sluice::storage {

namespace fn = file_names;

open_options data_dir_startup::options_for(const std::string& topic, int32_t partition) const {
  open_options o;
  o.clean_shutdown = clean_shutdown;
  if (auto it = recovery_points.find({topic, partition}); it != recovery_points.end())
    o.recovery_point = it->second;
  if (auto it = log_start_offsets.find({topic, partition}); it != log_start_offsets.end())
    o.log_start_offset = it->second;
  return o;
}

std::string data_dir::partition_path(std::string_view topic, int32_t partition) const {
  return fn::join(path_, fn::partition_dir(topic, partition));
}

result<data_dir_startup> data_dir::start() {
  data_dir_startup out;
  if (auto r = fs_.mkdir(path_); !r) return r.err();
  auto clean = clean_shutdown_marker_exists(fs_, path_);
  if (!clean) return clean.err();
  out.clean_shutdown = *clean;

  auto read_cp = [&](std::string_view name, checkpoint_map& into) -> result<void> {
    auto m = checkpoint_file(fs_, fn::join(path_, name)).read();
    if (m) {
      into = std::move(*m);
      return {};
    }
    if (m.err().code != errc::corruption) return m.err();
    spdlog::warn("storage: ignoring malformed checkpoint: {}", m.err().message);
    return {};
  };
  if (auto r = read_cp(fn::recovery_point_checkpoint, out.recovery_points); !r) return r.err();
  if (auto r = read_cp(fn::log_start_offset_checkpoint, out.log_start_offsets); !r) return r.err();

  auto names = fs_.list(path_);
  if (!names) return names.err();
  for (const auto& name : *names) {
    if (fn::is_delete_dir(name)) {
      spdlog::info("storage: removing leftover {}", fn::join(path_, name));
      if (auto r = fs_.remove_all(fn::join(path_, name)); !r) return r.err();
      continue;
    }
    if (auto p = fn::parse_partition_dir(name))
      out.partitions.push_back({p->topic, p->partition, fn::join(path_, name)});
  }
  std::sort(out.partitions.begin(), out.partitions.end(), [](const auto& a, const auto& b) {
    return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
  });
  if (out.clean_shutdown) {
    if (auto r = remove_clean_shutdown_marker(fs_, path_); !r) return r.err();
  }
  return out;
}

result<void> data_dir::write_checkpoints(const checkpoint_map& recovery_points,
                                         const checkpoint_map& log_start_offsets) {
  if (auto r = checkpoint_file(fs_, fn::join(path_, fn::recovery_point_checkpoint)).write(recovery_points);
      !r)
    return r;
  return checkpoint_file(fs_, fn::join(path_, fn::log_start_offset_checkpoint)).write(log_start_offsets);
}

result<void> data_dir::mark_clean_shutdown() { return write_clean_shutdown_marker(fs_, path_); }

}  // namespace sluice::storage
