// Group-less partition reader over librdkafka's simple consumer API.
#include "cli/partition_reader.h"

#include <fmt/core.h>

#include "cli/common.h"

namespace sluice::cli {

result<std::unique_ptr<partition_reader>> partition_reader::open(rk_handle h, const std::string& topic,
                                                                 const std::vector<partition_start>& starts) {
  std::unique_ptr<partition_reader> r(new partition_reader());
  r->h_ = std::move(h);
  r->rkt_.reset(rd_kafka_topic_new(r->h_.get(), topic.c_str(), nullptr));
  if (!r->rkt_) {
    return usage_error(
        fmt::format("cannot open topic '{}': {}", topic, rd_kafka_err2str(rd_kafka_last_error())));
  }
  r->q_.reset(rd_kafka_queue_new(r->h_.get()));
  for (const auto& s : starts) {
    if (rd_kafka_consume_start_queue(r->rkt_.get(), s.partition, s.offset, r->q_.get()) == -1) {
      return runtime_error(fmt::format("cannot start reading {} [{}]: {}", topic, s.partition,
                                       rd_kafka_err2str(rd_kafka_last_error())));
    }
    r->started_.push_back(s.partition);
  }
  return r;
}

partition_reader::~partition_reader() {
  for (int32_t p : started_) rd_kafka_consume_stop(rkt_.get(), p);
}

message_ptr partition_reader::poll(int timeout_ms) {
  return message_ptr(rd_kafka_consume_queue(q_.get(), timeout_ms));
}

size_t partition_reader::poll_batch(int timeout_ms, std::vector<rd_kafka_message_t*>& out) {
  ssize_t n = rd_kafka_consume_batch_queue(q_.get(), timeout_ms, out.data(), out.size());
  return n < 0 ? 0 : static_cast<size_t>(n);
}

result<int64_t> parse_start_offset(const std::string& text) {
  if (text == "earliest" || text == "beginning" || text == "smallest") {
    return int64_t{RD_KAFKA_OFFSET_BEGINNING};
  }
  if (text == "latest" || text == "end" || text == "largest") return int64_t{RD_KAFKA_OFFSET_END};
  auto v = parse_int("--offset", text);
  if (!v) return usage_error(fmt::format("--offset expects earliest, latest, N or -N, got '{}'", text));
  if (*v >= 0) return int64_t{*v};
  return int64_t{RD_KAFKA_OFFSET_TAIL(-*v)};
}

void set_reader_defaults(conf_builder& cb, const std::string& isolation_level) {
  cb.set("enable.auto.commit", "false");
  cb.set("enable.auto.offset.store", "false");
  cb.set("enable.partition.eof", "false");
  cb.set("auto.offset.reset", "error");
  cb.set("isolation.level", isolation_level);
}

}  // namespace sluice::cli
