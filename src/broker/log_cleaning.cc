// log_cleaning: the broker-side glue of the log cleaner (partition listing, posting to the shard).
#include "broker/log_cleaning.h"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

namespace sluice::broker {

std::unique_ptr<storage::log_cleaner> start_log_cleaner(boost::asio::io_context& io, storage::file_system& fs,
                                                        storage::clock& clk, partition_manager& partitions,
                                                        const storage::cleaner_config& config) {
  if (!config.enable) {
    spdlog::info("log cleaner disabled: compacted topics are not compacted");
    return nullptr;
  }
  auto lister = [&partitions] {
    std::vector<storage::cleaner_log> out;
    partitions.for_each([&out](partition& p) { out.push_back({p.topic, p.index, p.log.get()}); });
    return out;
  };
  auto poster = [&io](std::function<void()> f) { boost::asio::post(io, std::move(f)); };
  auto cleaner =
      std::make_unique<storage::log_cleaner>(fs, clk, config, std::move(lister), std::move(poster));
  if (auto r = cleaner->start(); !r.ok()) {
    spdlog::error("log cleaner failed to start: {}", r.err().message);
    return nullptr;
  }
  return cleaner;
}

}  // namespace sluice::broker
