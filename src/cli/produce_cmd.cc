// `sluice produce`: reads stdin lines, sends each as a record, reports delivery results.
#include "cli/produce_cmd.h"

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "cli/commands.h"
#include "cli/rk_handle.h"

namespace sluice::cli {

void configure_produce_app(CLI::App& app, produce_options& o) {
  app.description(
      "Send each stdin line as one record.\n"
      "  printf 'k1:v1\\nk2:v2\\n' | sluice produce --topic t --key-separator :\n"
      "Prints a summary to stderr; exits 1 if any record was not delivered.");
  add_common_options(app, o.common);
  app.add_option("-t,--topic", o.topic, "topic to write to")->required();
  app.add_option("-p,--partition", o.partition, "write every record to this partition");
  app.add_option("--key-separator", o.key_separator, "split each line into key SEP value (\\t allowed)");
  app.add_option("--property", o.properties,
                 "console producer property: parse.key, key.separator, parse.headers, "
                 "headers.delimiter, headers.separator, headers.key.separator, null.marker")
      ->allow_extra_args(false);
  app.add_option("-H,--header", o.header_flags, "header k=v added to every record (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--compression,--compression-codec", o.compression, "none|gzip|snappy|lz4|zstd")
      ->capture_default_str();
  app.add_option("--acks,--request-required-acks", o.acks, "0|1|all|-1")->capture_default_str();
  app.add_flag("--idempotent", o.idempotent, "enable the idempotent producer (needs acks=all)");
  app.add_option("--linger-ms", o.linger_ms, "batching delay (default librdkafka's 5 ms)");
  app.add_option("--timeout-ms", o.timeout_ms, "give up on a record after this long")->capture_default_str();
  app.add_flag("-q,--quiet", o.quiet, "do not print the summary line");
}

result<void> finalize_produce_options(produce_options& o) {
  if (o.topic.empty()) return usage_error("--topic must not be empty");
  if (o.partition < -1) return usage_error("--partition must be >= 0");
  if (auto r = check_compression(o.compression); !r) return r;
  auto acks = normalize_acks(o.acks);
  if (!acks) return acks.err();
  o.acks = *acks;
  if (o.idempotent && o.acks != "all") return usage_error("--idempotent requires --acks all");
  if (o.timeout_ms <= 0) return usage_error("--timeout-ms must be > 0");
  for (const auto& p : o.properties) {
    for (const auto& one : split_property_list(p)) {
      auto kv = parse_key_value(one);
      if (!kv) return kv.err();
      if (auto r = apply_producer_property(o.format, kv->first, kv->second); !r) return r;
    }
  }
  if (!o.key_separator.empty()) {
    o.format.parse_key = true;
    o.format.key_separator = unescape(o.key_separator);
  }
  for (const auto& h : o.header_flags) {
    auto hv = parse_header_flag(h);
    if (!hv) return hv.err();
    o.headers.push_back(std::move(*hv));
  }
  return {};
}

namespace {

constexpr int max_reported_errors = 5;

struct produce_stats {
  uint64_t sent = 0;       // accepted by produceva
  uint64_t delivered = 0;  // acknowledged (delivery report without error)
  uint64_t delivered_bytes = 0;
  uint64_t dr_failed = 0;  // delivery report with an error
  uint64_t failed = 0;     // every failure: bad lines, local produce errors, delivery errors
  int reported = 0;
};

void report_failure(produce_stats& s, const std::string& what) {
  ++s.failed;
  if (s.reported < max_reported_errors) {
    fmt::print(stderr, "sluice: {}\n", what);
  } else if (s.reported == max_reported_errors) {
    fmt::print(stderr, "sluice: (further failures are only counted)\n");
  }
  ++s.reported;
}

void add_header(std::vector<rd_kafka_vu_t>& vus, const std::string& name,
                const std::optional<std::string>& value) {
  rd_kafka_vu_t vu{};
  vu.vtype = RD_KAFKA_VTYPE_HEADER;
  vu.u.header.name = name.c_str();
  vu.u.header.val = value ? value->data() : nullptr;
  vu.u.header.size = value ? static_cast<ssize_t>(value->size()) : 0;
  vus.push_back(vu);
}

// Sends one record, waiting while librdkafka's queue is full. Returns false on a local failure.
bool send(rd_kafka_t* rk, rd_kafka_topic_t* rkt, const produce_options& o, parsed_record& rec,
          produce_stats& s, uint64_t line_no) {
  std::vector<rd_kafka_vu_t> vus;
  rd_kafka_vu_t vu{};
  vu.vtype = RD_KAFKA_VTYPE_RKT;
  vu.u.rkt = rkt;
  vus.push_back(vu);
  vu = {};
  vu.vtype = RD_KAFKA_VTYPE_PARTITION;
  vu.u.i32 = o.partition < 0 ? RD_KAFKA_PARTITION_UA : o.partition;
  vus.push_back(vu);
  vu = {};
  vu.vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  vu.u.i = RD_KAFKA_MSG_F_COPY;
  vus.push_back(vu);
  if (rec.key) {
    vu = {};
    vu.vtype = RD_KAFKA_VTYPE_KEY;
    vu.u.mem.ptr = rec.key->data();
    vu.u.mem.size = rec.key->size();
    vus.push_back(vu);
  }
  vu = {};
  vu.vtype = RD_KAFKA_VTYPE_VALUE;
  vu.u.mem.ptr = rec.value ? rec.value->data() : nullptr;
  vu.u.mem.size = rec.value ? rec.value->size() : 0;
  vus.push_back(vu);
  for (const auto& [k, v] : o.headers) add_header(vus, k, v);
  for (const auto& [k, v] : rec.headers) add_header(vus, k, v);

  for (;;) {
    rd_kafka_error_t* err = rd_kafka_produceva(rk, vus.data(), vus.size());
    if (err == nullptr) break;
    rd_kafka_resp_err_t code = rd_kafka_error_code(err);
    std::string msg = rd_kafka_error_string(err);
    rd_kafka_error_destroy(err);
    if (code == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(rk, 100);  // serve delivery reports to make room
      continue;
    }
    report_failure(s, fmt::format("line {}: cannot produce: {}", line_no, msg));
    return false;
  }
  ++s.sent;
  return true;
}

}  // namespace

int run_produce(const produce_options& o) {
  produce_stats stats;
  conf_builder cb(o.common);
  cb.set("acks", o.acks).set("compression.codec", o.compression);
  cb.set("message.timeout.ms", std::to_string(o.timeout_ms));
  if (o.idempotent) cb.set("enable.idempotence", "true");
  if (o.linger_ms >= 0) cb.set("linger.ms", std::to_string(o.linger_ms));
  cb.on_delivery([&stats](rd_kafka_t*, const rd_kafka_message_t* m) {
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++stats.delivered;
      stats.delivered_bytes += m->len + m->key_len;
    } else {
      ++stats.dr_failed;
      report_failure(
          stats, fmt::format("delivery failed (partition {}): {}", m->partition, rd_kafka_err2str(m->err)));
    }
  });
  auto h = cb.build(RD_KAFKA_PRODUCER);
  if (!h) return report_error(h.err());
  rd_kafka_t* rk = h->get();

