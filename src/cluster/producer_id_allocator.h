// producer_id_allocator: hands out idempotent-producer ids that are never reused across restarts,
// by persisting the end of the current block before any id of it is used (like Kafka's
// producer-id block in ZooKeeper), see docs/formats/metadata.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/result.h"

namespace sluice::cluster {

// Not thread-safe: owned by the metadata shard.
class producer_id_allocator {
 public:
  static constexpr int64_t block_size = 1000;

  static result<std::unique_ptr<producer_id_allocator>> open(std::string dir);
  // Returns a fresh producer id (persisting a new block when the current one is used up).
  result<int64_t> next();
  // Cluster mode: blocks come from the cluster (ZooKeeper's /latest_producer_id_block), so ids are
  // unique across brokers; `source` returns the first id of a fresh block of block_size ids.
  void set_block_source(std::function<result<int64_t>()> source) {
    source_ = std::move(source);
    next_ = block_end_ = 0;
  }

 private:
  explicit producer_id_allocator(std::string path) : path_(std::move(path)) {}
  std::string path_;
  int64_t next_ = 0;       // next id to hand out
  int64_t block_end_ = 0;  // first id not covered by the persisted reservation
  std::function<result<int64_t>()> source_;
};

}  // namespace sluice::cluster
