// shard_fanout: starts jobs on owning shards and gathers their completions on the calling shard.
#include "broker/shard_fanout.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <map>

#include "broker/broker_state.h"
#include "broker/partition_manager.h"

namespace sluice::broker {
namespace asio = boost::asio;

shard_fanout::shard_fanout(broker_state& origin)
    : origin_(origin), timer_(origin.io, asio::steady_timer::time_point::max()) {}

void shard_fanout::finish_one() {
  if (--pending_ == 0) timer_.cancel();
}

void shard_fanout::start(size_t shard, job j) {
  ++pending_;
  if (shard == origin_.shard_id) {
    j(origin_, [this] { finish_one(); });
    return;
  }
  broker_state& owner = origin_.on(shard);
  asio::post(owner.io, [this, &owner, j = std::move(j)] {
    // Raw `this`: the fanout outlives every job (wait() runs until the last done arrives).
    j(owner, [this] { asio::post(origin_.io, [this] { finish_one(); }); });
  });
}

void shard_fanout::run(size_t shard, std::function<void(broker_state&)> fn) {
  start(shard, [fn = std::move(fn)](broker_state& owner, const done_fn& done) {
    fn(owner);
    done();
  });
}

asio::awaitable<void> shard_fanout::wait() {
  while (pending_ > 0) {
    co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<void> visit_partitions(broker_state& origin, std::vector<partition_visit>& visits) {
  std::map<size_t, std::vector<partition_visit*>> by_shard;
  for (auto& v : visits) by_shard[origin.owner_of(*v.topic, v.index)].push_back(&v);
  shard_fanout fanout(origin);
  for (auto& [shard, mine] : by_shard) {
    fanout.run(shard, [&mine](broker_state& owner) {
      for (auto* v : mine) v->visit(owner.partitions.find(*v->topic, v->index));
    });
  }
  co_await fanout.wait();
}

}  // namespace sluice::broker
