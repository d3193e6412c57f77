// offset_index: in-memory sparse offset index with append-only persistence.
#include "storage/offset_index.h"

#include <algorithm>

#include <fmt/format.h>

#include "records/batch_header.h"
#include "storage/format_constants.h"

namespace sluice::storage {

using format::offset_index_entry_size;

offset_index::offset_index(file_system& fs, std::string path, fd_cache* cache, int64_t base_offset,
                           size_t max_entries)
    : fs_(fs),
      file_(std::make_shared<lazy_file>(fs, std::move(path), open_mode::create, cache)),
      base_offset_(base_offset),
      max_entries_(max_entries) {}

result<void> offset_index::load(int64_t log_size) {
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
    return make_error(errc::corruption, fmt::format("offset index {}: {}", file_->path(), why));
  };
  if (*sz % static_cast<int64_t>(offset_index_entry_size) != 0)
    return bad(fmt::format("size {} is not a multiple of 8", *sz));
  const size_t n = static_cast<size_t>(*sz) / offset_index_entry_size;
  if (n > max_entries_) return bad(fmt::format("{} entries exceed capacity {}", n, max_entries_));
  std::vector<uint8_t> buf(static_cast<size_t>(*sz));
  auto got = f->pread(buf, 0);
  if (!got) return got.err();
  if (*got != buf.size()) return bad("short read");
  entries_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* p = buf.data() + i * offset_index_entry_size;
    entry e{records::load_be32(p), records::load_be32(p + 4)};
    if (e.relative_offset < 0 || e.position < 0) return bad(fmt::format("negative field in entry {}", i));
    if (e.position >= log_size)
      return bad(fmt::format("entry {} position {} beyond log size {}", i, e.position, log_size));
    if (!entries_.empty() &&
        (e.relative_offset <= entries_.back().relative_offset || e.position <= entries_.back().position))
      return bad(fmt::format("entry {} does not increase", i));
    entries_.push_back(e);
  }
  persisted_ = n;
  return {};
}

void offset_index::append(int64_t offset, int64_t position) {
  entries_.push_back(entry{static_cast<int32_t>(offset - base_offset_), static_cast<int32_t>(position)});
}

offset_index::entry offset_index::floor_offset(int64_t offset) const {
  const int64_t rel = offset - base_offset_;
  auto it = std::upper_bound(entries_.begin(), entries_.end(), rel,
                             [](int64_t v, const entry& e) { return v < e.relative_offset; });
  return it == entries_.begin() ? entry{} : *std::prev(it);
}

offset_index::entry offset_index::floor_position(int64_t position) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), position,
                             [](int64_t v, const entry& e) { return v < e.position; });
  return it == entries_.begin() ? entry{} : *std::prev(it);
}

result<void> offset_index::flush() {
  if (persisted_ >= entries_.size()) return {};
  std::vector<uint8_t> buf((entries_.size() - persisted_) * offset_index_entry_size);
  uint8_t* p = buf.data();
  for (size_t i = persisted_; i < entries_.size(); ++i, p += offset_index_entry_size) {
    records::store_be32(p, entries_[i].relative_offset);
    records::store_be32(p + 4, entries_[i].position);
  }
  auto f = file_->get();
  if (!f) return f.err();
  file_->note_write();
  auto r = (*f)->pwrite(buf, static_cast<int64_t>(persisted_ * offset_index_entry_size));
  if (!r) return r;
  persisted_ = entries_.size();
  return {};
}

result<void> offset_index::reset() {
  entries_.clear();
  persisted_ = 0;
  auto f = file_->get();
  if (!f) return f.err();
  file_->note_write();
  return (*f)->ftruncate(0);
}

}  // namespace sluice::storage
