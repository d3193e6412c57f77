// Making and parsing of segment, index, snapshot, checkpoint and partition-directory names.
#include "storage/file_names.h"

#include <charconv>

#include <fmt/format.h>

#include "storage/format_constants.h"

namespace sluice::storage::file_names {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::optional<int64_t> parse_offset(std::string_view digits) {
  if (digits.size() != static_cast<size_t>(format::file_name_offset_digits)) return std::nullopt;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || p != digits.data() + digits.size() || v < 0) return std::nullopt;
  return v;
}

}  // namespace

std::string offset_name(int64_t offset) { return fmt::format("{:020d}", offset); }
std::string log_file(int64_t base_offset) { return offset_name(base_offset) + std::string(log_suffix); }
std::string index_file(int64_t base_offset) { return offset_name(base_offset) + std::string(index_suffix); }
std::string time_index_file(int64_t base_offset) {
  return offset_name(base_offset) + std::string(time_index_suffix);
}
std::string snapshot_file(int64_t offset) { return offset_name(offset) + std::string(snapshot_suffix); }
std::string deleted(std::string_view name) { return std::string(name) + std::string(deleted_suffix); }
std::string tmp(std::string_view name) { return std::string(name) + std::string(tmp_suffix); }
std::string cleaned(std::string_view name) { return std::string(name) + std::string(cleaned_suffix); }
std::string swap(std::string_view name) { return std::string(name) + std::string(swap_suffix); }

std::optional<int64_t> parse_log_swap(std::string_view name) {
  if (!ends_with(name, swap_suffix)) return std::nullopt;
  auto inner = parse(name.substr(0, name.size() - swap_suffix.size()));
  if (!inner || inner->kind != file_kind::log) return std::nullopt;
  return inner->offset;
}

std::optional<parsed_file> parse(std::string_view name) {
  // Leftovers are recognised by their final suffix whatever precedes it.
  if (ends_with(name, deleted_suffix)) return parsed_file{file_kind::deleted};
  if (ends_with(name, cleaned_suffix)) return parsed_file{file_kind::cleaned};
  if (ends_with(name, swap_suffix)) return parsed_file{file_kind::swap};
  if (ends_with(name, tmp_suffix)) return parsed_file{file_kind::tmp};
  struct kind_suffix {
    std::string_view suffix;
    file_kind kind;
  };
  static constexpr kind_suffix kinds[] = {{log_suffix, file_kind::log},
                                          {index_suffix, file_kind::index},
                                          {time_index_suffix, file_kind::time_index},
                                          {snapshot_suffix, file_kind::snapshot}};
  for (const auto& k : kinds) {
    if (!ends_with(name, k.suffix)) continue;
    auto off = parse_offset(name.substr(0, name.size() - k.suffix.size()));
    if (!off) return std::nullopt;
    return parsed_file{k.kind, *off};
  }
  return std::nullopt;
}

std::string partition_dir(std::string_view topic, int32_t partition) {
  return fmt::format("{}-{}", topic, partition);
}

std::optional<parsed_partition_dir> parse_partition_dir(std::string_view name) {
  if (is_delete_dir(name)) return std::nullopt;
  auto dash = name.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == name.size()) return std::nullopt;
  std::string_view digits = name.substr(dash + 1);
  int32_t p = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), p);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || p < 0) return std::nullopt;
  // Reject "+1", leading zeros ("07") so names round-trip exactly.
  if (digits.size() > 1 && digits[0] == '0') return std::nullopt;
  return parsed_partition_dir{std::string(name.substr(0, dash)), p};
}

std::string delete_dir(std::string_view partition_dir_name, uint64_t nonce) {
  return fmt::format("{}.{:016x}{}", partition_dir_name, nonce, delete_dir_suffix);
}

bool is_delete_dir(std::string_view name) {
  return ends_with(name, delete_dir_suffix) && name.find('.') != std::string_view::npos;
}

std::string join(std::string_view dir, std::string_view name) {
  std::string out(dir);
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  if (!out.empty() && out.back() != '/') out.push_back('/');
  out.append(name);
  return out;
}

std::string_view base_name(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view parent_dir(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace sluice::storage::file_names
