// `sluice consume` output formatting: Kafka console consumer's print.* properties, or a
// kcat-style --format template.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace sluice::cli {

struct output_format {
  bool print_timestamp = false;
  bool print_partition = false;
  bool print_offset = false;
  bool print_headers = false;
  bool print_key = false;
  bool print_value = true;
  std::string key_separator = "\t";  // between printed fields, as in Kafka
  std::string line_separator = "\n";
  std::string headers_separator = ",";
  std::string headers_key_separator = ":";
  std::string null_literal = "null";
  // --format template; when set, the print.* fields are ignored.
  std::optional<std::string> tmpl;
};

enum class timestamp_kind { none, create_time, log_append_time };

// A consumed record, borrowed from librdkafka's message for the duration of one format call.
struct record_view {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = -1;
  timestamp_kind ts_kind = timestamp_kind::none;
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  std::vector<std::pair<std::string_view, std::optional<std::string_view>>> headers;
};

// Applies one console-consumer --property k=v (print.key, print.value, print.timestamp,
// print.offset, print.partition, print.headers, key.separator, line.separator,
// headers.separator, headers.key.separator, null.literal). Unknown keys are usage errors.
result<void> apply_consumer_property(output_format& f, std::string_view key, std::string_view value);

// Validates a --format template (after unescaping). Directives: %s value, %S value length,
// %k key, %K key length, %t topic, %p partition, %o offset, %T timestamp ms, %h headers, %%.
result<void> check_template(std::string_view tmpl);

// Appends the formatted record (including the line separator in property mode) to out.
void format_record(const record_view& r, const output_format& f, std::string& out);

}  // namespace sluice::cli
