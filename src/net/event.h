// async_event: a wake-up signal for one coroutine on a single-threaded executor, built on a timer.
#pragma once

#include <chrono>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace sluice::net::detail {

// async_event: wait() suspends until notify() (or until a deadline). It stores no state: a
// notify() with no waiter is lost, so a waiter must re-check its condition in a loop, which is
// race-free because the executor is single-threaded (no notify can run between the check and the
// wait). Thread-compatible; one waiter at a time.
class async_event {
 public:
  using clock = std::chrono::steady_clock;

  explicit async_event(const boost::asio::any_io_executor& ex) : timer_(ex) {}

  boost::asio::awaitable<void> wait() { return wait_until(clock::time_point::max()); }

  boost::asio::awaitable<void> wait_until(clock::time_point deadline) {
    timer_.expires_at(deadline);
    (void)co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }

  void notify() { timer_.cancel(); }

 private:
  boost::asio::steady_timer timer_;
};

}  // namespace sluice::net::detail
