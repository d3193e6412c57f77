// `sluice produce` input parsing: one stdin line -> key, value and headers, following Kafka's
// console producer (parse.key, key.separator, parse.headers, headers.*, null.marker).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace sluice::cli {

struct line_format {
  bool parse_key = false;
  std::string key_separator = "\t";
  bool parse_headers = false;
  std::string headers_delimiter = "\t";  // ends the headers part of the line
  std::string headers_separator = ",";   // between headers
  std::string headers_key_separator = ":";
  std::optional<std::string> null_marker;  // a key/value/header value equal to it becomes null
};

using header_list = std::vector<std::pair<std::string, std::optional<std::string>>>;

struct parsed_record {
  std::optional<std::string> key;
  std::optional<std::string> value;
  header_list headers;
};

// Applies one --property k=v of the console producer. Unknown keys are usage errors.
result<void> apply_producer_property(line_format& f, std::string_view key, std::string_view value);

// Splits a line (without its newline). Line format with both parse options on:
//   h1:v1,h2:v2<headers.delimiter>key<key.separator>value
// Errors (errc::invalid_argument) when an expected separator is missing.
result<parsed_record> parse_line(std::string_view line, const line_format& f);

// Parses a --header k=v flag into a header (value may be empty; "k" alone means a null value).
result<std::pair<std::string, std::optional<std::string>>> parse_header_flag(std::string_view text);

}  // namespace sluice::cli
