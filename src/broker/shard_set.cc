// shard_set: shard threads, partition ownership and blocking control-shard calls.
#include "broker/shard_set.h"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <memory>

#include "cluster/topic_name.h"

namespace sluice::broker {
namespace asio = boost::asio;

struct shard_set::guards {
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work;
};

namespace {

constexpr size_t max_shards = 64;

size_t resolve_count(size_t count) {
  if (count == 0) count = std::max<size_t>(1, std::thread::hardware_concurrency());
  return std::min(count, max_shards);
}

// FNV-1a: stable across runs and platforms (std::hash is neither promised).
uint64_t name_hash(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

shard_set::shard_set(asio::io_context& control, size_t count) : control_(control), guards_(new guards) {
  const size_t n = resolve_count(count);
  ios_.push_back(&control_);
  for (size_t i = 1; i < n; ++i) {
    // Concurrency hint 1: each loop is run by exactly one thread, so Asio can skip its locking.
    owned_.push_back(std::make_unique<asio::io_context>(1));
    ios_.push_back(owned_.back().get());
  }
}

shard_set::~shard_set() { stop_threads(); }

size_t shard_set::owner_of(const std::string& topic, int32_t index) const {
  if (ios_.size() == 1 || cluster::is_internal_topic(topic)) return 0;
  return static_cast<size_t>((name_hash(topic) + static_cast<uint32_t>(index)) % ios_.size());
}

size_t shard_set::current() const {
  for (size_t i = 0; i < ios_.size(); ++i) {
    if (ios_[i]->get_executor().running_in_this_thread()) return i;
  }
  return npos;
}

void shard_set::start_threads() {
  if (!threads_.empty()) return;
  for (size_t i = 1; i < ios_.size(); ++i) {
    guards_->work.push_back(asio::make_work_guard(*ios_[i]));
    threads_.emplace_back([io = ios_[i], i] {
      try {
        io->run();
      } catch (const std::exception& e) {
        // Handlers report their own errors; an exception here is a bug that would otherwise
        // silently stop a shard. End the process loudly instead.
        spdlog::critical("shard {} stopped by an exception: {}", i, e.what());
        std::abort();
      }
    });
  }
}

void shard_set::stop_threads() {
  if (threads_.empty()) return;
  guards_->work.clear();
  for (size_t i = 1; i < ios_.size(); ++i) ios_[i]->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void shard_set::for_each_blocking(const std::function<void(size_t)>& fn) {
  const size_t me = current();
  std::vector<std::future<void>> pending;
  std::vector<size_t> inline_shards;
  for (size_t i = 0; i < ios_.size(); ++i) {
    const bool run_inline = i == me || (i == 0 && me == npos) || (i != 0 && threads_.empty());
    if (run_inline) {
      inline_shards.push_back(i);
      continue;
    }
    auto task = std::make_shared<std::packaged_task<void()>>([&fn, i] { fn(i); });
    pending.push_back(task->get_future());
    asio::post(*ios_[i], [task] { (*task)(); });
  }
  // The remote shards work while this thread does its own share. Every remote task refers to
  // `fn`, so all of them are waited for before an exception leaves this frame.
  std::exception_ptr failure;
  try {
    for (size_t i : inline_shards) fn(i);
  } catch (...) {
    failure = std::current_exception();
  }
  for (auto& f : pending) {
    try {
      f.get();
    } catch (...) {
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace sluice::broker
