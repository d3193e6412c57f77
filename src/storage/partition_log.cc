// partition_log: the append and read paths, group-commit hooks and accessors.
#include "storage/partition_log.h"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "records/batch_header.h"
#include "storage/file_names.h"
#include "storage/format_constants.h"
#include "storage/producer_snapshot.h"
#include "storage/record_scan.h"

namespace sluice::storage {

namespace L = records::batch_layout;

namespace {

// Stands in a sync request for a dirty file that could not be opened again (EMFILE, EIO), so that
// the request's sync fails with that error instead of vouching for data it did not sync.
class unopenable_file final : public file {
 public:
  unopenable_file(std::string path, error e) : path_(std::move(path)), error_(std::move(e)) {}
  int fd() const override { return -1; }
  const std::string& path() const override { return path_; }
  result<size_t> pread(std::span<uint8_t>, int64_t) override { return error_; }
  result<void> pwritev(std::span<const std::span<const uint8_t>>, int64_t) override { return error_; }
  result<void> fdatasync() override { return error_; }
  result<void> ftruncate(int64_t) override { return error_; }
  result<int64_t> size() override { return error_; }

 private:
  std::string path_;
  error error_;
};

}  // namespace

const char* to_string(append_errc c) {
  switch (c) {
    case append_errc::out_of_order_sequence:
      return "out_of_order_sequence";
    case append_errc::invalid_producer_epoch:
      return "invalid_producer_epoch";
    case append_errc::unknown_producer_id:
      return "unknown_producer_id";
    case append_errc::record_too_large:
      return "record_too_large";
    case append_errc::invalid_record:
      return "invalid_record";
    case append_errc::no_space:
      return "no_space";
    case append_errc::io_error:
      return "io_error";
    case append_errc::closed:
      return "closed";
  }
  return "unknown";
}

append_error to_append_error(const error& e) {
  switch (e.code) {
    case errc::no_space:
      return append_error{append_errc::no_space, e.message, e.sys_errno};
    case errc::shutting_down:
      return append_error{append_errc::closed, e.message, e.sys_errno};
    default:
      return append_error{append_errc::io_error, e.message, e.sys_errno};
  }
}

partition_log::partition_log(file_system& fs, clock& clk, std::string dir, log_config config)
    : fs_(fs),
      clock_(clk),
      dir_(std::move(dir)),
      config_(config),
      producers_(config.reject_unknown_producer_sequence),
      epochs_(fs, dir_) {}

partition_log::~partition_log() = default;

int64_t partition_log::size_bytes() const {
  int64_t total = 0;
  for (const auto& [base, seg] : segments_) total += seg->size();
  return total;
}

std::vector<int64_t> partition_log::segment_base_offsets() const {
  std::vector<int64_t> out;
  for (const auto& [base, seg] : segments_) out.push_back(base);
  return out;
}

std::map<int64_t, std::unique_ptr<segment>>::iterator partition_log::segment_for(int64_t offset) {
  auto it = segments_.upper_bound(offset);
  if (it != segments_.begin()) --it;
  return it;
}

void partition_log::add_dirty(const std::shared_ptr<lazy_file>& f) {
  if (!f || !f->unsynced()) return;
  pristine_ = false;  // a write close() must make durable
  if (std::find(dirty_.begin(), dirty_.end(), f) == dirty_.end()) dirty_.push_back(f);
}

void partition_log::add_dirty(const std::shared_ptr<file>& f) {
  if (!f) return;
  pristine_ = false;
  if (std::find(dirty_open_.begin(), dirty_open_.end(), f) == dirty_open_.end()) dirty_open_.push_back(f);
}

void partition_log::set_config(const log_config& config) {
  config_ = config;
  producers_.set_reject_unknown_producer_sequence(config_.reject_unknown_producer_sequence);
  for (auto& [base, seg] : segments_) seg->set_index_config(limits(), config_.index_interval_bytes);
}

// --- append --------------------------------------------------------------------------------------

append_result partition_log::append(std::span<uint8_t> batch) {
  return do_append(batch, append_origin::client, -1);
}

append_result partition_log::append(std::span<uint8_t> batch, int32_t leader_epoch) {
  if (leader_epoch < 0)
    return append_error{append_errc::invalid_record, fmt::format("invalid leader epoch {}", leader_epoch)};
  return do_append(batch, append_origin::leader, leader_epoch);
}

append_result partition_log::append_as_follower(std::span<uint8_t> batch) {
  return do_append(batch, append_origin::follower, -1);
}

append_result partition_log::do_append(std::span<uint8_t> batch, append_origin origin, int32_t leader_epoch) {
  if (closed_) return append_error{append_errc::closed, dir_ + ": log is closed"};
  auto parsed = records::parse_batch_header(batch);
  if (!parsed || parsed->total_size() != batch.size() || parsed->magic != format::batch_magic ||
      parsed->batch_length < format::min_batch_length || parsed->last_offset_delta < 0)
    return append_error{append_errc::invalid_record, "append requires exactly one validated v2 batch"};
  records::batch_header h = *parsed;
  if (batch.size() > static_cast<size_t>(std::max(config_.max_message_bytes, 0)) ||
      static_cast<int64_t>(batch.size()) > std::min(config_.segment_bytes, format::max_segment_bytes))
    return append_error{append_errc::record_too_large,
                        fmt::format("batch of {} bytes exceeds max.message.bytes {} or segment.bytes {}",
                                    batch.size(), config_.max_message_bytes, config_.segment_bytes)};

  if (origin == append_origin::follower) {
    // The leader assigned the offsets; a follower only continues its log.
    if (h.base_offset != log_end_)
      return append_error{append_errc::invalid_record,
                          fmt::format("{}: follower batch base offset {} is not the log end offset {}", dir_,
                                      h.base_offset, log_end_)};
  } else if (h.producer_id >= 0) {
    auto check = producers_.check(h);
    if (auto* dup = std::get_if<producer_check_duplicate>(&check))
      return append_info{dup->original.first_offset, dup->original.last_offset, -1, log_start_, true};
    if (auto* err = std::get_if<append_error>(&check)) return *err;
  }

  const int64_t now = clock_.now_ms();
  if (origin != append_origin::follower) {
    h.base_offset = log_end_;
    records::set_base_offset(batch, h.base_offset);
  }
  if (origin == append_origin::leader) {
    records::set_partition_leader_epoch(batch, leader_epoch);
    h.partition_leader_epoch = leader_epoch;
  }
  // Kafka assigns the epoch before the write: the checkpoint never lacks an epoch the log has.
  if (origin != append_origin::client)
    if (auto r = maybe_assign_epoch(h.partition_leader_epoch, h.base_offset); !r)
      return to_append_error(r.err());
  int64_t log_append_time = -1;
  if (origin != append_origin::follower &&
      config_.message_timestamp_type == timestamp_type::log_append_time) {
    // Rewrites attributes + maxTimestamp and recomputes the CRC (the only pass over the bytes).
    records::set_log_append_time(batch, now);
    h.attributes = static_cast<int16_t>(h.attributes | records::batch_attr::log_append_time);
    h.max_timestamp = now;
    log_append_time = now;
  }

  if (auto r = maybe_roll(h, batch.size(), now); !r) return to_append_error(r.err());
  segment& seg = active();
  if (auto r = seg.append(h, batch); !r) return to_append_error(r.err());
  add_dirty(seg.log_file());
  producers_.apply(h);
  log_end_ = h.last_offset() + 1;
  unflushed_messages_ += static_cast<int64_t>(h.last_offset_delta) + 1;
  return append_info{h.base_offset, h.last_offset(), log_append_time, log_start_, false};
}

result<void> partition_log::maybe_roll(const records::batch_header& h, size_t batch_size, int64_t now_ms) {
  segment& seg = active();
  if (seg.empty()) return {};
  const int64_t max_bytes = std::min(config_.segment_bytes, format::max_segment_bytes);
  bool roll_now = seg.size() + static_cast<int64_t>(batch_size) > max_bytes;
  // segment.ms, Kafka's rule: time since the segment's first batch timestamp, measured with the
  // incoming batch's timestamp; the segment's creation time if it has no timestamp.
  const int64_t first_ts = seg.first_batch_timestamp();
  const int64_t waited = first_ts >= 0 ? h.max_timestamp - first_ts : now_ms - seg.created_ms();
  roll_now = roll_now || waited > config_.segment_ms;
  roll_now = roll_now || seg.indexes_full();
  roll_now = roll_now || h.last_offset() - seg.base_offset() > format::max_relative_offset;
  if (!roll_now) return {};
  return roll(now_ms);
}

result<void> partition_log::roll(int64_t now_ms) {
  segment& old = active();
  if (auto r = old.seal(); !r) return r;
  add_dirty(old.log_file());
  add_dirty(old.index_file());
  add_dirty(old.time_index_file());
  old.release_index_files();  // the next sync opens them again just for itself (prepare_sync)
  if (auto r = take_snapshot(log_end_, /*sync=*/false); !r) return r;
  auto seg = segment::create(fs_, dir_, log_end_, limits(), config_.index_interval_bytes, now_ms, fds_);
  if (!seg) return seg.err();
  segments_.emplace(log_end_, std::move(*seg));
  return {};
}

result<void> partition_log::take_snapshot(int64_t offset, bool sync) {
  const std::string path = file_names::join(dir_, file_names::snapshot_file(offset));
  auto f = write_producer_snapshot(fs_, path, offset, producers_, sync);
  if (!f) return f.err();
  // Not kept open: prepare_sync opens it again if the cache closed it meanwhile.
  if (!sync)
    add_dirty(std::make_shared<lazy_file>(fs_, path, open_mode::read_write, fds_, std::move(*f),
                                          /*unsynced=*/true));
  return {};
}

// --- read ----------------------------------------------------------------------------------------

result<read_result> partition_log::read(int64_t offset, size_t max_bytes, int64_t max_offset_exclusive,
                                        bool min_one_batch) {
  if (closed_) return make_error(errc::shutting_down, dir_ + ": log is closed");
  if (offset < log_start_ || offset > log_end_)
    return make_error(errc::out_of_range,
                      fmt::format("{}: offset {} outside [{}, {}]", dir_, offset, log_start_, log_end_));
  read_result out;
  const int64_t limit = std::min(max_offset_exclusive, log_end_);
  if (offset >= limit) return out;
  size_t budget = max_bytes;
  int64_t cur = offset;
  for (auto it = segment_for(offset); it != segments_.end(); ++it) {
    segment& seg = *it->second;
    auto loc = seg.find_batch(cur);
    if (!loc) return loc.err();
    if (!*loc) continue;  // nothing at or after cur here: the next segment starts later
    const auto& first = **loc;
    if (first.header.base_offset >= limit || first.header.last_offset() >= limit) break;
    const int64_t start = first.position;
    int64_t end = seg.size();
    auto next = std::next(it);
    const bool limit_in_segment = next == segments_.end() || limit < next->first;
    if (limit_in_segment && limit < log_end_) {
      // Batches containing `limit` or later are not returned.
      auto lim = seg.find_batch(limit);
      if (!lim) return lim.err();
      if (*lim) end = (*lim)->position;
    }
    if (end <= start) break;
    if (out.first_offset < 0) out.first_offset = first.header.base_offset;
    auto lf = seg.share_log();  // open: find_batch just read it
    if (!lf) return lf.err();
    if (static_cast<size_t>(end - start) <= budget) {
      const int fd = (*lf)->fd();
      out.slices.push_back(file_slice{std::move(*lf), fd, start, static_cast<size_t>(end - start)});
      out.size_bytes += static_cast<size_t>(end - start);
      budget -= static_cast<size_t>(end - start);
      // Stop at the offset limit; otherwise carry on into the next segment.
      if (end < seg.size() || limit_in_segment) break;
      cur = next->first;
      continue;
    }
    auto boundary = seg.last_boundary_within(start, start + static_cast<int64_t>(budget));
    if (!boundary) return boundary.err();
    int64_t stop = *boundary;
    if (stop == start && min_one_batch && out.size_bytes == 0)
      stop = start + static_cast<int64_t>(first.header.total_size());
    if (stop > start) {
      const int fd = (*lf)->fd();
      out.slices.push_back(file_slice{std::move(*lf), fd, start, static_cast<size_t>(stop - start)});
      out.size_bytes += static_cast<size_t>(stop - start);
    }
    if (out.size_bytes == 0) out.first_offset = -1;
    break;
  }
  return out;
}

// --- timestamps ----------------------------------------------------------------------------------

result<std::optional<timestamp_and_offset>> partition_log::offset_for_timestamp(int64_t ts) {
  if (closed_) return make_error(errc::shutting_down, dir_ + ": log is closed");
  for (auto& [base, seg] : segments_) {
    if (seg->needs_index_rebuild()) {
      if (auto r = seg->ensure_indexes(); !r) return r.err();
    }
    if (seg->max_timestamp() < ts) continue;
    auto loc = seg->find_timestamp(ts);
    if (!loc) return loc.err();
    if (!*loc) continue;
    const auto& h = (*loc)->header;
    timestamp_and_offset found{h.max_timestamp, h.base_offset};
    if (!h.has_log_append_time() && h.codec() == records::compression::none) {
      auto bytes = seg->read_batch(**loc);
      if (!bytes) return bytes.err();
      if (auto rec = first_record_at_or_after(*bytes, ts))
        found = timestamp_and_offset{rec->timestamp, rec->offset};
    }
    found.offset = std::max(found.offset, log_start_);
    return std::optional<timestamp_and_offset>(found);
  }
  return std::optional<timestamp_and_offset>{};
}

result<timestamp_and_offset> partition_log::max_timestamp_and_offset() {
  if (closed_) return make_error(errc::shutting_down, dir_ + ": log is closed");
  segment* best = nullptr;
  for (auto& [base, seg] : segments_) {
    if (seg->needs_index_rebuild()) {
      if (auto r = seg->ensure_indexes(); !r) return r.err();
    }
    if (seg->max_timestamp() >= 0 && (!best || seg->max_timestamp() > best->max_timestamp()))
      best = seg.get();
  }
  if (!best) return timestamp_and_offset{};
  timestamp_and_offset out{best->max_timestamp(), best->offset_of_max_timestamp()};
  auto loc = best->find_batch(out.offset);
  if (!loc) return loc.err();
  if (*loc && !(*loc)->header.has_log_append_time() && (*loc)->header.codec() == records::compression::none) {
    auto bytes = best->read_batch(**loc);
    if (!bytes) return bytes.err();
    if (auto rec = first_record_at_or_after(*bytes, out.timestamp)) out.offset = rec->offset;
  }
  return out;
}

// --- durability ----------------------------------------------------------------------------------

sync_request partition_log::prepare_sync() {
  // The active segment's index entries go out with the data they describe, so a recovery point
  // also vouches for the indexes of the segments below it (docs/formats/index.md).
  segment& a = active();
  if (a.indexes_dirty()) {
    if (auto r = a.flush_indexes(); r) {
      add_dirty(a.index_file());
      add_dirty(a.time_index_file());
    } else {
      spdlog::warn("storage: writing indexes of {}: {}", a.log_path(), r.err().message);
    }
  }
  sync_request req;
  req.files = std::move(dirty_open_);
  dirty_open_.clear();
  std::vector<std::shared_ptr<lazy_file>> failed;
  for (auto& f : dirty_) {
    // Closed by the fd_cache since it was written: fdatasync through a new descriptor of the same
    // file flushes its dirty pages too (Linux syncs the inode, whichever descriptor asks), and a
    // writeback error not yet reported to anyone is reported to it (Linux >= 4.16, errseq_t).
    auto h = f->share_transient();
    if (h) {
      req.files.push_back(std::move(*h));
      f->clear_unsynced();
    } else if (h.err().code != errc::not_found) {
      // The sync fails with this error (so nobody is told the offset is durable) and the file
      // stays dirty for the next one.
      req.files.push_back(std::make_shared<unopenable_file>(f->path(), h.err()));
      failed.push_back(std::move(f));
    }
    // not_found: renamed or deleted (retention, a cleaner swap, an old snapshot): its bytes are
    // no longer part of the log, so there is nothing to make durable.
  }
  dirty_ = std::move(failed);
  req.offset = log_end_;
  unflushed_messages_ = 0;
  last_flush_ms_ = clock_.now_ms();
  return req;
}

void partition_log::mark_synced(int64_t offset) {
  recovery_point_ = std::max(recovery_point_, std::min(offset, log_end_));
}

bool partition_log::flush_due() const {
  if (unflushed_messages_ == 0) return false;
  return unflushed_messages_ >= config_.flush_messages ||
         clock_.now_ms() - last_flush_ms_ >= config_.flush_ms;
}

void partition_log::requeue_unsynced(const std::vector<std::shared_ptr<file>>& files, size_t first) {
  for (size_t i = first; i < files.size(); ++i) {
    // A stand-in for a file that could not be opened is not a file: its lazy_file is still dirty.
    if (dynamic_cast<const unopenable_file*>(files[i].get()) == nullptr) add_dirty(files[i]);
  }
}

result<void> partition_log::flush() {
  sync_request req = prepare_sync();
  for (size_t i = 0; i < req.files.size(); ++i) {
    if (auto r = req.files[i]->fdatasync(); !r) {
      requeue_unsynced(req.files, i);
      return r;
    }
  }
  mark_synced(req.offset);
  return {};
}

}  // namespace sluice::storage
