// Fetch (key 1): reads whole batches as file slices (sent with sendfile), long-polls on min.bytes
// with a DelayedFetch that wakes as soon as data arrives, and down-converts for v0-3 clients.
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

#include "broker/broker_state.h"
#include "broker/error_mapping.h"
#include "broker/fetch_conversion.h"
#include "broker/handlers.h"
#include "broker/partition_manager.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "cluster/topic_table.h"
#include "protocol/generated/fetch.h"

namespace sluice::broker {
namespace {
namespace asio = boost::asio;
using protocol::error_code;
using request = protocol::fetch_request;
using response = protocol::fetch_response;

constexpr int8_t read_committed = 1;

struct fetch_pass {
  response resp;
  size_t bytes = 0;
  bool any_error = false;
  std::vector<partition*> parts;  // partitions to wait on
};

partition* resolve(request_context& ctx, const request::topic_data& t, int32_t index, error_code& err) {
  auto& s = ctx.state;
  if (ctx.version() >= 13) {
    const auto* info = s.topics.find_by_id(t.topic_id);
    if (!info) {
      err = error_code::unknown_topic_id;
      return nullptr;
    }
    if (auto* p = s.partitions.find(info->name, index)) return p;
  } else if (auto* p = s.partitions.find(t.topic, index)) {
    return p;
  }
  err = error_code::unknown_topic_or_partition;
  return nullptr;
}

// One read over every requested partition (Kafka's readFromLocalLog).
fetch_pass read_once(request_context& ctx, const request& req) {
  fetch_pass pass;
  const int16_t version = ctx.version();
  const size_t max_total = version >= 3 ? static_cast<size_t>(std::max(req.max_bytes, 0)) : SIZE_MAX;
  bool have_data = false;
  for (const auto& t : req.topics) {
    response::topic_response tr;
    tr.topic = t.topic;
    tr.topic_id = t.topic_id;
    for (const auto& want : t.partitions) {
      response::topic_response::partition_data pd;
      pd.partition_index = want.partition;
      error_code err = error_code::none;
      partition* p = resolve(ctx, t, want.partition, err);
      if (p) {
        pd.high_watermark = p->high_watermark();
        pd.last_stable_offset = p->last_stable_offset();
        pd.log_start_offset = p->log->log_start_offset();
        if (req.isolation_level == read_committed) pd.aborted_transactions.emplace();
        if (want.current_leader_epoch >= 0 && want.current_leader_epoch != p->leader_epoch) {
          err = want.current_leader_epoch > p->leader_epoch ? error_code::unknown_leader_epoch
                                                            : error_code::fenced_leader_epoch;
        }
      }
      if (p && err == error_code::none) {
        pass.parts.push_back(p);
        const int64_t upper =
            req.isolation_level == read_committed ? p->last_stable_offset() : p->high_watermark();
        const size_t remaining = max_total > pass.bytes ? max_total - pass.bytes : 0;
        const size_t limit = std::min(static_cast<size_t>(std::max(want.partition_max_bytes, 0)), remaining);
        // KIP-74: the first batch of the first non-empty partition always goes out, so a batch
        // larger than the limits cannot stall a consumer.
        auto read = p->log->read(want.fetch_offset, limit, upper, !have_data);
        if (!read.ok()) {
          err = read.err().code == errc::out_of_range ? error_code::offset_out_of_range
                                                      : to_kafka_error(read.err().code);
        } else if (read->size_bytes > 0) {
          if (version < 4) {
            auto converted = down_convert_for_fetch(*read, want.fetch_offset, version, limit);
            if (!converted.ok()) {
              err = error_code::corrupt_message;
              spdlog::error("down-converting {}-{} at {}: {}", p->topic, p->index, want.fetch_offset,
                            converted.err().message);
            } else {
              pass.bytes += converted->size();
              pd.records = protocol::records::make_owned(std::move(*converted));
            }
          } else {
            pass.bytes += read->size_bytes;
            outbuf slices;
            std::move(*read).append_to(slices);
            pd.records = protocol::records::make_owned(std::move(slices));
          }
          have_data = have_data || pass.bytes > 0;
        }
      }
      if (err != error_code::none) pass.any_error = true;
      pd.error_code = code_of(err);
      tr.partitions.push_back(std::move(pd));
    }
    pass.resp.responses.push_back(std::move(tr));
  }
  return pass;
}

}  // namespace

boost::asio::awaitable<net::frame_result> handle_fetch(request_context& ctx) {
  request req;
  if (!ctx.decode(req)) co_return close_connection();
  auto& s = ctx.state;
  // No fetch sessions (KIP-227) are created: a response with session id 0 tells the client to keep
  // sending full fetches. An incremental fetch for a session we never gave out is an error.
  if (ctx.version() >= 7 && req.session_id != 0) {
    response resp;
    resp.error_code = code_of(error_code::fetch_session_id_not_found);
    co_return respond(ctx, resp);
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(req.max_wait_ms, 0));
  const size_t min_bytes = static_cast<size_t>(std::max(req.min_bytes, 0));
  for (;;) {
    fetch_pass pass = read_once(ctx, req);
    if (pass.bytes >= min_bytes || pass.any_error || s.shutting_down || pass.parts.empty() ||
        std::chrono::steady_clock::now() >= deadline) {
      co_return respond(ctx, pass.resp);
    }
    // DelayedFetch: park until one of the partitions grows or max.wait.ms passes.
    auto timer = std::make_shared<asio::steady_timer>(s.io, deadline);
    auto wake = std::make_shared<std::function<void()>>([weak = std::weak_ptr<asio::steady_timer>(timer)] {
      if (auto t = weak.lock()) t->cancel();
    });
    for (auto* p : pass.parts) p->add_data_waiter(wake);
    pass = {};  // drop file handles while waiting
    co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace sluice::broker
