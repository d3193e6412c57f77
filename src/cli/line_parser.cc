// `sluice produce` input parsing: console-producer line format.
#include "cli/line_parser.h"

#include <fmt/core.h>

#include "cli/common.h"

namespace sluice::cli {

namespace {

std::optional<std::string> maybe_null(std::string_view s, const line_format& f) {
  if (f.null_marker && s == *f.null_marker) return std::nullopt;
  return std::string(s);
}

result<void> need_non_empty(std::string_view key, std::string_view value) {
  if (value.empty()) return usage_error(fmt::format("--property {} must not be empty", key));
  return {};
}

}  // namespace

result<void> apply_producer_property(line_format& f, std::string_view key, std::string_view value) {
  if (key == "parse.key" || key == "parse.headers") {
    auto b = parse_bool(key, value);
    if (!b) return b.err();
    (key == "parse.key" ? f.parse_key : f.parse_headers) = *b;
    return {};
  }
  std::string v = unescape(value);
  if (key == "null.marker") {
    f.null_marker = v;
    return {};
  }
  std::string* target = nullptr;
  if (key == "key.separator") target = &f.key_separator;
  if (key == "headers.delimiter") target = &f.headers_delimiter;
  if (key == "headers.separator") target = &f.headers_separator;
  if (key == "headers.key.separator") target = &f.headers_key_separator;
  if (target == nullptr) {
    return usage_error(
        fmt::format("unknown producer --property '{}' (known: parse.key, key.separator, parse.headers, "
                    "headers.delimiter, headers.separator, headers.key.separator, null.marker)",
                    key));
  }
  if (auto r = need_non_empty(key, v); !r) return r;
  *target = std::move(v);
  return {};
}

result<parsed_record> parse_line(std::string_view line, const line_format& f) {
  parsed_record rec;
  std::string_view rest = line;
  if (f.parse_headers) {
    auto d = rest.find(f.headers_delimiter);
    if (d == std::string_view::npos) {
      return usage_error(
          fmt::format("no headers delimiter '{}' found", escape_for_display(f.headers_delimiter)));
    }
    std::string_view hdrs = rest.substr(0, d);
    rest = rest.substr(d + f.headers_delimiter.size());
    while (!hdrs.empty()) {
      auto s = hdrs.find(f.headers_separator);
      std::string_view one = hdrs.substr(0, s);
      hdrs = s == std::string_view::npos ? std::string_view{} : hdrs.substr(s + f.headers_separator.size());
      if (one.empty()) continue;
      auto k = one.find(f.headers_key_separator);
      if (k == std::string_view::npos) {
        rec.headers.emplace_back(std::string(one), std::nullopt);
      } else {
        rec.headers.emplace_back(std::string(one.substr(0, k)),
                                 maybe_null(one.substr(k + f.headers_key_separator.size()), f));
      }
    }
  }
  if (f.parse_key) {
    auto k = rest.find(f.key_separator);
    if (k == std::string_view::npos) {
      return usage_error(fmt::format("no key separator '{}' found", escape_for_display(f.key_separator)));
    }
    rec.key = maybe_null(rest.substr(0, k), f);
    rest = rest.substr(k + f.key_separator.size());
  }
  rec.value = maybe_null(rest, f);
  return rec;
}

result<std::pair<std::string, std::optional<std::string>>> parse_header_flag(std::string_view text) {
  if (text.empty() || text.front() == '=') {
    return usage_error(fmt::format("--header expects key=value, got '{}'", text));
  }
  auto eq = text.find('=');
  if (eq == std::string_view::npos) return std::pair{std::string(text), std::optional<std::string>{}};
  return std::pair{std::string(text.substr(0, eq)),
                   std::optional<std::string>(std::string(text.substr(eq + 1)))};
}

}  // namespace sluice::cli
