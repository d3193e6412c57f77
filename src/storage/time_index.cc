// time_index: in-memory sparse time index with append-only persistence.
#include "storage/time_index.h"

#include <algorithm>

#include <fmt/format.h>

#include "records/batch_header.h"
#include "storage/format_constants.h"

namespace sluice::storage {

using format::time_index_entry_size;

time_index::time_index(file_system& fs, std::string path, fd_cache* cache, int64_t base_offset,
                       size_t max_entries)
    : fs_(fs),
      file_(std::make_shared<lazy_file>(fs, std::move(path), open_mode::create, cache)),
      base_offset_(base_offset),
      max_entries_(max_entries) {}

result<void> time_index::load() {
  entries_.clear();
  persisted_ = 0;
  // Read through a temporary handle: a loaded index needs no descriptor until it is written.
  std::shared_ptr<file> f = file_->current();
  if (!f) {
    auto opened = fs_.open(file_->path(), open_mode::read_only);
    if (!opened) return opened.err();
    f = std::move(*opened);
  }
  auto sz = f->size();
  if (!sz) return sz.err();
  auto bad = [&](const std::string& why) {
    entries_.clear();
    return make_error(errc::corruption, fmt::format("time index {}: {}", file_->path(), why));
  };
  if (*sz % static_cast<int64_t>(time_index_entry_size) != 0)
    return bad(fmt::format("size {} is not a multiple of 12", *sz));
  const size_t n = static_cast<size_t>(*sz) / time_index_entry_size;
  if (n > max_entries_ + 1) return bad(fmt::format("{} entries exceed capacity {}", n, max_entries_));
  std::vector<uint8_t> buf(static_cast<size_t>(*sz));
  auto got = f->pread(buf, 0);
  if (!got) return got.err();
  if (*got != buf.size()) return bad("short read");
  entries_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* p = buf.data() + i * time_index_entry_size;
    entry e{records::load_be64(p), records::load_be32(p + 8)};
    if (e.relative_offset < 0 || e.timestamp < 0) return bad(fmt::format("negative field in entry {}", i));
    if (!entries_.empty() &&
        (e.timestamp <= entries_.back().timestamp || e.relative_offset <= entries_.back().relative_offset))
      return bad(fmt::format("entry {} does not increase", i));
    entries_.push_back(e);
  }
  persisted_ = n;
  return {};
}

void time_index::maybe_append(int64_t timestamp, int64_t offset, bool ignore_capacity) {
  if (timestamp < 0) return;
  if (!ignore_capacity && full()) return;
  const auto rel = static_cast<int32_t>(offset - base_offset_);
  if (!entries_.empty() && (timestamp <= entries_.back().timestamp || rel <= entries_.back().relative_offset))
    return;
  entries_.push_back(entry{timestamp, rel});
}

std::optional<time_index::entry> time_index::last() const {
  if (entries_.empty()) return std::nullopt;
  return entries_.back();
}

std::optional<time_index::entry> time_index::last_before(int64_t ts) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), ts,
                             [](const entry& e, int64_t v) { return e.timestamp < v; });
  if (it == entries_.begin()) return std::nullopt;
  return *std::prev(it);
}

result<void> time_index::flush() {
  if (persisted_ >= entries_.size()) return {};
  std::vector<uint8_t> buf((entries_.size() - persisted_) * time_index_entry_size);
  uint8_t* p = buf.data();
  for (size_t i = persisted_; i < entries_.size(); ++i, p += time_index_entry_size) {
    records::store_be64(p, entries_[i].timestamp);
    records::store_be32(p + 8, entries_[i].relative_offset);
  }
  auto f = file_->get();
  if (!f) return f.err();
  file_->note_write();
  auto r = (*f)->pwrite(buf, static_cast<int64_t>(persisted_ * time_index_entry_size));
  if (!r) return r;
  persisted_ = entries_.size();
  return {};
}

result<void> time_index::reset() {
  entries_.clear();
  persisted_ = 0;
  auto f = file_->get();
  if (!f) return f.err();
  file_->note_write();
  return (*f)->ftruncate(0);
}

}  // namespace sluice::storage
