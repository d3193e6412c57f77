// replica_manager: leader/follower transitions, the leader's follower bookkeeping (high watermark,
// ISR shrink and expand) and the acks=all wait, for one shard's partitions.
#include "broker/replica_manager.h"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "broker/broker_state.h"
#include "broker/partition_manager.h"
#include "broker/replica_fetcher.h"
#include "config/broker_config.h"
#include "config/topic_config.h"

namespace sluice::broker {
namespace asio = boost::asio;
using protocol::error_code;

namespace replication {

namespace {
bool contains(const std::vector<int32_t>& v, int32_t id) {
  return std::find(v.begin(), v.end(), id) != v.end();
}
}  // namespace

std::vector<int32_t> maximal_isr(const replication_state& r) {
  std::vector<int32_t> out = r.isr;
  if (r.pending_isr) {
    for (int32_t id : *r.pending_isr) {
      if (!contains(out, id)) out.push_back(id);
    }
  }
  return out;
}

int64_t leader_high_watermark(const replication_state& r, int32_t self, int64_t leader_log_end) {
  int64_t hwm = leader_log_end;
  for (int32_t id : maximal_isr(r)) {
    if (id == self) continue;
    const follower_state* f = nullptr;
    for (const auto& x : r.followers) {
      if (x.id == id) f = &x;
    }
    // An ISR member we have not heard from yet (new leader) holds the high watermark where it is.
    const int64_t leo = f ? f->log_end_offset : -1;
    hwm = std::min(hwm, leo < 0 ? r.high_watermark : leo);
  }
  return std::max(hwm, r.high_watermark);
}

void record_follower_fetch(follower_state& f, int64_t fetch_offset, int64_t leader_log_end, int64_t now_ms) {
  if (fetch_offset >= leader_log_end) {
    f.last_caught_up_ms = std::max(f.last_caught_up_ms, now_ms);
  } else if (f.last_fetch_leader_log_end >= 0 && fetch_offset >= f.last_fetch_leader_log_end) {
    f.last_caught_up_ms = std::max(f.last_caught_up_ms, f.last_fetch_ms);
  }
  f.log_end_offset = fetch_offset;
  f.last_fetch_leader_log_end = leader_log_end;
  f.last_fetch_ms = now_ms;
}

bool follower_in_sync(const follower_state& f, int64_t high_watermark, int64_t epoch_start_offset) {
  return f.log_end_offset >= 0 && f.log_end_offset >= high_watermark &&
         f.log_end_offset >= epoch_start_offset;
}

std::vector<int32_t> out_of_sync_replicas(const replication_state& r, int32_t self, int64_t now_ms,
                                          int64_t lag_max_ms) {
  std::vector<int32_t> out;
  for (int32_t id : r.isr) {
    if (id == self) continue;
    const follower_state* f = nullptr;
    for (const auto& x : r.followers) {
      if (x.id == id) f = &x;
    }
    if (!f || now_ms - f->last_caught_up_ms > lag_max_ms) out.push_back(id);
  }
  return out;
}

truncation decide_truncation(int32_t leader_epoch, int64_t leader_end_offset, int32_t own_epoch_for_leader,
                             int64_t own_end_for_leader_epoch, int64_t log_end, int64_t high_watermark) {
  if (leader_end_offset < 0) return {std::min(high_watermark, log_end), true};
  if (leader_epoch < 0) return {std::min(leader_end_offset, log_end), true};
  if (own_epoch_for_leader < 0 || own_end_for_leader_epoch < 0) {
    return {std::min(leader_end_offset, log_end), true};
  }
  if (own_epoch_for_leader != leader_epoch) return {std::min(own_end_for_leader_epoch, log_end), false};
  return {std::min({own_end_for_leader_epoch, leader_end_offset, log_end}), true};
}

}  // namespace replication

replica_manager::replica_manager(broker_state& state) : state_(state), isr_timer_(state.io) {
  schedule_isr_check();
}

replica_manager::~replica_manager() { close(); }

int32_t replica_manager::self() const { return state_.self.node_id; }

int64_t replica_manager::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void replica_manager::close() {
  if (closed_) return;
  closed_ = true;
  isr_timer_.cancel();
  for (auto& [id, f] : fetchers_) f->stop();
  fetchers_.clear();
  // acks=all waits see closed_ and answer NOT_LEADER_OR_FOLLOWER (the client retries elsewhere).
  state_.partitions.for_each([](partition& p) { p.notify_replication(); });
}

void replica_manager::schedule_isr_check() {
  const int64_t lag = std::max<int64_t>(state_.config.replica_lag_time_max_ms, 2);
  isr_timer_.expires_after(std::chrono::milliseconds(std::max<int64_t>(lag / 2, 1)));
  isr_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled by close() (the manager may be gone)
    if (closed_) return;
    check_isr_shrink();
    schedule_isr_check();
  });
}

