// `sluice consume --topic t`: prints records to stdout (console-consumer properties or a template).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "cli/common.h"
#include "cli/record_format.h"

namespace sluice::cli {

struct consume_options {
  common_options common;
  std::string topic;
  int partition = -1;  // -1: all partitions
  bool from_beginning = false;
  std::string offset;         // earliest|latest|N|-N
  int64_t max_messages = -1;  // -1: unlimited
  int timeout_ms = -1;        // exit after this long without a record; -1: never
  std::string format;         // --format template
  std::vector<std::string> properties;
  std::string isolation_level = "read_uncommitted";
  std::string group;  // consumer group: subscribe() instead of static partitions
  bool quiet = false;

  // Resolved by finalize_consume_options.
  output_format out;
  int64_t start_offset = -1;  // RD_KAFKA_OFFSET_END
};

void configure_consume_app(CLI::App& app, consume_options& o);
result<void> finalize_consume_options(consume_options& o);
int run_consume(const consume_options& o);

}  // namespace sluice::cli
