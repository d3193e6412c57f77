// properties: a Java .properties parser following java.util.Properties.load's line rules.
#include "config/properties.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace sluice::config {

void properties::set(std::string key, std::string value, int line) {
  if (auto it = index_.find(key); it != index_.end()) {
    entries_[it->second].value = std::move(value);
    entries_[it->second].line = line;
    return;
  }
  index_.emplace(key, entries_.size());
  entries_.push_back(property_entry{std::move(key), std::move(value), line});
}

const property_entry* properties::find(std::string_view key) const {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

const std::string* properties::get(std::string_view key) const {
  const auto* e = find(key);
  return e ? &e->value : nullptr;
}

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\f'; }
bool is_eol(char c) { return c == '\n' || c == '\r'; }

error line_error(int line, const std::string& what) {
  return make_error(errc::invalid_argument, "line " + std::to_string(line) + ": " + what);
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// Reads the 4 hex digits of a \u escape at s[i..i+4).
bool read_hex4(std::string_view s, size_t i, uint32_t& out) {
  if (i + 4 > s.size()) return false;
  out = 0;
  for (size_t k = i; k < i + 4; ++k) {
    char c = s[k];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0) return false;
    out = out * 16 + static_cast<uint32_t>(d);
  }
  return true;
}

// Resolves escapes in a key or value (Java's loadConvert).
result<std::string> unescape(std::string_view s, int line) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != '\\' || i + 1 == s.size()) {
      out += c;
      continue;
    }
    c = s[++i];
    switch (c) {
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        uint32_t unit = 0;
        if (!read_hex4(s, i + 1, unit)) return line_error(line, "malformed \\uXXXX escape");
        i += 4;
        if (unit >= 0xd800 && unit <= 0xdbff) {
          uint32_t low = 0;
          if (i + 2 < s.size() && s[i + 1] == '\\' && s[i + 2] == 'u' && read_hex4(s, i + 3, low) &&
              low >= 0xdc00 && low <= 0xdfff) {
            i += 6;
            append_utf8(out, 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00));
            break;
          }
          return line_error(line, "unpaired surrogate in \\u escape");
        }
        if (unit >= 0xdc00 && unit <= 0xdfff) return line_error(line, "unpaired surrogate in \\u escape");
        append_utf8(out, unit);
        break;
      }
      default:
        out += c;
        break;
    }
  }
  return out;
}

}  // namespace

result<properties> parse_properties(std::string_view text) {
  properties props;
  size_t pos = 0;
  int line = 1;
  const size_t n = text.size();
  // Consumes one line terminator (\n, \r or \r\n) at pos, if any.
  auto consume_eol = [&] {
    if (pos >= n) return;
    if (text[pos] == '\r') {
      ++pos;
      if (pos < n && text[pos] == '\n') ++pos;
    } else if (text[pos] == '\n') {
      ++pos;
    } else {
      return;
    }
    ++line;
  };
  while (pos < n) {
    while (pos < n && is_blank(text[pos])) ++pos;
    if (pos >= n) break;
    if (is_eol(text[pos])) {
      consume_eol();
      continue;
    }
    if (text[pos] == '#' || text[pos] == '!') {  // a comment is never continued
      while (pos < n && !is_eol(text[pos])) ++pos;
      consume_eol();
      continue;
    }
    // Gather the logical line, joining natural lines that end in an odd number of backslashes.
    const int start_line = line;
    std::string logical;
    while (true) {
      size_t end = pos;
      while (end < n && !is_eol(text[end])) ++end;
      std::string_view natural = text.substr(pos, end - pos);
      size_t backslashes = 0;
      while (backslashes < natural.size() && natural[natural.size() - 1 - backslashes] == '\\') ++backslashes;
      pos = end;
      if (backslashes % 2 == 0) {
        logical.append(natural);
        consume_eol();
        break;
      }
      logical.append(natural.substr(0, natural.size() - 1));
      consume_eol();
      while (pos < n && is_blank(text[pos])) ++pos;
      if (pos >= n) break;
    }
    // Split key and value: the key ends at the first unescaped '=', ':' or blank.
    size_t key_len = 0;
    size_t value_start = logical.size();
    bool has_separator = false;
    bool escaped = false;
    for (; key_len < logical.size(); ++key_len) {
      char c = logical[key_len];
      if (!escaped && (c == '=' || c == ':')) {
        value_start = key_len + 1;
        has_separator = true;
        break;
      }
      if (!escaped && is_blank(c)) {
        value_start = key_len + 1;
        break;
      }
      escaped = c == '\\' ? !escaped : false;
    }
    while (value_start < logical.size()) {
      char c = logical[value_start];
      if (!is_blank(c)) {
        if (has_separator || (c != '=' && c != ':')) break;
        has_separator = true;
      }
      ++value_start;
    }
    auto key = unescape(std::string_view(logical).substr(0, key_len), start_line);
    if (!key) return key.err();
    auto value =
        unescape(std::string_view(logical).substr(std::min(value_start, logical.size())), start_line);
    if (!value) return value.err();
    props.set(std::move(key.value()), std::move(value.value()), start_line);
  }
  return props;
}

result<properties> load_properties_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int e = errno;
    return make_error(errc::io_error, path + ": " + std::strerror(e), e);
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return make_error(errc::io_error, path + ": read failed");
  auto parsed = parse_properties(buffer.str());
  if (!parsed) return make_error(parsed.err().code, path + ": " + parsed.err().message);
  return parsed;
}

}  // namespace sluice::config
