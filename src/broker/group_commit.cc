// group_commit: hands sync requests to the flusher thread and resumes waiting produce requests on
// the shard when their data is durable.
#include "broker/group_commit.h"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "broker/partition.h"
#include "broker/partition_manager.h"
#include "storage/flusher.h"

namespace sluice::broker {
namespace asio = boost::asio;

void group_commit::submit(partition& p, std::function<void(result<void>)> done) {
  auto request = p.log->prepare_sync();
  const int64_t offset = request.offset;
  // Even with no files (everything written is already in an earlier, still running round) the
  // request is queued: the flusher completes it only after the rounds before it.
  auto* log = p.log.get();
  std::string topic = p.topic;
  const int32_t index = p.index;
  flusher_.submit(std::move(request), [this, log, topic = std::move(topic), index, offset,
                                       done = std::move(done)](result<void> r) mutable {
    asio::post(io_, [this, log, topic = std::move(topic), index, offset, r = std::move(r),
                     done = std::move(done)]() mutable {
      // The partition may have been deleted while the fsync ran.
      auto* p = partitions_.find(topic, index);
      const bool same_log = p && p->log.get() == log;
      if (r.ok() && same_log && !p->sync_failed) p->log->mark_synced(offset);
      if (!r.ok()) {
        spdlog::error("fdatasync for {}-{} failed: {}; the partition refuses appends until a restart", topic,
                      index, r.err().message);
        if (same_log) p->sync_failed = true;
      }
      done(std::move(r));
    });
  });
}

asio::awaitable<result<void>> group_commit::sync(std::vector<partition*> parts) {
  if (parts.empty()) co_return result<void>{};
  struct waiter {
    explicit waiter(asio::io_context& io) : timer(io, asio::steady_timer::time_point::max()) {}
    asio::steady_timer timer;
    size_t remaining = 0;
    result<void> status;
  };
  auto w = std::make_shared<waiter>(io_);
  w->remaining = parts.size();
  for (auto* p : parts) {
    submit(*p, [w](result<void> r) {
      if (!r.ok() && w->status.ok()) w->status = std::move(r);
      if (--w->remaining == 0) w->timer.cancel();
    });
  }
  while (w->remaining > 0) {
    co_await w->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return w->status;
}

void group_commit::sync_in_background(partition& p) {
  submit(p, [](result<void>) {});
}

}  // namespace sluice::broker
