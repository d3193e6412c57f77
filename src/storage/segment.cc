// segment: appends, header-only lookups, validation/recovery and index rebuilds of one segment.
#include "storage/segment.h"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "records/crc32c.h"
#include "storage/file_names.h"
#include "storage/format_constants.h"

namespace sluice::storage {

namespace L = records::batch_layout;

index_limits index_limits::from_bytes(int64_t segment_index_bytes) {
  const int64_t b = std::max<int64_t>(segment_index_bytes, 0);
  // At least one entry each, so a tiny setting still lets a segment hold batches.
  return index_limits{std::max<size_t>(1, static_cast<size_t>(b) / format::offset_index_entry_size),
                      std::max<size_t>(1, static_cast<size_t>(b) / format::time_index_entry_size)};
}

std::optional<std::string> check_batch_header(const records::batch_header& h, int64_t remaining,
                                              int64_t min_offset, int64_t segment_base) {
  if (h.batch_length < format::min_batch_length)
    return fmt::format("batch length {} below minimum {}", h.batch_length, format::min_batch_length);
  if (static_cast<int64_t>(h.total_size()) > remaining)
    return fmt::format("batch of {} bytes but only {} bytes left (torn write)", h.total_size(), remaining);
  if (h.magic != format::batch_magic) return fmt::format("magic {} is not 2", static_cast<int>(h.magic));
  if (h.last_offset_delta < 0) return fmt::format("negative last offset delta {}", h.last_offset_delta);
  if (h.base_offset < min_offset)
    return fmt::format("base offset {} below expected minimum {}", h.base_offset, min_offset);
  if (h.last_offset() - segment_base > format::max_relative_offset)
    return fmt::format("last offset {} too far from segment base {}", h.last_offset(), segment_base);
  return std::nullopt;
}

segment::segment(file_system& fs, std::string dir, int64_t base_offset, std::shared_ptr<file> log,
                 index_limits limits, int32_t index_interval_bytes, int64_t now_ms, fd_cache* cache)
    : fs_(fs),
      dir_(std::move(dir)),
      base_offset_(base_offset),
      // Unsynced from the start: whatever the .log holds beyond the recovery point (a restart
      // after a process crash) is made durable by the first sync or close that includes it.
      log_(std::make_shared<lazy_file>(fs, file_names::join(dir_, file_names::log_file(base_offset)),
                                       open_mode::read_write, cache, std::move(log), /*unsynced=*/true)),
      index_(fs, file_names::join(dir_, file_names::index_file(base_offset)), cache, base_offset,
             limits.max_offset_entries),
      time_index_(fs, file_names::join(dir_, file_names::time_index_file(base_offset)), cache, base_offset,
                  limits.max_time_entries),
      index_interval_(index_interval_bytes),
      next_offset_(base_offset),
      created_ms_(now_ms) {}

result<std::unique_ptr<segment>> segment::create(file_system& fs, const std::string& dir, int64_t base_offset,
                                                 index_limits limits, int32_t index_interval_bytes,
                                                 int64_t now_ms, fd_cache* cache) {
  const std::string log_path = file_names::join(dir, file_names::log_file(base_offset));
  auto log = fs.open(log_path, open_mode::create_exclusive);
  if (!log) return log.err();
  // Without its indexes the .log must not stay behind: a retried roll would find it in the way.
  auto undo = [&](const error& e) {
    (void)fs.unlink(log_path);
    return e;
  };
  // The (empty) index files are created now, so the segment is whole on disk, and closed again:
  // they are reopened by the first flush that has entries to write (offset_index::file_handle).
  auto idx = fs.open(file_names::join(dir, file_names::index_file(base_offset)), open_mode::create_truncate);
  if (!idx) return undo(idx.err());
  auto tidx =
      fs.open(file_names::join(dir, file_names::time_index_file(base_offset)), open_mode::create_truncate);
  if (!tidx) return undo(tidx.err());
  std::unique_ptr<segment> s(
      new segment(fs, dir, base_offset, std::move(*log), limits, index_interval_bytes, now_ms, cache));
  s->indexes_loaded_ = true;
  return s;
}

result<std::unique_ptr<segment>> segment::open(file_system& fs, const std::string& dir, int64_t base_offset,
                                               index_limits limits, int32_t index_interval_bytes,
                                               int64_t now_ms, fd_cache* cache) {
  const std::string idx_path = file_names::join(dir, file_names::index_file(base_offset));
  const std::string tidx_path = file_names::join(dir, file_names::time_index_file(base_offset));
  auto log = fs.open(file_names::join(dir, file_names::log_file(base_offset)), open_mode::read_write);
  if (!log) return log.err();
  auto idx_exists = fs.exists(idx_path);
  if (!idx_exists) return idx_exists.err();
  auto tidx_exists = fs.exists(tidx_path);
  if (!tidx_exists) return tidx_exists.err();
  auto log_size = (*log)->size();
  if (!log_size) return log_size.err();
  // The index files are not kept open (a partition's closed segments may be many): sizes by path,
  // and the last time-index entry through a temporary handle. A missing index is created by the
  // rebuild that needs_rebuild_ asks for.
  result<int64_t> tsize = int64_t{0};
  if (*tidx_exists) tsize = fs.size(tidx_path);
  if (!tsize) return tsize.err();

  std::unique_ptr<segment> s(
      new segment(fs, dir, base_offset, std::move(*log), limits, index_interval_bytes, now_ms, cache));
  s->size_ = *log_size;
  // An empty time index beside a non-empty log is as good as missing: a sealed segment always has
  // its final entry unless no batch carries a timestamp (then the rebuild is cheap and harmless).
  s->needs_rebuild_ = !*idx_exists || !*tidx_exists ||
                      *tsize % static_cast<int64_t>(format::time_index_entry_size) != 0 ||
                      (*tsize == 0 && *log_size > 0);
  // The last time-index entry is the segment's max timestamp (written when it was sealed).
  if (!s->needs_rebuild_ && *tsize >= static_cast<int64_t>(format::time_index_entry_size)) {
    uint8_t buf[format::time_index_entry_size];
    auto tidx = fs.open(tidx_path, open_mode::read_only);
    if (!tidx) return tidx.err();
    auto got = (*tidx)->pread(buf, *tsize - static_cast<int64_t>(sizeof buf));
    if (!got) return got.err();
    const int64_t ts = records::load_be64(buf);
    const int32_t rel = records::load_be32(buf + 8);
    if (*got == sizeof buf && ts >= 0 && rel >= 0) {
      s->max_ts_ = ts;
      s->offset_of_max_ts_ = base_offset + rel;
    } else {
      s->needs_rebuild_ = true;
    }
  }
  return s;
}

bool segment::indexes_full() const { return index_.full() || time_index_.full(); }

void segment::set_index_config(index_limits limits, int32_t index_interval_bytes) {
  index_.set_max_entries(limits.max_offset_entries);
  time_index_.set_max_entries(limits.max_time_entries);
  index_interval_ = index_interval_bytes;
}

void segment::update_max_timestamp(const records::batch_header& h) {
  if (h.max_timestamp > max_ts_) {
    max_ts_ = h.max_timestamp;
    offset_of_max_ts_ = h.base_offset;
  }
}

void segment::note_batch(const records::batch_header& h, int64_t position) {
  update_max_timestamp(h);
  // Kafka's rule: index a batch when more than index.interval.bytes were appended since the last
  // entry (so a segment's first batch is never indexed).
  if (bytes_since_index_ > index_interval_ && !index_.full() && !time_index_.full()) {
    index_.append(h.base_offset, position);
    time_index_.maybe_append(max_ts_, offset_of_max_ts_);
    bytes_since_index_ = 0;
  }
  if (position == 0) first_batch_ts_ = h.max_timestamp;
  const auto total = static_cast<int64_t>(h.total_size());
  bytes_since_index_ += total;
  size_ = position + total;
  next_offset_ = h.last_offset() + 1;
}

result<std::shared_ptr<file>> segment::share_log() { return log_->share(); }

std::string segment::log_path() const { return log_->path(); }

void segment::release_log_file() {
  // Only an empty segment (a non-empty one is left to the fd_cache, if any).
  if (size_ == 0) log_->close();
}

result<void> segment::append(const records::batch_header& h, std::span<const uint8_t> bytes) {
  auto lf = log();
  if (!lf) return lf.err();
  log_->note_write();
  auto r = (*lf)->pwrite(bytes, size_);
  if (!r) {
    // Undo a partial write so the file ends on a batch boundary again. If this fails too the
    // fragment stays beyond size_: later appends overwrite it, close() trims it, and recovery
    // would cut it after a crash.
    (void)(*lf)->ftruncate(size_);
    return r;
  }
  note_batch(h, size_);
  return {};
}

result<std::optional<records::batch_header>> segment::read_header(int64_t position) {
  if (size_ - position < static_cast<int64_t>(L::header_size)) return std::optional<records::batch_header>{};
  uint8_t buf[L::header_size];
  auto lf = log();
  if (!lf) return lf.err();
  auto got = (*lf)->pread(buf, position);
  if (!got) return got.err();
  if (*got < sizeof buf) return std::optional<records::batch_header>{};
  return records::parse_batch_header(buf);
}

namespace {
error bad_header(const std::string& path, int64_t pos, const std::string& why) {
  return make_error(errc::corruption, fmt::format("{} at position {}: {}", path, pos, why));
}
}  // namespace

result<std::optional<batch_location>> segment::find_batch(int64_t offset) {
  auto ok = ensure_indexes();
  if (!ok) return ok.err();
  int64_t pos = index_.floor_offset(offset).position;
  while (pos < size_) {
    auto h = read_header(pos);
    if (!h) return h.err();
    if (!*h) break;
    if ((*h)->batch_length < format::min_batch_length)
      return bad_header(log_path(), pos, "batch length too small");
    if ((*h)->last_offset() >= offset) return std::optional<batch_location>(batch_location{pos, **h});
    pos += static_cast<int64_t>((*h)->total_size());
  }
  return std::optional<batch_location>{};
}

result<int64_t> segment::last_boundary_within(int64_t from_pos, int64_t limit_pos) {
  auto ok = ensure_indexes();
  if (!ok) return ok.err();
  limit_pos = std::min(limit_pos, size_);
  int64_t pos = std::max<int64_t>(from_pos, index_.floor_position(limit_pos).position);
  while (pos < limit_pos) {
    auto h = read_header(pos);
    if (!h) return h.err();
    if (!*h) break;
    if ((*h)->batch_length < format::min_batch_length)
      return bad_header(log_path(), pos, "batch length too small");
    const int64_t end = pos + static_cast<int64_t>((*h)->total_size());
    if (end > limit_pos) break;
    pos = end;
  }
  return pos;
}

result<std::optional<batch_location>> segment::find_timestamp(int64_t ts) {
  auto ok = ensure_indexes();
  if (!ok) return ok.err();
  int64_t pos = 0;
  // By the time-index invariant every batch up to the entry's offset has maxTimestamp < ts.
  if (auto e = time_index_.last_before(ts)) {
    auto loc = find_batch(base_offset_ + e->relative_offset);
    if (!loc) return loc.err();
    if (*loc) pos = (*loc)->position;
  }
  while (pos < size_) {
    auto h = read_header(pos);
    if (!h) return h.err();
    if (!*h) break;
    if ((*h)->batch_length < format::min_batch_length)
      return bad_header(log_path(), pos, "batch length too small");
    if ((*h)->max_timestamp >= ts) return std::optional<batch_location>(batch_location{pos, **h});
    pos += static_cast<int64_t>((*h)->total_size());
  }
  return std::optional<batch_location>{};
}

result<void> segment::for_each_batch(int64_t from_offset,
                                     const std::function<void(const batch_location&)>& fn) {
  auto first = find_batch(from_offset);
  if (!first) return first.err();
  if (!*first) return {};
  int64_t pos = (*first)->position;
  while (pos < size_) {
    auto h = read_header(pos);
    if (!h) return h.err();
    if (!*h) break;
    if ((*h)->batch_length < format::min_batch_length)
      return bad_header(log_path(), pos, "batch length too small");
    fn(batch_location{pos, **h});
    pos += static_cast<int64_t>((*h)->total_size());
  }
  return {};
}

result<std::vector<uint8_t>> segment::read_batch(const batch_location& loc) {
  std::vector<uint8_t> buf(loc.header.total_size());
  auto lf = log();
  if (!lf) return lf.err();
  auto got = (*lf)->pread(buf, loc.position);
  if (!got) return got.err();
  if (*got != buf.size()) return bad_header(log_path(), loc.position, "batch extends past end of file");
  return buf;
}

result<segment_recovery> segment::recover(int64_t min_offset) { return scan(min_offset, /*validate=*/true); }

result<segment_recovery> segment::scan(int64_t min_offset, bool validate) {
  // Held, not borrowed: resetting the indexes below opens files through the cache, which must not
  // close this one under us.
  auto lf = share_log();
  if (!lf) return lf.err();
  file* const log_file = lf->get();
  auto fsz = log_file->size();
  if (!fsz) return fsz.err();
  const int64_t file_size = *fsz;
  wrote_indexes_ = true;  // reset() truncates the files
  if (auto r = index_.reset(); !r) return r.err();
  if (auto r = time_index_.reset(); !r) return r.err();
  max_ts_ = offset_of_max_ts_ = first_batch_ts_ = -1;
  bytes_since_index_ = 0;
  next_offset_ = base_offset_;

  // Validation reads whole batches, in large chunks; index rebuilds read headers only.
  constexpr size_t chunk = 1 << 20;
  std::vector<uint8_t> buf;
  int64_t buf_pos = 0;
  auto window = [&](int64_t pos, size_t n) -> result<std::span<const uint8_t>> {
    if (pos < buf_pos || pos + static_cast<int64_t>(n) > buf_pos + static_cast<int64_t>(buf.size())) {
      buf.resize(std::max(n, chunk));
      auto got = log_file->pread(buf, pos);
      if (!got) return got.err();
      buf.resize(*got);
      buf_pos = pos;
    }
    const auto off = static_cast<size_t>(pos - buf_pos);
    if (off + n > buf.size()) return std::span<const uint8_t>{};
    return std::span<const uint8_t>(buf.data() + off, n);
  };

  segment_recovery out;
  int64_t pos = 0;
  int64_t expected = std::max(min_offset, base_offset_);
  while (pos < file_size) {
    const int64_t remaining = file_size - pos;
    if (remaining < static_cast<int64_t>(L::header_size)) {
      out.reason = fmt::format("torn header: {} trailing bytes", remaining);
      break;
    }
    std::optional<records::batch_header> h;
    if (validate) {
      auto w = window(pos, L::header_size);
      if (!w) return w.err();
      h = records::parse_batch_header(*w);
    } else {
      uint8_t hb[L::header_size];
      auto got = log_file->pread(hb, pos);
      if (!got) return got.err();
      if (*got == sizeof hb) h = records::parse_batch_header(hb);
    }
    if (!h) {
      out.reason = "short read of header";
      break;
    }
    if (auto why = check_batch_header(*h, remaining, expected, base_offset_)) {
      out.reason = *why;
      break;
    }
    if (validate) {
      auto w = window(pos, h->total_size());
      if (!w) return w.err();
      if (w->size() != h->total_size()) {
        out.reason = "short read of batch";
        break;
      }
      const uint32_t crc = records::compute_crc(*w);
      if (crc != h->crc) {
        out.reason = fmt::format("CRC-32C mismatch (stored {:08x}, computed {:08x})", h->crc, crc);
        break;
      }
    }
    note_batch(*h, pos);
    expected = h->last_offset() + 1;
    pos += static_cast<int64_t>(h->total_size());
    ++out.batches;
  }
  out.valid_bytes = pos;
  out.truncated_bytes = file_size - pos;
  size_ = pos;
  // The final entry, as if sealed: the last entry then gives the segment's max timestamp.
  time_index_.maybe_append(max_ts_, offset_of_max_ts_, /*ignore_capacity=*/true);
  if (out.truncated_bytes > 0) {
    if (validate) {
      spdlog::warn("storage: truncating {} at position {}: dropping {} bytes ({})", log_path(), pos,
                   out.truncated_bytes, out.reason);
      log_->note_write();
      if (auto r = log_file->ftruncate(pos); !r) return r.err();
    } else {
      spdlog::warn("storage: index rebuild of {} stopped at position {} of {} ({}); later bytes unreadable",
                   log_path(), pos, file_size, out.reason);
    }
  }
  indexes_loaded_ = true;
  needs_rebuild_ = false;
  if (auto r = flush_indexes(); !r) return r.err();
  return out;
}

result<void> segment::ensure_indexes() {
  if (indexes_loaded_) return {};
  if (!needs_rebuild_) {
    auto a = index_.load(size_);
    auto b = a ? time_index_.load() : result<void>{};
    if (a && b) {
      indexes_loaded_ = true;
      const auto& all = index_.all();
      bytes_since_index_ = size_ - (all.empty() ? 0 : all.back().position);
      if (auto last = time_index_.last()) {
        max_ts_ = last->timestamp;
        offset_of_max_ts_ = base_offset_ + last->relative_offset;
      }
      return {};
    }
    const error& e = a ? b.err() : a.err();
    if (e.code != errc::corruption) return e;
    spdlog::warn("storage: rebuilding indexes of {}: {}", log_path(), e.message);
  } else {
    spdlog::info("storage: rebuilding missing or malformed indexes of {}", log_path());
  }
  auto r = scan(base_offset_, /*validate=*/false);
  if (!r) return r.err();
  return {};
}

result<void> segment::load_tail() {
  if (auto r = ensure_indexes(); !r) return r;
  const auto& all = index_.all();
  int64_t pos = all.empty() ? 0 : all.back().position;
  int64_t expected = all.empty() ? base_offset_ : base_offset_ + all.back().relative_offset;
  if (size_ > 0) {
    auto first = read_header(0);
    if (!first) return first.err();
    if (!*first) return bad_header(log_path(), 0, "torn first header");
    first_batch_ts_ = (*first)->max_timestamp;
  }
  while (pos < size_) {
    auto h = read_header(pos);
    if (!h) return h.err();
    if (!*h) return bad_header(log_path(), pos, "torn header at the tail");
    if (auto why = check_batch_header(**h, size_ - pos, expected, base_offset_))
      return bad_header(log_path(), pos, *why);
    update_max_timestamp(**h);
    next_offset_ = (*h)->last_offset() + 1;
    expected = next_offset_;
    pos += static_cast<int64_t>((*h)->total_size());
  }
  return {};
}

result<void> segment::seal() {
  if (auto r = ensure_indexes(); !r) return r;
  time_index_.maybe_append(max_ts_, offset_of_max_ts_, /*ignore_capacity=*/true);
  return flush_indexes();
}

result<void> segment::flush_indexes() {
  if (!indexes_loaded_) return {};
  if (indexes_dirty()) wrote_indexes_ = true;
  if (auto r = index_.flush(); !r) return r;
  return time_index_.flush();
}

void segment::release_index_files() {
  if (!index_.dirty()) index_.release_file();
  if (!time_index_.dirty()) time_index_.release_file();
}

result<void> segment::trim_to_size() {
  auto lf = log();
  if (!lf) return lf.err();
  auto sz = (*lf)->size();
  if (!sz) return sz.err();
  if (*sz > size_) {
    log_->note_write();
    return (*lf)->ftruncate(size_);
  }
  return {};
}

result<int64_t> segment::truncate_to(int64_t offset) {
  auto loc = find_batch(offset);
  if (!loc) return loc.err();
  const int64_t pos = *loc ? (*loc)->position : size_;
  {
    auto lf = share_log();
    if (!lf) return lf.err();
    auto fsz = (*lf)->size();
    if (!fsz) return fsz.err();
    if (*fsz > pos) {
      log_->note_write();
      if (auto r = (*lf)->ftruncate(pos); !r) return r.err();
    }
    // Durable before anyone is told the log ends here (also syncs earlier unsynced appends).
    if (auto r = (*lf)->fdatasync(); !r) return r.err();
  }
  size_ = pos;
  log_->close();  // a new handle from now on (see the header)
  auto r = scan(base_offset_, /*validate=*/false);
  if (!r) return r.err();
  return next_offset_;
}

result<std::vector<std::string>> segment::rename_to_deleted() {
  std::vector<std::string> out;
  for (const auto& name : {file_names::log_file(base_offset_), file_names::index_file(base_offset_),
                           file_names::time_index_file(base_offset_)}) {
    const std::string from = file_names::join(dir_, name);
    const std::string to = file_names::join(dir_, file_names::deleted(name));
    auto r = fs_.rename(from, to);
    if (!r) {
      if (r.err().code == errc::not_found) continue;
      return r.err();
    }
    out.push_back(to);
  }
  return out;
}

result<int64_t> segment::last_modified_ms() { return fs_.mtime_ms(log_path()); }

}  // namespace sluice::storage
