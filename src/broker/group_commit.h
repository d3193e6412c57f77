// group_commit: the DelayedProduce of acks=all: waits until the batches a request appended are
// fdatasync'd by the storage flusher, sharing each fsync with every other waiting request.
#pragma once

#include <vector>

#include "base/result.h"
#include "net/asio_fwd.h"

namespace sluice::storage {
class flusher;
}

namespace sluice::broker {

class partition_manager;
struct partition;

// Not thread-safe: used on the shard thread; flusher completions are posted back to it.
class group_commit {
 public:
  group_commit(boost::asio::io_context& io, storage::flusher& flusher, partition_manager& partitions)
      : io_(io), flusher_(flusher), partitions_(partitions) {}

  // Completes once everything appended so far to each of `parts` is durable (or an fdatasync
  // failed). REQUIRES: called on the shard thread, right after the appends it must cover.
  boost::asio::awaitable<result<void>> sync(std::vector<partition*> parts);

  // Starts a sync without waiting for it (flush.messages / flush.ms policy, periodic flush).
  void sync_in_background(partition& p);

 private:
  void submit(partition& p, std::function<void(result<void>)> done);

  boost::asio::io_context& io_;
  storage::flusher& flusher_;
  partition_manager& partitions_;
};

}  // namespace sluice::broker
