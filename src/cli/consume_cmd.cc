// `sluice consume`: reads records of one topic (all partitions or one) and prints them.
#include "cli/consume_cmd.h"

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <functional>

#include "cli/commands.h"
#include "cli/partition_reader.h"
#include "cli/rk_handle.h"

namespace sluice::cli {

void configure_consume_app(CLI::App& app, consume_options& o) {
  app.description(
      "Print records of a topic to stdout, one per line.\n"
      "  sluice consume --topic t --from-beginning --max-messages 10 --property print.key=true\n"
      "  sluice consume --topic t --offset earliest --format '%p:%o %k=%s\\n'");
  add_common_options(app, o.common);
  app.add_option("-t,--topic", o.topic, "topic to read")->required();
  app.add_option("-p,--partition", o.partition, "read only this partition (default: all)");
  app.add_flag("--from-beginning", o.from_beginning, "start at the earliest offset");
  app.add_option("-o,--offset", o.offset,
                 "start offset: earliest, latest (default), N, or -N (N before the end)");
  app.add_option("-n,--max-messages", o.max_messages, "exit after this many records");
  app.add_option("--timeout-ms", o.timeout_ms, "exit after this long without a record");
  app.add_option("-f,--format", o.format,
                 "template: %s value %k key %t topic %p partition %o offset %T timestamp "
                 "%h headers %S/%K lengths %%; \\n \\t escapes");
  app.add_option("--property", o.properties,
                 "console consumer property: print.key, print.value, print.timestamp, "
                 "print.offset, print.partition, print.headers, key.separator, line.separator, "
                 "headers.separator, headers.key.separator, null.literal")
      ->allow_extra_args(false);
  app.add_option("--isolation-level", o.isolation_level, "read_committed|read_uncommitted")
      ->capture_default_str();
  app.add_option("-g,--group", o.group,
                 "join this consumer group (subscribe) instead of reading partitions directly");
  app.add_flag("-q,--quiet", o.quiet, "do not print the record count at the end");
}

result<void> finalize_consume_options(consume_options& o) {
  if (o.topic.empty()) return usage_error("--topic must not be empty");
  if (o.partition < -1) return usage_error("--partition must be >= 0");
  if (o.from_beginning && !o.offset.empty()) {
    return usage_error("give either --from-beginning or --offset, not both");
  }
  if (!o.offset.empty()) {
    auto off = parse_start_offset(o.offset);
    if (!off) return off.err();
    o.start_offset = *off;
  } else {
    o.start_offset = o.from_beginning ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
  }
  if (o.max_messages == 0 || o.max_messages < -1) return usage_error("--max-messages must be >= 1");
  if (o.timeout_ms == 0 || o.timeout_ms < -1) return usage_error("--timeout-ms must be > 0");
  if (o.isolation_level != "read_committed" && o.isolation_level != "read_uncommitted") {
    return usage_error("--isolation-level must be read_committed or read_uncommitted");
  }
  if (!o.group.empty() && (o.partition != -1 || !o.offset.empty())) {
    return usage_error("--group cannot be combined with --partition or --offset");
  }
  for (const auto& p : o.properties) {
    for (const auto& one : split_property_list(p)) {
      auto kv = parse_key_value(one);
      if (!kv) return kv.err();
      if (auto r = apply_consumer_property(o.out, kv->first, kv->second); !r) return r;
    }
  }
  if (!o.format.empty()) {
    std::string t = unescape(o.format);
    if (auto r = check_template(t); !r) return r;
    o.out.tmpl = std::move(t);
  }
  return {};
}

namespace {

enum class step { more, done, failed };

// Prints consumed records; owns the counters and the output buffer.
class printer {
 public:
  explicit printer(const consume_options& o) : o_(o) {}

  step handle(const rd_kafka_message_t* m) {
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) return handle_error(m);
    record_view r;
    r.topic = rd_kafka_topic_name(m->rkt);
    r.partition = m->partition;
    r.offset = m->offset;
    rd_kafka_timestamp_type_t tst;
    r.timestamp_ms = rd_kafka_message_timestamp(m, &tst);
    r.ts_kind = tst == RD_KAFKA_TIMESTAMP_CREATE_TIME       ? timestamp_kind::create_time
                : tst == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? timestamp_kind::log_append_time
                                                            : timestamp_kind::none;
    if (m->key != nullptr) r.key = std::string_view(static_cast<const char*>(m->key), m->key_len);
    if (m->payload != nullptr) {
      r.value = std::string_view(static_cast<const char*>(m->payload), m->len);
    }
    rd_kafka_headers_t* hdrs = nullptr;
    if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name;
      const void* val;
      size_t size;
      for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
           ++i) {
        std::optional<std::string_view> v;
        if (val != nullptr) v = std::string_view(static_cast<const char*>(val), size);
        r.headers.emplace_back(name, v);
      }
    }
    buf_.clear();
    format_record(r, o_.out, buf_);
    if (std::fwrite(buf_.data(), 1, buf_.size(), stdout) != buf_.size()) {
      out_closed_ = true;  // e.g. `| head`: stop quietly
      return step::done;
    }
    ++count_;
    if (o_.max_messages > 0 && count_ >= o_.max_messages) return step::done;
    return step::more;
  }

  int64_t count() const { return count_; }
  bool out_closed() const { return out_closed_; }

 private:
  step handle_error(const rd_kafka_message_t* m) {
    std::string where = m->rkt != nullptr ? fmt::format("{} [{}]", rd_kafka_topic_name(m->rkt), m->partition)
                                          : std::string("consumer");
    switch (m->err) {
      case RD_KAFKA_RESP_ERR__PARTITION_EOF:
        return step::more;
      case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
      case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
        fmt::print(stderr, "sluice: {}: start offset is out of range: {}\n", where,
                   rd_kafka_message_errstr(m));
        return step::failed;
      case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
      case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
        fmt::print(stderr, "sluice: {}: {}\n", where, rd_kafka_message_errstr(m));
        return step::failed;
      case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
      case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
        fmt::print(stderr, "sluice: {}: not authorized: {}\n", where, rd_kafka_message_errstr(m));
        return step::failed;
      default:
        // Transient (transport, leader change): librdkafka retries by itself.
        fmt::print(stderr, "sluice: warning: {}: {}\n", where, rd_kafka_message_errstr(m));
        return step::more;
    }
  }

  const consume_options& o_;
  std::string buf_;
  int64_t count_ = 0;
  bool out_closed_ = false;
};

