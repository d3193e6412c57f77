// `sluice produce --topic t`: stdin lines -> records, with a delivery summary on stderr.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "cli/common.h"
#include "cli/line_parser.h"

namespace sluice::cli {

struct produce_options {
  common_options common;
  std::string topic;
  int partition = -1;                     // -1: librdkafka's partitioner
  std::string key_separator;              // --key-separator: turns on key parsing
  std::vector<std::string> properties;    // --property k=v (console producer)
  std::vector<std::string> header_flags;  // --header k=v, added to every record
  std::string compression = "none";
  std::string acks = "all";
  bool idempotent = false;
  int linger_ms = -1;       // -1: librdkafka default
  int timeout_ms = 30'000;  // delivery timeout per message (message.timeout.ms)
  bool quiet = false;       // no summary line

  // Resolved by finalize_produce_options.
  line_format format;
  header_list headers;
};

void configure_produce_app(CLI::App& app, produce_options& o);
result<void> finalize_produce_options(produce_options& o);
int run_produce(const produce_options& o);

}  // namespace sluice::cli
