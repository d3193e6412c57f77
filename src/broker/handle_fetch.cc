// Fetch (key 1): reads whole batches as file slices (sent with sendfile), long-polls on min.bytes
// with a DelayedFetch that wakes as soon as data arrives, and down-converts for v0-3 clients. In a
// cluster, consumers read from the leader up to the high watermark; followers (replica_id >= 0)
// read up to the log end and their fetch offsets drive the leader's high watermark and ISR.
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <map>

#include "broker/broker_state.h"
#include "broker/error_mapping.h"
#include "broker/fetch_conversion.h"
#include "broker/handlers.h"
#include "broker/partition_manager.h"
#include "broker/replica_manager.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "broker/shard_fanout.h"
#include "broker/topic_directory.h"
#include "cluster/topic_table.h"
#include "protocol/generated/fetch.h"

namespace sluice::broker {
namespace {
namespace asio = boost::asio;
using protocol::error_code;
using request = protocol::fetch_request;
using response = protocol::fetch_response;

constexpr int8_t read_committed = 1;

using wanted_partition = request::topic_data::partition_data;
using partition_data = response::topic_response::partition_data;

// One requested partition: where it lives, and what this pass read from it.
struct fetch_slot {
  const wanted_partition* want = nullptr;
  const std::string* topic = nullptr;  // nullptr: unknown topic id
  size_t shard = 0;
  partition_data pd;
  size_t bytes = 0;
  bool readable = false;  // known and readable: a fetch waiting for data waits on it
};

// Wakes a parked fetch (DelayedFetch) from whichever shard's partition grew: the flag and the
// timer are only touched on the fetch's own shard.
struct fetch_waiter {
  fetch_waiter(asio::io_context& io, std::chrono::steady_clock::time_point deadline)
      : io(io), timer(io, deadline) {}
  asio::io_context& io;
  asio::steady_timer timer;
  bool woken = false;
};

std::shared_ptr<std::function<void()>> make_wake(const std::shared_ptr<fetch_waiter>& w) {
  return std::make_shared<std::function<void()>>([weak = std::weak_ptr<fetch_waiter>(w), io = &w->io] {
    auto wake = [weak] {
      if (auto f = weak.lock()) {
        f->woken = true;
        f->timer.cancel();
      }
    };
    if (io->get_executor().running_in_this_thread()) {
      wake();
    } else {
      asio::post(*io, wake);
    }
  });
}

// On the owning shard: reads `slots` (in request order) as Kafka's readFromLocalLog does, each
// within the response budget as if it were alone, and parks `wake` on each readable partition.
void read_on_owner(int16_t version, const request& req, std::vector<fetch_slot*>& slots, broker_state& owner,
                   const std::shared_ptr<std::function<void()>>& wake) {
  const size_t max_total = version >= 3 ? static_cast<size_t>(std::max(req.max_bytes, 0)) : SIZE_MAX;
  size_t bytes = 0;
  bool have_data = false;
  for (auto* slot : slots) {
    const auto& want = *slot->want;
    auto& pd = slot->pd;
    pd = partition_data{};
    pd.partition_index = want.partition;
    slot->bytes = 0;
    slot->readable = false;
    error_code err = error_code::none;
    partition* p = owner.partitions.find(*slot->topic, want.partition);
    // Cluster mode (a replica manager on the shard): only the leader serves fetches.
    const bool replicated = owner.replicas != nullptr;
    const bool from_replica = req.replica_id >= 0;
    if (!p) {
      // A partition of the cluster that this broker does not host is led elsewhere.
      err = replicated && owner.cluster && owner.cluster->partition(*slot->topic, want.partition)
                ? error_code::not_leader_or_follower
                : error_code::unknown_topic_or_partition;
    } else {
      pd.high_watermark = p->high_watermark();
      pd.last_stable_offset = p->last_stable_offset();
      pd.log_start_offset = p->log->log_start_offset();
      if (req.isolation_level == read_committed) pd.aborted_transactions.emplace();
      if (want.current_leader_epoch >= 0 && want.current_leader_epoch != p->leader_epoch) {
        err = want.current_leader_epoch > p->leader_epoch ? error_code::unknown_leader_epoch
                                                          : error_code::fenced_leader_epoch;
      } else if (replicated && !p->is_leader()) {
        err = error_code::not_leader_or_follower;
      } else if (replicated && from_replica) {
        // The follower's fetch offset is its log end: the leader's high watermark and ISR follow.
        err = owner.replicas->on_replica_fetch(*p, req.replica_id, want.fetch_offset);
        pd.high_watermark = p->high_watermark();
        pd.last_stable_offset = p->last_stable_offset();
      }
    }
    if (p && err == error_code::none) {
      slot->readable = true;
      if (wake) p->add_data_waiter(wake);
      // Followers copy the whole log; consumers see only what the ISR has (the high watermark).
      const int64_t upper = replicated && from_replica              ? p->log->log_end_offset()
                            : req.isolation_level == read_committed ? p->last_stable_offset()
                                                                    : p->high_watermark();
      const size_t remaining = max_total > bytes ? max_total - bytes : 0;
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
            slot->bytes = converted->size();
            pd.records = protocol::records::make_owned(std::move(*converted));
          }
        } else {
          slot->bytes = read->size_bytes;
          outbuf out;
          std::move(*read).append_to(out);
          pd.records = protocol::records::make_owned(std::move(out));
        }
        bytes += slot->bytes;
        have_data = have_data || slot->bytes > 0;
      }
    }
    pd.error_code = code_of(err);
  }
}

