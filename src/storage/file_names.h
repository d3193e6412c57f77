// file_names: the only place where storage file and directory names are made and parsed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::storage::file_names {

inline constexpr std::string_view log_suffix = ".log";
inline constexpr std::string_view index_suffix = ".index";
inline constexpr std::string_view time_index_suffix = ".timeindex";
inline constexpr std::string_view snapshot_suffix = ".snapshot";
inline constexpr std::string_view deleted_suffix = ".deleted";
inline constexpr std::string_view cleaned_suffix = ".cleaned";
inline constexpr std::string_view swap_suffix = ".swap";
inline constexpr std::string_view tmp_suffix = ".tmp";
inline constexpr std::string_view delete_dir_suffix = "-delete";

// Files in the data directory root (docs/formats/checkpoint.md).
inline constexpr std::string_view recovery_point_checkpoint = "recovery-point-offset-checkpoint";
inline constexpr std::string_view log_start_offset_checkpoint = "log-start-offset-checkpoint";
inline constexpr std::string_view clean_shutdown_marker = ".clean_shutdown";
// The log cleaner's first dirty offset per partition (docs/formats/cleaner.md).
inline constexpr std::string_view cleaner_offset_checkpoint = "cleaner-offset-checkpoint";

// "00000000000000000042" (20 digits, zero padded). REQUIRES: offset >= 0.
std::string offset_name(int64_t offset);
std::string log_file(int64_t base_offset);
std::string index_file(int64_t base_offset);
std::string time_index_file(int64_t base_offset);
std::string snapshot_file(int64_t offset);
std::string deleted(std::string_view name);  // name + ".deleted"
std::string tmp(std::string_view name);      // name + ".tmp"
std::string cleaned(std::string_view name);  // name + ".cleaned"
std::string swap(std::string_view name);     // name + ".swap"
// The base offset of a "<20 digits>.log.swap" file (a cleaned segment being swapped in).
std::optional<int64_t> parse_log_swap(std::string_view name);

enum class file_kind { log, index, time_index, snapshot, deleted, cleaned, swap, tmp };

struct parsed_file {
  file_kind kind = file_kind::log;
  int64_t offset = -1;  // the 20-digit prefix; -1 for deleted/cleaned/swap/tmp leftovers
};
// Classifies a file name found in a partition directory; nullopt for anything unknown.
std::optional<parsed_file> parse(std::string_view name);

// "<topic>-<partition>".
std::string partition_dir(std::string_view topic, int32_t partition);
struct parsed_partition_dir {
  std::string topic;
  int32_t partition = 0;
};
// Parses "<topic>-<partition>" (the topic may itself contain '-'). nullopt for anything else,
// including directories being deleted.
std::optional<parsed_partition_dir> parse_partition_dir(std::string_view name);
// "<dir name>.<16 hex digits>-delete": where a removed partition directory is moved first.
std::string delete_dir(std::string_view partition_dir_name, uint64_t nonce);
bool is_delete_dir(std::string_view name);

// Joins a directory and a name with exactly one '/'.
std::string join(std::string_view dir, std::string_view name);
// The last component of a path.
std::string_view base_name(std::string_view path);
std::string_view parent_dir(std::string_view path);

}  // namespace sluice::storage::file_names
