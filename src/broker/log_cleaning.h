// log_cleaning: starts the storage log cleaner over the partitions this broker hosts, with its
// results posted back to the shard's io_context.
#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>

#include "broker/partition_manager.h"
#include "storage/cleaner_config.h"
#include "storage/log_cleaner.h"

namespace sluice::broker {

// nullptr when the cleaner is disabled (log.cleaner.enable=false or log.cleaner.threads=0) or
// fails to start (logged). The caller ticks it every config.backoff_ms and stops it before the
// partitions are closed. `partitions` must outlive it.
std::unique_ptr<storage::log_cleaner> start_log_cleaner(boost::asio::io_context& io, storage::file_system& fs,
                                                        storage::clock& clk, partition_manager& partitions,
                                                        const storage::cleaner_config& config);

}  // namespace sluice::broker