// One read over every requested partition, each shard reading its own at once. With partitions on
// several shards each read within the whole budget; the response then keeps data in request order
// while it fits (the first non-empty partition always), and a partition that no longer fits is
// answered without records this time (the client fetches it again).
struct pass_result {
  size_t bytes = 0;
  bool any_error = false;
  bool any_readable = false;
};

asio::awaitable<pass_result> read_pass(request_context& ctx, const request& req,
                                       std::vector<fetch_slot>& slots,
                                       const std::shared_ptr<std::function<void()>>& wake) {
  const int16_t version = ctx.version();
  std::map<size_t, std::vector<fetch_slot*>> by_shard;
  for (auto& slot : slots) {
    if (slot.topic) by_shard[slot.shard].push_back(&slot);
  }
  {
    shard_fanout fanout(ctx.state);
    for (auto& [shard, mine] : by_shard) {
      fanout.run(shard, [version, &req, &mine, &wake](broker_state& owner) {
        read_on_owner(version, req, mine, owner, wake);
      });
    }
    co_await fanout.wait();
  }
  pass_result out;
  const size_t max_total = version >= 3 ? static_cast<size_t>(std::max(req.max_bytes, 0)) : SIZE_MAX;
  const bool one_shard = by_shard.size() <= 1;
  bool have_data = false;
  for (auto& slot : slots) {
    if (!slot.topic || slot.pd.error_code != 0) out.any_error = true;
    out.any_readable = out.any_readable || slot.readable;
    if (slot.bytes == 0) continue;
    if (!one_shard && have_data && out.bytes + slot.bytes > max_total) {
      slot.pd.records = protocol::records{};
      slot.bytes = 0;
      continue;
    }
    out.bytes += slot.bytes;
    have_data = true;
  }
  co_return out;
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

  // Resolve names (v13+ sends topic ids) and owners once. The directory is held for the whole
  // fetch: the slots point at its names while the control shard may publish a new one.
  const std::shared_ptr<const topic_directory> directory = s.directory;
  std::vector<fetch_slot> slots;
  for (const auto& t : req.topics) {
    const std::string* name = &t.topic;
    if (ctx.version() >= 13) name = directory ? directory->name_of(t.topic_id) : nullptr;
    for (const auto& want : t.partitions) {
      fetch_slot slot;
      slot.want = &want;
      slot.topic = name;
      if (name) slot.shard = s.owner_of(*name, want.partition);
      slots.push_back(std::move(slot));
    }
  }
  // A fetch that may wait is woken by any of its partitions growing (a DelayedFetch).
  std::shared_ptr<fetch_waiter> waiter;
  std::shared_ptr<std::function<void()>> wake;
  if (min_bytes > 0 && req.max_wait_ms > 0) {
    waiter = std::make_shared<fetch_waiter>(s.io, deadline);
    wake = make_wake(waiter);
  }
  for (;;) {
    if (waiter) waiter->woken = false;
    pass_result pass = co_await read_pass(ctx, req, slots, wake);
    if (pass.bytes >= min_bytes || pass.any_error || s.shutting_down || !pass.any_readable || !waiter ||
        std::chrono::steady_clock::now() >= deadline) {
      response resp;
      size_t next = 0;
      for (const auto& t : req.topics) {
        response::topic_response tr;
        tr.topic = t.topic;
        tr.topic_id = t.topic_id;
        for (size_t i = 0; i < t.partitions.size(); ++i) {
          auto& slot = slots[next++];
          if (!slot.topic) {
            slot.pd = partition_data{};
            slot.pd.partition_index = slot.want->partition;
            slot.pd.error_code = code_of(error_code::unknown_topic_id);
          }
          tr.partitions.push_back(std::move(slot.pd));
        }
        resp.responses.push_back(std::move(tr));
      }
      co_return respond(ctx, resp);
    }
    // DelayedFetch: park until one of the partitions grows or max.wait.ms passes. Drop the file
    // handles of this pass while waiting.
    for (auto& slot : slots) slot.pd.records = protocol::records{};
    if (!waiter->woken) co_await waiter->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace sluice::broker
