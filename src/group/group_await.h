// group_await: turns the coordinator's callback API into an awaitable for broker handlers. The
// completion is posted, so a callback fired from inside another request's coordinator call never
// resumes a parked handler on that caller's stack.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

namespace sluice::group {

// `start(callback)` must call `callback(Result)` exactly once, now or later, on io's thread.
// Deliberately not a coroutine, and `start` is taken by reference: GCC 12 destroys prvalue
// arguments of coroutines twice (PR 99576), so callers pass a named lambda that captures
// only references into their own coroutine frame.
template <class Result, class Start>
auto await_result(boost::asio::io_context& io, Start& start) {
  return boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(Result)>(
      [&io, &start](auto handler) {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        start([&io, h](Result r) {
          boost::asio::post(io, [h, r = std::move(r)]() mutable { std::move (*h)(std::move(r)); });
        });
      },
      boost::asio::use_awaitable);
}

}  // namespace sluice::group