  auto md = fetch_topic_metadata(*h, o.topic, default_connect_timeout_ms);
  if (!md) return report_error(md.err());
  int pcnt = find_topic(**md, o.topic)->partition_cnt;
  if (o.partition >= 0 && o.partition >= pcnt) {
    return report_error(
        runtime_error(fmt::format("topic '{}' has no partition {} (it has {})", o.topic, o.partition, pcnt)));
  }
  topic_ptr rkt(rd_kafka_topic_new(rk, o.topic.c_str(), nullptr));

  auto start = std::chrono::steady_clock::now();
  char* buf = nullptr;
  size_t cap = 0;
  uint64_t line_no = 0;
  while (!stop_requested()) {
    errno = 0;
    ssize_t n = ::getline(&buf, &cap, stdin);
    if (n < 0) {
      if (errno == EINTR && !stop_requested()) {
        clearerr(stdin);
        continue;
      }
      break;  // EOF, stop signal, or read error
    }
    ++line_no;
    std::string_view line(buf, static_cast<size_t>(n));
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    auto rec = parse_line(line, o.format);
    if (!rec) {
      report_failure(stats, fmt::format("line {}: {}; skipped", line_no, rec.err().message));
      continue;
    }
    send(rk, rkt.get(), o, *rec, stats, line_no);
    rd_kafka_poll(rk, 0);
  }
  std::free(buf);

  // Wait for outstanding deliveries; message.timeout.ms bounds each record, the grace covers
  // the final round trip.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(o.timeout_ms + 5000);
  while (rd_kafka_outq_len(rk) > 0 && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_flush(rk, 100);
  }
  // Whatever is still queued or in flight fails now, through the delivery report path.
  rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(rk, 0);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Records that never got a delivery report (still queued when we gave up) failed too.
  uint64_t undelivered = stats.sent - stats.delivered - stats.dr_failed;
  if (undelivered > 0) {
    report_failure(stats, fmt::format("{} records still undelivered after the timeout", undelivered));
    stats.failed += undelivered - 1;
  }
  if (std::string fatal = h->state().fatal_error(); !fatal.empty()) {
    fmt::print(stderr, "sluice: producer failed: {}\n", fatal);
  }
  if (stats.failed > 0) {
    if (std::string reason = h->state().last_connect_error(); !reason.empty()) {
      fmt::print(stderr, "sluice: last connection error to {}: {}\n", o.common.bootstrap, reason);
    }
  }
  if (!o.quiet) {
    double rate = secs > 0 ? stats.delivered / secs : 0.0;
    double mbs = secs > 0 ? stats.delivered_bytes / secs / (1024.0 * 1024.0) : 0.0;
    fmt::print(stderr,
               "sluice produce: {} records delivered ({} bytes) in {:.3f} s: {:.1f} msgs/s, "
               "{:.2f} MB/s, {} failed\n",
               stats.delivered, stats.delivered_bytes, secs, rate, mbs, stats.failed);
  }
  return stats.failed > 0 ? exit_failure : exit_ok;
}

int produce_main(int argc, const char* const* argv) {
  CLI::App app{"", "sluice produce"};
  produce_options o;
  configure_produce_app(app, o);
  if (auto code = parse_args(app, argc, argv)) return *code;
  if (auto r = finalize_produce_options(o); !r) return report_error(r.err());
  return run_produce(o);
}

}  // namespace sluice::cli
