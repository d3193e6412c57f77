// cleaner_fixture: a partition_log on real files with helpers to write keyed records, run one
// cleaning pass and read back what the log holds; shared by the log cleaner tests.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "log_fixture.h"
#include "records/batch_builder.h"
#include "records/record_reader.h"
#include "storage/cleaner_pass.h"
#include "storage/compaction_filter.h"
#include "storage/log_cleaner.h"
#include "storage/offset_map.h"

namespace sluice::storage::test {

using records::as_bytes;
using opt_str = std::optional<std::string>;

struct kv {
  std::string key;
  opt_str value;  // nullopt: tombstone
};

struct stored_record {
  int64_t offset;
  std::string key;
  opt_str value;
};

struct Cleaner : LogFixture {
  int64_t first_dirty = 0;
  std::vector<stored_record> history;  // everything put(), in offset order

  Cleaner() {
    cfg.cleanup_compact = true;
    cfg.cleanup_delete = false;
    cfg.segment_bytes = 600;
    cfg.delete_retention_ms = 1000;
    cfg.min_cleanable_dirty_ratio = 0.0;
  }

  static std::string build(const std::vector<kv>& recs, records::compression codec, int64_t ts,
                           int64_t pid = -1, int32_t seq = -1) {
    records::batch_builder_options o;
    o.codec = codec;
    o.producer_id = pid;
    o.producer_epoch = pid >= 0 ? 0 : -1;
    o.base_sequence = seq;
    records::batch_builder b(o);
    for (const auto& r : recs) {
      records::nullable_bytes v;
      if (r.value) v = as_bytes(*r.value);
      b.append(ts, as_bytes(r.key), v);
    }
    auto out = b.build();
    EXPECT_TRUE(out.ok());
    return *out;
  }

  append_info put(partition_log& log, const std::vector<kv>& recs,
                  records::compression codec = records::compression::none, int64_t pid = -1,
                  int32_t seq = -1) {
    std::string bytes = build(recs, codec, clk.now_ms(), pid, seq);
    auto r = log.append(std::span<uint8_t>(reinterpret_cast<uint8_t*>(bytes.data()), bytes.size()));
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.err().message);
    if (r.ok())
      for (size_t i = 0; i < recs.size(); ++i)
        history.push_back({r->base_offset + static_cast<int64_t>(i), recs[i].key, recs[i].value});
    return r.ok() ? *r : append_info{};
  }

  // Every record from the log start, in offset order.
  std::vector<stored_record> records_of(partition_log& log) {
    auto r = log.read(log.log_start_offset(), 1 << 30, INT64_MAX, true);
    EXPECT_TRUE(r.ok());
    auto bytes = slurp(*r);
    std::vector<stored_record> out;
    size_t pos = 0;
    while (pos + records::batch_layout::header_size <= bytes.size()) {
      auto h = records::parse_batch_header(std::span<const uint8_t>(bytes).subspan(pos));
      std::span<const uint8_t> batch(bytes.data() + pos, h->total_size());
      EXPECT_EQ(records::compute_crc(batch), h->crc);
      auto recs = records::read_records(batch);
      EXPECT_TRUE(recs.ok());
      for (auto& rec : *recs) out.push_back({rec.offset, rec.key.value_or(""), rec.value});
      pos += h->total_size();
    }
    return out;
  }

  // One pass through the real functions, synchronously: plan, clean, swap.
  result<clean_result> clean(partition_log& log, size_t map_bytes = 1 << 20) {
    auto sec = log.cleanable(first_dirty, clk.now_ms());
    if (!sec.ok()) return sec.err();
    clean_job job;
    job.topic = "orders";
    job.dir = log.dir();
    job.config = log.config();
    job.segments = sec->segments;
    job.first_uncleanable = sec->first_uncleanable;
    job.first_dirty = sec->first_dirty;
    job.now_ms = clk.now_ms();
    job.producer_last_offsets = log.active_producer_offsets();
    offset_map map(map_bytes);
    io_throttler throttle;
    auto r = run_clean_pass(fs, job, map, throttle);
    if (!r.ok()) return r;
    for (const auto& g : r->groups) {
      auto s = log.swap_cleaned(g);
      if (!s.ok()) return s.err();
    }
    first_dirty = r->new_first_dirty;
    return r;
  }

  // `n` updates over keys k0..k{keys-1}: value "v<i>". Returns the expected latest per key.
  std::map<std::string, std::pair<int64_t, opt_str>> fill(partition_log& log, int n, int keys) {
    std::map<std::string, std::pair<int64_t, opt_str>> latest;
    for (int i = 0; i < n; ++i) {
      const std::string k = "k" + std::to_string(i % keys);
      const std::string v = "v" + std::to_string(i);
      auto info = put(log, {{k, v}});
      latest[k] = {info.base_offset, v};
    }
    return latest;
  }

  // Below `uncleaned_from`, each key appears once, with its latest value among the records put()
  // below that offset.
  void expect_latest_only(partition_log& log, const std::map<std::string, std::pair<int64_t, opt_str>>&,
                          int64_t uncleaned_from) {
    std::map<std::string, std::pair<int64_t, opt_str>> latest;
    for (const auto& r : history)
      if (r.offset < uncleaned_from) latest[r.key] = {r.offset, r.value};
    std::map<std::string, int> seen;
    for (const auto& r : records_of(log)) {
      if (r.offset >= uncleaned_from) continue;
      ++seen[r.key];
      auto it = latest.find(r.key);
      ASSERT_NE(it, latest.end());
      EXPECT_EQ(r.offset, it->second.first) << r.key;
      EXPECT_EQ(r.value, it->second.second) << r.key;
    }
    for (const auto& [k, n] : seen) EXPECT_EQ(n, 1) << k;
  }
};

}  // namespace sluice::storage::test