// Pulls from `next` until done, idle timeout or stop. Flushes stdout whenever the source runs
// dry so a reader on a pipe sees records promptly. `rk` (nullable) gets rd_kafka_poll calls to
// serve error_cb; pass null when the main queue is forwarded to the consumer queue, where
// rd_kafka_poll would swallow records.
int consume_loop(const consume_options& o, rd_kafka_t* rk, const std::function<message_ptr(int)>& next) {
  printer p(o);
  using clock = std::chrono::steady_clock;
  auto last = clock::now();
  int rc = exit_ok;
  while (!stop_requested()) {
    message_ptr m = next(0);
    if (!m) {
      std::fflush(stdout);
      if (rk != nullptr) rd_kafka_poll(rk, 0);  // serve error_cb
      m = next(100);
    }
    if (!m) {
      auto idle = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - last);
      if (o.timeout_ms > 0 && idle.count() >= o.timeout_ms) {
        if (o.max_messages > 0) {
          std::fflush(stdout);
          fmt::print(stderr, "sluice: no record for {} ms: got {} of {} records\n", o.timeout_ms, p.count(),
                     o.max_messages);
          rc = exit_failure;
        }
        break;
      }
      continue;
    }
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) last = clock::now();
    step s = p.handle(m.get());
    if (s == step::failed) {
      rc = exit_failure;
      break;
    }
    if (s == step::done) break;
  }
  std::fflush(stdout);
  if (!o.quiet && !p.out_closed()) fmt::print(stderr, "sluice consume: {} records\n", p.count());
  return rc;
}

int run_partitions(const consume_options& o) {
  conf_builder cb(o.common);
  set_reader_defaults(cb, o.isolation_level);
  auto h = cb.build(RD_KAFKA_CONSUMER);
  if (!h) return report_error(h.err());
  auto md = fetch_topic_metadata(*h, o.topic, default_connect_timeout_ms);
  if (!md) return report_error(md.err());
  const auto* t = find_topic(**md, o.topic);
  std::vector<partition_start> starts;
  for (int i = 0; i < t->partition_cnt; ++i) {
    int32_t id = t->partitions[i].id;
    if (o.partition == -1 || o.partition == id) starts.push_back({id, o.start_offset});
  }
  if (starts.empty()) {
    return report_error(runtime_error(
        fmt::format("topic '{}' has no partition {} (it has {})", o.topic, o.partition, t->partition_cnt)));
  }
  rd_kafka_t* rk = h->get();
  auto reader = partition_reader::open(std::move(*h), o.topic, starts);
  if (!reader) return report_error(reader.err());
  auto& r = **reader;
  return consume_loop(o, rk, [&r](int ms) { return r.poll(ms); });
}

int run_group(const consume_options& o) {
  conf_builder cb(o.common);
  cb.set("group.id", o.group)
      .set("auto.offset.reset", o.from_beginning ? "earliest" : "latest")
      .set("enable.partition.eof", "false")
      .set("isolation.level", o.isolation_level);
  auto h = cb.build(RD_KAFKA_CONSUMER);
  if (!h) return report_error(h.err());
  auto md = fetch_topic_metadata(*h, o.topic, default_connect_timeout_ms);
  if (!md) return report_error(md.err());
  rd_kafka_t* rk = h->get();
  rd_kafka_poll_set_consumer(rk);
  tpl_ptr topics(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(topics.get(), o.topic.c_str(), RD_KAFKA_PARTITION_UA);
  if (auto err = rd_kafka_subscribe(rk, topics.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return report_error(runtime_error(fmt::format("cannot subscribe: {}", describe_err(err))));
  }
  int rc = consume_loop(o, nullptr, [rk](int ms) { return message_ptr(rd_kafka_consumer_poll(rk, ms)); });
  rd_kafka_consumer_close(rk);
  return rc;
}

}  // namespace

int run_consume(const consume_options& o) { return o.group.empty() ? run_partitions(o) : run_group(o); }

int consume_main(int argc, const char* const* argv) {
  CLI::App app{"", "sluice consume"};
  consume_options o;
  configure_consume_app(app, o);
  if (auto code = parse_args(app, argc, argv)) return *code;
  if (auto r = finalize_consume_options(o); !r) return report_error(r.err());
  return run_consume(o);
}

}  // namespace sluice::cli
