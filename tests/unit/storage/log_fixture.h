// log_fixture: a gtest fixture with a temp dir, a fault-injecting fs over the real one, a manual
// clock and helpers to open a partition_log.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "batch_maker.h"
#include "storage/fault_injection_fs.h"
#include "storage/file_names.h"
#include "storage/partition_log.h"

namespace sluice::storage::test {

struct LogFixture : ::testing::Test {
  temp_dir dir;
  std::unique_ptr<file_system> real = make_posix_file_system();
  fault_injection_fs fs{*real};
  manual_clock clk;
  log_config cfg;
  std::string pdir = dir.sub("orders-0");

  std::unique_ptr<partition_log> open_log(open_options o = {}) {
    auto r = partition_log::open(fs, clk, pdir, cfg, o);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.err().message);
    return r.ok() ? std::move(*r) : nullptr;
  }
  std::unique_ptr<partition_log> reopen_clean(std::unique_ptr<partition_log>& log) {
    EXPECT_TRUE(log->close().ok());
    const int64_t start = log->log_start_offset();
    log.reset();
    return open_log(open_options{true, 0, start});
  }
  std::unique_ptr<partition_log> reopen_unclean(std::unique_ptr<partition_log>& log,
                                                int64_t recovery_point = 0) {
    log.reset();
    fs.kill_process();
    return open_log(open_options{false, recovery_point, -1});
  }
  batch_spec spec(int records = 1, size_t value_size = 10) const {
    batch_spec s;
    s.records = records;
    s.value_size = value_size;
    s.base_timestamp = clk.now_ms();
    return s;
  }
  std::string seg_path(int64_t base, std::string_view kind = ".log") const {
    return pdir + "/" + file_names::offset_name(base) + std::string(kind);
  }
  // All batch headers readable from `from`.
  std::vector<records::batch_header> read_all(partition_log& log, int64_t from = -1) {
    if (from < 0) from = log.log_start_offset();
    auto r = log.read(from, 1 << 30, INT64_MAX, true);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.err().message);
    return r.ok() ? headers_of(slurp(*r)) : std::vector<records::batch_header>{};
  }
};

}  // namespace sluice::storage::test
