// `sluice bench produce`: N producer threads send fixed-size records as fast as allowed and
// measure delivery-report latency.
#include <fmt/core.h>

#include <cstdint>
#include <thread>

#include "cli/bench_common.h"
#include "cli/bench_report.h"
#include "cli/rk_handle.h"

namespace sluice::cli {

namespace {

// Extra time past message.timeout.ms to wait for the last delivery reports.
constexpr int flush_grace_ms = 5'000;

void set_producer_conf(conf_builder& cb, const bench_options& o) {
  cb.set("acks", o.acks).set("compression.codec", o.compression);
  cb.set("message.timeout.ms", std::to_string(o.timeout_ms));
  if (o.idempotent) cb.set("enable.idempotence", "true");
  if (o.linger_ms >= 0) cb.set("linger.ms", std::to_string(o.linger_ms));
  if (o.batch_size > 0) cb.set("batch.size", std::to_string(o.batch_size));
}

}  // namespace

producer_outcome run_producer_worker(const bench_options& o, const producer_job& job, bench_counters& c) {
  producer_outcome out;
  conf_builder cb(o.common);
  set_producer_conf(cb, o);
  // Delivery reports run on this thread (inside rd_kafka_poll/flush), so `out` needs no lock.
  // The progress line shows delivery latency in produce mode, end-to-end latency in e2e mode.
  bool window_latency = o.mode == bench_mode::produce;
  cb.on_delivery([&out, &c, window_latency](rd_kafka_t*, const rd_kafka_message_t* m) {
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      auto sent_ns = static_cast<int64_t>(reinterpret_cast<intptr_t>(m->_private));
      int64_t us = (steady_now_ns() - sent_ns) / 1000;
      out.delivery_latency.record(us);
      if (window_latency) c.add_latency(us);
      ++out.delivered;
      c.produced.fetch_add(1, std::memory_order_relaxed);
      c.produced_bytes.fetch_add(m->len, std::memory_order_relaxed);
    } else {
      ++out.failed;
      c.failed.fetch_add(1, std::memory_order_relaxed);
      if (out.first_error.empty()) {
        out.first_error = fmt::format("delivery failed: {}", rd_kafka_err2str(m->err));
      }
    }
  });
  auto h = cb.build(RD_KAFKA_PRODUCER);
  if (!h) {
    out.first_error = h.err().message;
    out.failed = static_cast<uint64_t>(job.records);
    c.failed.fetch_add(out.failed);
    return out;
  }
  rd_kafka_t* rk = h->get();
  topic_ptr rkt(rd_kafka_topic_new(rk, o.topic.c_str(), nullptr));
  const std::string payload = make_payload(static_cast<size_t>(o.record_size), job.index + 1);
  std::string stamped = payload;
  rate_limiter limiter(job.rate);

  int64_t sent = 0;
  uint64_t local_failed = 0;
  for (; sent < job.records && !stop_requested(); ++sent) {
    // A paced producer waits inside rd_kafka_poll, so delivery reports are served as they arrive
    // rather than at the next 64th send (at 5k msg/s that was up to 12.8 ms added to the latency).
    for (auto a = limiter.ahead(static_cast<uint64_t>(sent)); a > rate_limiter::min_gap;
         a = limiter.ahead(static_cast<uint64_t>(sent))) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(a).count();
      if (ms >= 1) {
        rd_kafka_poll(rk, static_cast<int>(ms));  // returns early when it served a report
      } else {
        rd_kafka_poll(rk, 0);
        std::this_thread::sleep_for(a);
      }
    }
    int64_t now = steady_now_ns();
    void* opaque = reinterpret_cast<void*>(static_cast<intptr_t>(now));
    // Without stamping the payload is constant and outlives every send: no copy needed.
    char* data = const_cast<char*>(payload.data());
    int flags = 0;
    if (job.stamp) {
      stamp_payload(stamped, job.run_id, now);
      data = stamped.data();
      flags = RD_KAFKA_MSG_F_COPY;
    }
    for (;;) {
      if (rd_kafka_produce(rkt.get(), RD_KAFKA_PARTITION_UA, flags, data, payload.size(), nullptr, 0,
                           opaque) == 0) {
        break;
      }
      rd_kafka_resp_err_t err = rd_kafka_last_error();
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && !stop_requested()) {
        rd_kafka_poll(rk, 5);
        continue;
      }
      ++local_failed;
      if (out.first_error.empty()) out.first_error = fmt::format("produce failed: {}", rd_kafka_err2str(err));
      break;
    }
    // Unpaced, serving reports every 64 sends is enough: each poll serves all that arrived, and a
    // full queue is served above. Measured: polling every send or every 4096th gives the same
    // throughput (bench/results/compare-2026-11-22.md).
    if ((sent & 63) == 0) rd_kafka_poll(rk, 0);
  }

  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(o.timeout_ms + flush_grace_ms);
  while (rd_kafka_outq_len(rk) > 0 && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_flush(rk, 100);
  }
  rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(rk, 0);
  // Anything sent without a delivery report by now counts as failed.
  uint64_t reported = out.delivered + out.failed;
  uint64_t accepted = static_cast<uint64_t>(sent) - local_failed;
  uint64_t missing = accepted > reported ? accepted - reported : 0;
  out.failed += local_failed + missing;
  c.failed.fetch_add(local_failed + missing);
  if (missing > 0 && out.first_error.empty()) {
    out.first_error = fmt::format("{} records undelivered after the timeout", missing);
  }
  if (std::string fatal = h->state().fatal_error(); !fatal.empty()) out.first_error = fatal;
  if (out.failed > 0 && out.delivered == 0) {
    if (std::string reason = h->state().last_connect_error(); !reason.empty()) {
      out.first_error += fmt::format(" (last connection error: {})", reason);
    }
  }
  return out;
}

int run_bench_produce(const bench_options& o) {
  auto parts = prepare_topic(o);
  if (!parts) return report_error(parts.err());
  bench_counters c;
  std::vector<producer_outcome> outcomes(static_cast<size_t>(o.producers));
  auto start = std::chrono::steady_clock::now();
  {
    progress_reporter progress(o, c);
    std::vector<std::thread> threads;
    for (int i = 0; i < o.producers; ++i) {
      producer_job job;
      job.index = i;
      job.records = o.num_records / o.producers + (i < o.num_records % o.producers ? 1 : 0);
      job.rate = o.throughput > 0 ? static_cast<double>(o.throughput) / o.producers : -1;
      threads.emplace_back([&, job, i] { outcomes[i] = run_producer_worker(o, job, c); });
    }
    for (auto& t : threads) t.join();
  }
  bench_result r;
  r.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.delivery_latency.emplace();
  for (const auto& out : outcomes) {
    r.delivery_latency->merge(out.delivery_latency);
    r.produced += out.delivered;
    r.failed += out.failed;
    if (r.error.empty() && !out.first_error.empty()) r.error = out.first_error;
  }
  r.produced_bytes = c.produced_bytes.load();
  if (stop_requested() && r.error.empty()) r.error = "interrupted before all records were sent";
  return finish_bench(o, r);
}

}  // namespace sluice::cli
