// sync_request: the files a log must fdatasync, and the offset that becomes durable once they are
// (the unit of work handed from a partition_log to the flusher).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "storage/file_system.h"

namespace sluice::storage {

// Value type. Once every file is fdatasync'ed, every offset below `offset` is durable and the log
// may be told so with partition_log::mark_synced(offset).
struct sync_request {
  std::vector<std::shared_ptr<file>> files;
  int64_t offset = 0;
};

}  // namespace sluice::storage
