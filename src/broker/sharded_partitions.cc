// sharded_partitions: topic lifecycle operations fanned out to every shard's partition_manager.
#include "broker/sharded_partitions.h"

#include <mutex>

namespace sluice::broker {

result<void> sharded_partitions::on_every_shard(const std::function<result<void>(partition_manager&)>& op) {
  std::mutex mu;
  result<void> first;
  bool failed = false;
  shards_.for_each_blocking([&](size_t shard) {
    auto r = op(*managers_[shard]);
    if (r.ok()) return;
    std::lock_guard lk(mu);
    if (!failed) {
      failed = true;
      first = std::move(r);
    }
  });
  return first;
}

result<void> sharded_partitions::add_partitions(const cluster::topic_info& topic, int32_t first) {
  auto r = on_every_shard([&](partition_manager& m) { return m.add_partitions(topic, first); });
  if (first == 0 && topics_changed_) topics_changed_();
  return r;
}

result<void> sharded_partitions::remove_topic(const std::string& topic) {
  auto r = on_every_shard([&](partition_manager& m) { return m.remove_topic(topic); });
  if (topics_changed_) topics_changed_();
  return r;
}

void sharded_partitions::reconfigure(const cluster::topic_info& topic) {
  (void)on_every_shard([&](partition_manager& m) {
    m.reconfigure(topic);
    return result<void>{};
  });
}

}  // namespace sluice::broker