void replica_manager::apply(partition& p, const cluster::partition_leadership& l) {
  if (closed_) return;
  auto& r = p.repl;
  if (!p.replicated()) {
    // First leadership since the log opened: no replicated high watermark known yet, so start at
    // the log start (it only moves forward from there; a leader alone in its ISR takes the log end).
    r.high_watermark = p.log->log_start_offset();
  }
  const bool lead = l.leader == self();
  const bool same_term = p.replicated() && p.leader_epoch == l.leader_epoch && r.leader_id == l.leader &&
                         (r.role == replica_role::leader) == lead;
  if (!same_term) {
    if (lead) {
      become_leader(p, l);
    } else {
      become_follower(p, l);
    }
    return;
  }
  // Same leader and epoch: the ISR, replicas or version changed.
  r.replicas = l.replicas;
  r.isr = l.isr;
  if (l.version != r.version) r.pending_isr.reset();
  r.version = l.version;
  if (lead) {
    std::vector<follower_state> followers;
    for (int32_t id : l.replicas) {
      if (id == self()) continue;
      if (auto* f = r.follower(id)) {
        followers.push_back(*f);
      } else {
        followers.push_back(follower_state{.id = id});
      }
    }
    r.followers = std::move(followers);
    maybe_advance_high_watermark(p);
  }
  p.notify_replication();
}

void replica_manager::become_leader(partition& p, const cluster::partition_leadership& l) {
  stop_following(p);
  auto& r = p.repl;
  p.leader_epoch = l.leader_epoch;
  r.role = replica_role::leader;
  r.leader_id = self();
  r.replicas = l.replicas;
  r.isr = l.isr;
  r.version = l.version;
  r.pending_isr.reset();
  if (auto a = p.log->assign_leader_epoch(l.leader_epoch); !a.ok()) {
    spdlog::error("replication: {}-{}: recording leader epoch {}: {}", p.topic, p.index, l.leader_epoch,
                  a.err().message);
  }
  const int64_t leo = p.log->log_end_offset();
  r.epoch_start_offset = leo;
  const int64_t now = now_ms();
  r.followers.clear();
  for (int32_t id : l.replicas) {
    if (id == self()) continue;
    follower_state f;
    f.id = id;
    // ISR members get a full lag period to show up before they can be shrunk away (Kafka's
    // resetReplicaState).
    f.last_caught_up_ms = l.in_isr(id) ? now : 0;
    r.followers.push_back(f);
  }
  r.high_watermark = std::min(r.high_watermark, leo);
  spdlog::info("replication: {}-{}: leader at epoch {} (log end {}, high watermark {}, isr size {})", p.topic,
               p.index, l.leader_epoch, leo, r.high_watermark, l.isr.size());
  maybe_advance_high_watermark(p);
  p.notify_replication();
  p.notify_data();
}

void replica_manager::become_follower(partition& p, const cluster::partition_leadership& l) {
  stop_following(p);
  auto& r = p.repl;
  p.leader_epoch = l.leader_epoch;
  r.role = replica_role::follower;
  r.leader_id = l.leader;
  r.replicas = l.replicas;
  r.isr = l.isr;
  r.version = l.version;
  r.pending_isr.reset();
  r.followers.clear();
  r.high_watermark = std::min(r.high_watermark, p.log->log_end_offset());
  // Produces waiting on the old leadership fail; parked fetches re-check (and are refused).
  p.notify_replication();
  p.notify_data();
  if (l.leader < 0 || l.leader == self()) return;  // offline: nobody to fetch from
  auto& f = fetchers_[l.leader];
  if (!f) {
    f = std::make_shared<replica_fetcher>(*this, l.leader);
    f->start();
  }
  f->add(p);
  spdlog::info("replication: {}-{}: follower of broker {} at epoch {} (log end {})", p.topic, p.index,
               l.leader, l.leader_epoch, p.log->log_end_offset());
}

void replica_manager::stop_following(partition& p) {
  for (auto it = fetchers_.begin(); it != fetchers_.end();) {
    it->second->remove(p);
    if (it->second->empty()) {
      it->second->stop();
      it = fetchers_.erase(it);
    } else {
      ++it;
    }
  }
}

void replica_manager::remove(partition& p) {
  stop_following(p);
  p.repl.role = replica_role::none;
  *p.gone = true;
  p.notify_replication();
  p.notify_data();
}

error_code replica_manager::on_replica_fetch(partition& p, int32_t replica_id, int64_t fetch_offset) {
  if (!p.is_leader()) return error_code::not_leader_or_follower;
  follower_state* f = p.repl.follower(replica_id);
  if (!f) return error_code::not_leader_or_follower;  // not a replica of this partition (yet)
  const int64_t leo = p.log->log_end_offset();
  // Out of range: the read answers OFFSET_OUT_OF_RANGE and the follower's state stays as it was.
  if (fetch_offset < p.log->log_start_offset() || fetch_offset > leo) return error_code::none;
  replication::record_follower_fetch(*f, fetch_offset, leo, now_ms());
  auto& r = p.repl;
  if (!r.pending_isr && r.version >= 0 && !r.in_isr_or_pending(replica_id) &&
      replication::follower_in_sync(*f, p.high_watermark(), r.epoch_start_offset)) {
    std::vector<int32_t> isr = r.isr;
    isr.push_back(replica_id);
    spdlog::info("replication: {}-{}: expanding the ISR with broker {} (log end {})", p.topic, p.index,
                 replica_id, f->log_end_offset);
    propose(p, std::move(isr));
  }
  maybe_advance_high_watermark(p);
  return error_code::none;
}

