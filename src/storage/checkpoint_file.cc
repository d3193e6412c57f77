// checkpoint_file: parsing, formatting and atomic replacement of offset checkpoint files.
#include "storage/checkpoint_file.h"

#include <charconv>
#include <vector>

#include <fmt/format.h>

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

bool legal_topic(std::string_view t) {
  if (t.empty() || t.size() > 249) return false;
  for (char c : t)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '_' || c == '-'))
      return false;
  return true;
}

}  // namespace

std::string format_checkpoint(const checkpoint_map& offsets) {
  std::string out = fmt::format("{}\n{}\n", format::checkpoint_version, offsets.size());
  for (const auto& [tp, off] : offsets) out += fmt::format("{} {} {}\n", tp.first, tp.second, off);
  return out;
}

result<checkpoint_map> parse_checkpoint(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    auto nl = text.find('\n');
    if (nl == std::string_view::npos)
      return make_error(errc::corruption, "checkpoint: last line has no newline");
    lines.push_back(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  if (lines.size() < 2) return make_error(errc::corruption, "checkpoint: missing version or count line");
  int version = -1;
  if (!parse_int(lines[0], version) || version != format::checkpoint_version)
    return make_error(errc::corruption, fmt::format("checkpoint: unsupported version line '{}'", lines[0]));
  int32_t count = -1;
  if (!parse_int(lines[1], count) || count < 0)
    return make_error(errc::corruption, fmt::format("checkpoint: bad count line '{}'", lines[1]));
  if (static_cast<size_t>(count) != lines.size() - 2)
    return make_error(errc::corruption,
                      fmt::format("checkpoint: count {} but {} entry lines", count, lines.size() - 2));
  checkpoint_map out;
  for (size_t i = 2; i < lines.size(); ++i) {
    std::string_view l = lines[i];
    auto s1 = l.find(' ');
    auto s2 = s1 == std::string_view::npos ? s1 : l.find(' ', s1 + 1);
    int32_t partition = -1;
    int64_t offset = -1;
    if (s2 == std::string_view::npos || l.find(' ', s2 + 1) != std::string_view::npos ||
        !legal_topic(l.substr(0, s1)) || !parse_int(l.substr(s1 + 1, s2 - s1 - 1), partition) ||
        partition < 0 || !parse_int(l.substr(s2 + 1), offset) || offset < 0)
      return make_error(errc::corruption, fmt::format("checkpoint: malformed line '{}'", l));
    out[{std::string(l.substr(0, s1)), partition}] = offset;
  }
  return out;
}

result<checkpoint_map> checkpoint_file::read() const {
  auto f = fs_.open(path_, open_mode::read_only);
  if (!f) {
    if (f.err().code == errc::not_found) return checkpoint_map{};
    return f.err();
  }
  auto sz = (*f)->size();
  if (!sz) return sz.err();
  std::string text(static_cast<size_t>(*sz), '\0');
  auto got = (*f)->pread(std::span<uint8_t>(reinterpret_cast<uint8_t*>(text.data()), text.size()), 0);
  if (!got) return got.err();
  text.resize(*got);
  auto parsed = parse_checkpoint(text);
  if (!parsed) return make_error(errc::corruption, path_ + ": " + parsed.err().message);
  return parsed;
}

result<void> checkpoint_file::write(const checkpoint_map& offsets) const {
  const std::string text = format_checkpoint(offsets);
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

result<bool> clean_shutdown_marker_exists(file_system& fs, const std::string& data_dir) {
  return fs.exists(file_names::join(data_dir, file_names::clean_shutdown_marker));
}

result<void> write_clean_shutdown_marker(file_system& fs, const std::string& data_dir) {
  auto f = fs.open(file_names::join(data_dir, file_names::clean_shutdown_marker), open_mode::create_truncate);
  if (!f) return f.err();
  if (auto r = (*f)->fdatasync(); !r) return r;
  return fs.sync_dir(data_dir);
}

result<void> remove_clean_shutdown_marker(file_system& fs, const std::string& data_dir) {
  auto r = fs.unlink(file_names::join(data_dir, file_names::clean_shutdown_marker));
  if (!r && r.err().code != errc::not_found) return r;
  return fs.sync_dir(data_dir);
}

}  // namespace sluice::storage
