// leader_epoch_cache: Kafka's leader epoch cache semantics and its checkpoint file.
#include "storage/leader_epoch_cache.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "storage/file_names.h"
#include "storage/format_constants.h"

namespace sluice::storage {

namespace {

template <class T>
bool parse_int(std::string_view s, T& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

error malformed(std::string_view why) {
  return make_error(errc::corruption, fmt::format("leader-epoch-checkpoint: {}", why));
}

}  // namespace

std::string format_leader_epoch_checkpoint(const std::vector<epoch_entry>& entries) {
  std::string out = fmt::format("{}\n{}\n", format::checkpoint_version, entries.size());
  for (const auto& e : entries) out += fmt::format("{} {}\n", e.epoch, e.start_offset);
  return out;
}

result<std::vector<epoch_entry>> parse_leader_epoch_checkpoint(std::string_view text) {
  if (static_cast<int64_t>(text.size()) > leader_epoch_checkpoint_max_bytes)
    return malformed("file too large");
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    auto nl = text.find('\n');
    // Kafka reads lines with BufferedReader.readLine: a last line without '\n' is still a line.
    if (nl == std::string_view::npos) nl = text.size();
    lines.push_back(text.substr(0, nl));
    text.remove_prefix(std::min(nl + 1, text.size()));
    if (lines.size() > leader_epoch_checkpoint_max_entries + 2) return malformed("too many lines");
  }
  if (lines.size() < 2) return malformed("missing version or count line");
  int version = -1;
  if (!parse_int(lines[0], version) || version != format::checkpoint_version)
    return malformed(fmt::format("unsupported version line '{}'", lines[0]));
  int64_t count = -1;
  if (!parse_int(lines[1], count) || count < 0 ||
      static_cast<size_t>(count) > leader_epoch_checkpoint_max_entries)
    return malformed(fmt::format("bad count line '{}'", lines[1]));
  if (static_cast<size_t>(count) != lines.size() - 2)
    return malformed(fmt::format("count {} but {} entry lines", count, lines.size() - 2));
  std::vector<epoch_entry> out;
  out.reserve(static_cast<size_t>(count));
  for (size_t i = 2; i < lines.size(); ++i) {
    const std::string_view l = lines[i];
    const auto sp = l.find(' ');
    epoch_entry e;
    if (sp == std::string_view::npos || !parse_int(l.substr(0, sp), e.epoch) ||
        !parse_int(l.substr(sp + 1), e.start_offset) || e.epoch < 0 || e.start_offset < 0)
      return malformed(fmt::format("malformed line '{}'", l));
    if (!out.empty() && (e.epoch <= out.back().epoch || e.start_offset <= out.back().start_offset))
      return malformed(fmt::format("line '{}' does not increase", l));
    out.push_back(e);
  }
  return out;
}

leader_epoch_cache::leader_epoch_cache(file_system& fs, std::string dir)
    : fs_(fs), path_(file_names::join(dir, leader_epoch_checkpoint_name)) {}

result<bool> leader_epoch_cache::load() {
  entries_.clear();
  auto f = fs_.open(path_, open_mode::read_only);
  if (!f) {
    if (f.err().code == errc::not_found) return false;
    return f.err();
  }
  auto sz = (*f)->size();
  if (!sz) return sz.err();
  if (*sz > leader_epoch_checkpoint_max_bytes) {
    spdlog::warn("storage: {}: {} bytes is too large for a leader epoch checkpoint; rebuilding it", path_,
                 *sz);
    return false;
  }
  std::string text(static_cast<size_t>(*sz), '\0');
  auto got = (*f)->pread(std::span<uint8_t>(reinterpret_cast<uint8_t*>(text.data()), text.size()), 0);
  if (!got) return got.err();
  text.resize(*got);
  auto parsed = parse_leader_epoch_checkpoint(text);
  if (!parsed) {
    spdlog::warn("storage: {}: {}; rebuilding it from the log", path_, parsed.err().message);
    return false;
  }
  entries_ = std::move(*parsed);
  return true;
}

result<void> leader_epoch_cache::persist() const {
  const std::string text = format_leader_epoch_checkpoint(entries_);
  const std::string tmp = file_names::tmp(path_);
  auto f = fs_.open(tmp, open_mode::create_truncate);
  if (!f) return f.err();
  if (auto r = (*f)->pwrite(
          std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()), 0);
      !r)
    return r;
  if (auto r = (*f)->fdatasync(); !r) return r;
  f->reset();
  if (auto r = fs_.rename(tmp, path_); !r) return r;
  return fs_.sync_dir(std::string(file_names::parent_dir(path_)));
}

bool leader_epoch_cache::assign(int32_t epoch, int64_t start_offset) {
  if (epoch < 0 || start_offset < 0) return false;
  if (!entries_.empty() && entries_.back().epoch == epoch && start_offset >= entries_.back().start_offset)
    return false;
  size_t removed = 0;
  while (!entries_.empty() &&
         (entries_.back().epoch >= epoch || entries_.back().start_offset >= start_offset)) {
    if (removed == 0 && entries_.back().start_offset != start_offset)
      spdlog::warn("storage: {}: epoch {} at {} replaces conflicting entry {} at {}", path_, epoch,
                   start_offset, entries_.back().epoch, entries_.back().start_offset);
    entries_.pop_back();
    ++removed;
  }
  entries_.push_back(epoch_entry{epoch, start_offset});
  return true;
}

bool leader_epoch_cache::truncate_from_end(int64_t end_offset) {
  if (end_offset < 0 || entries_.empty() || entries_.back().start_offset < end_offset) return false;
  while (!entries_.empty() && entries_.back().start_offset >= end_offset) entries_.pop_back();
  return true;
}

bool leader_epoch_cache::truncate_from_start(int64_t start_offset) {
  auto first_above = std::find_if(entries_.begin(), entries_.end(),
                                  [&](const epoch_entry& e) { return e.start_offset > start_offset; });
  if (first_above == entries_.begin()) return false;  // nothing at or below start_offset
  const epoch_entry last_below = *std::prev(first_above);
  if (first_above == std::next(entries_.begin()) && last_below.start_offset == start_offset) return false;
  entries_.erase(entries_.begin(), first_above);
  entries_.insert(entries_.begin(), epoch_entry{last_below.epoch, start_offset});
  return true;
}

bool leader_epoch_cache::clear() {
  if (entries_.empty()) return false;
  entries_.clear();
  return true;
}

epoch_end_offset leader_epoch_cache::end_offset_for(int32_t requested_epoch, int64_t log_end_offset) const {
  return leader_epoch_end_offset(entries_, requested_epoch, log_end_offset);
}

epoch_end_offset leader_epoch_end_offset(std::span<const epoch_entry> entries, int32_t requested_epoch,
                                         int64_t log_end_offset) {
  if (requested_epoch == -1) return {};
  if (!entries.empty() && entries.back().epoch == requested_epoch) return {requested_epoch, log_end_offset};
  // The first entry with epoch > requested (Kafka's higherEntry).
  auto higher = std::upper_bound(entries.begin(), entries.end(), requested_epoch,
                                 [](int32_t v, const epoch_entry& e) { return v < e.epoch; });
  if (higher == entries.end()) return {};
  if (higher == entries.begin()) return {requested_epoch, higher->start_offset};
  return {std::prev(higher)->epoch, higher->start_offset};
}

}  // namespace sluice::storage
