// properties: Java .properties text (server.properties) parsed into ordered key/value entries.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sluice::config {

struct property_entry {
  std::string key;
  std::string value;
  int line = 0;  // line where the entry's logical line starts (1-based); 0 if not from text
};

// properties: entries in order of first appearance; setting a key again replaces its value (as in
// Java, the last occurrence in a file wins) and its line. Values are kept exactly as written
// (trailing whitespace included); trimming is the config layer's business, as in Kafka.
// Thread-compatible value type.
class properties {
 public:
  void set(std::string key, std::string value, int line = 0);
  const property_entry* find(std::string_view key) const;
  const std::string* get(std::string_view key) const;
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  std::vector<property_entry>::const_iterator begin() const { return entries_.begin(); }
  std::vector<property_entry>::const_iterator end() const { return entries_.end(); }

 private:
  std::vector<property_entry> entries_;
  std::map<std::string, size_t, std::less<>> index_;
};

// Parses the Java .properties syntax: `key=value`, `key: value`, `key value`; `#` and `!` comment
// lines; leading whitespace ignored; a line ending in an odd number of backslashes continues on
// the next line (whose leading whitespace is dropped); escapes \t \n \r \f \\ \uXXXX (surrogate
// pairs combine; the result is UTF-8) and `\x` for any other x means x. Input bytes are taken as
// UTF-8, not Java's ISO-8859-1. Errors (errc::invalid_argument) carry the 1-based line number.
result<properties> parse_properties(std::string_view text);

// Reads and parses a file; io_error (with errno) if it cannot be read. Error messages start with
// the path.
result<properties> load_properties_file(const std::string& path);

}  // namespace sluice::config