void replica_manager::on_leader_append(partition& p) {
  if (p.is_leader()) maybe_advance_high_watermark(p);
}

void replica_manager::maybe_advance_high_watermark(partition& p) {
  auto& r = p.repl;
  const int64_t next = replication::leader_high_watermark(r, self(), p.log->log_end_offset());
  if (next <= r.high_watermark) return;
  r.high_watermark = next;
  p.notify_replication();
  p.notify_data();  // consumers read up to the high watermark
}

void replica_manager::set_follower_high_watermark(partition& p, int64_t leader_high_watermark) {
  const int64_t next = std::max<int64_t>(std::min(leader_high_watermark, p.log->log_end_offset()), 0);
  if (next == p.repl.high_watermark) return;
  p.repl.high_watermark = next;
  p.notify_data();
}

void replica_manager::propose(partition& p, std::vector<int32_t> isr) {
  auto& r = p.repl;
  r.pending_isr = isr;
  r.pending_since_ms = now_ms();
  if (!state_.propose_isr) return;
  cluster::isr_change change;
  change.topic = p.topic;
  change.partition = p.index;
  change.leader_epoch = p.leader_epoch;
  change.isr = std::move(isr);
  change.expected_version = r.version;
  state_.propose_isr(std::move(change));
}

void replica_manager::check_isr_shrink() {
  const int64_t now = now_ms();
  const int64_t lag = state_.config.replica_lag_time_max_ms;
  state_.partitions.for_each([&](partition& p) {
    if (!p.is_leader()) return;
    auto& r = p.repl;
    // A proposal that never came back (refused: the state moved on) is forgotten after a lag
    // period, so the next check can propose again.
    if (r.pending_isr && now - r.pending_since_ms > std::max<int64_t>(lag, 1000)) r.pending_isr.reset();
    if (r.pending_isr || r.version < 0) return;
    auto out = replication::out_of_sync_replicas(r, self(), now, lag);
    if (out.empty()) return;
    std::vector<int32_t> isr;
    for (int32_t id : r.isr) {
      if (std::find(out.begin(), out.end(), id) == out.end()) isr.push_back(id);
    }
    if (std::find(isr.begin(), isr.end(), self()) == isr.end()) isr.push_back(self());
    spdlog::info("replication: {}-{}: shrinking the ISR from {} to {} member(s) (lagging: broker {})",
                 p.topic, p.index, r.isr.size(), isr.size(), out.front());
    propose(p, std::move(isr));
  });
}

int32_t replica_manager::min_insync_replicas(partition& p) {
  auto& r = p.repl;
  const auto& snap = state_.cluster;
  const uint64_t version = snap ? snap->version : 0;
  if (r.min_insync_of == version && version != 0) return r.min_insync;
  int32_t value = std::max(state_.config.min_insync_replicas, 1);
  if (snap) {
    if (const auto* t = snap->topic(p.topic)) {
      auto resolved = config::topic_config::resolve(state_.config, t->configs);
      if (resolved.ok()) value = std::max(resolved->min_insync_replicas, 1);
    }
  }
  r.min_insync = value;
  r.min_insync_of = version;
  return value;
}

asio::awaitable<error_code> replica_manager::wait_for_replication(
    partition& p, int32_t leader_epoch, int64_t last_offset, std::chrono::steady_clock::time_point deadline) {
  struct waiter {
    waiter(asio::io_context& io, std::chrono::steady_clock::time_point at) : timer(io, at) {}
    asio::steady_timer timer;
  };
  const std::shared_ptr<bool> gone = p.gone;
  auto w = std::make_shared<waiter>(state_.io, deadline);
  auto wake = std::make_shared<std::function<void()>>([weak = std::weak_ptr<waiter>(w)] {
    if (auto x = weak.lock()) x->timer.cancel();
  });
  for (;;) {
    // The partition reference is only used while `gone` says it still exists.
    if (*gone || closed_ || !p.is_leader() || p.leader_epoch != leader_epoch) {
      co_return error_code::not_leader_or_follower;
    }
    if (p.high_watermark() > last_offset) {
      if (static_cast<int32_t>(p.repl.isr.size()) < min_insync_replicas(p)) {
        co_return error_code::not_enough_replicas_after_append;
      }
      co_return error_code::none;
    }
    if (std::chrono::steady_clock::now() >= deadline) co_return error_code::request_timed_out;
    p.add_replication_waiter(wake);
    co_await w->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace sluice::broker
