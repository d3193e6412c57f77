// cleaner_pass: building the offset map and writing cleaned segment files (cleaner thread side).
#include "storage/cleaner_pass.h"

#include <algorithm>
#include <chrono>
#include <functional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "records/record_reader.h"
#include "storage/compaction_filter.h"
#include "storage/file_names.h"
#include "storage/format_constants.h"

namespace sluice::storage {

namespace L = records::batch_layout;
namespace fn = file_names;

namespace {

constexpr size_t read_chunk = 1 << 20;
constexpr size_t write_chunk = 1 << 20;

struct pass_state {
  const clean_job& job;
  io_throttler& throttle;
  clean_stats& stats;
  bool cancelled() const { return job.cancelled->load(std::memory_order_relaxed); }
};

error cancelled_error(const clean_job& job) {
  return make_error(errc::shutting_down, fmt::format("{}: cleaning cancelled", job.dir));
}

// Calls fn(header, bytes, is_last) for each batch in the first `size` bytes of `f`, reading in
// large sequential chunks. fn returns false to stop. Corruption if a batch is malformed or runs
// past `size` (closed segments were validated when recovered, so this means damage).
result<void> for_each_stored_batch(
    pass_state& st, const clean_segment& seg,
    const std::function<result<bool>(const records::batch_header&, std::span<const uint8_t>, bool)>& fn) {
  std::vector<uint8_t> buf;
  int64_t buf_pos = 0;
  auto window = [&](int64_t pos, size_t n) -> result<std::span<const uint8_t>> {
    if (pos < buf_pos || pos + static_cast<int64_t>(n) > buf_pos + static_cast<int64_t>(buf.size())) {
      const auto want = static_cast<size_t>(std::min<int64_t>(std::max(n, read_chunk), seg.size - pos));
      buf.resize(want);
      auto got = seg.log->pread(buf, pos);
      if (!got.ok()) return got.err();
      buf.resize(*got);
      buf_pos = pos;
      st.stats.bytes_read += static_cast<int64_t>(*got);
      st.throttle.acquire(static_cast<int64_t>(*got));
    }
    const auto off = static_cast<size_t>(pos - buf_pos);
    if (off + n > buf.size())
      return make_error(errc::corruption, fmt::format("{}: short read at {}", seg.log->path(), pos));
    return std::span<const uint8_t>(buf.data() + off, n);
  };
  int64_t pos = 0;
  while (pos < seg.size) {
    if (st.cancelled()) return cancelled_error(st.job);
    if (seg.size - pos < static_cast<int64_t>(L::header_size))
      return make_error(errc::corruption, fmt::format("{}: torn header at {}", seg.log->path(), pos));
    auto hb = window(pos, L::header_size);
    if (!hb.ok()) return hb.err();
    auto h = records::parse_batch_header(*hb);
    if (!h || h->batch_length < format::min_batch_length || h->magic != format::batch_magic ||
        pos + static_cast<int64_t>(h->total_size()) > seg.size)
      return make_error(errc::corruption, fmt::format("{}: bad batch header at {}", seg.log->path(), pos));
    auto bytes = window(pos, h->total_size());
    if (!bytes.ok()) return bytes.err();
    const int64_t next = pos + static_cast<int64_t>(h->total_size());
    auto go_on = fn(*h, *bytes, next == seg.size);
    if (!go_on.ok()) return go_on.err();
    if (!*go_on) break;
    pos = next;
  }
  return {};
}

// Fills the map from the dirty section; returns the first offset not covered.
result<int64_t> build_map(pass_state& st, const std::vector<int64_t>& ends, offset_map& map) {
  const clean_job& job = st.job;
  int64_t covered = job.first_dirty;
  bool full = false;
  for (size_t i = 0; i < job.segments.size() && !full; ++i) {
    const auto& seg = job.segments[i];
    if (ends[i] <= job.first_dirty) continue;
    auto r = for_each_stored_batch(
        st, seg, [&](const records::batch_header& h, std::span<const uint8_t> bytes, bool) -> result<bool> {
          if (h.last_offset() < job.first_dirty) return true;
          if (!h.is_control()) {
            if (map.size() + static_cast<size_t>(std::max(h.records_count, 0)) > map.max_entries()) {
              if (map.size() == 0)
                return make_error(
                    errc::invalid_argument,
                    fmt::format("{}: a batch of {} records does not fit the cleaner's offset map "
                                "of {} entries (log.cleaner.dedupe.buffer.size)",
                                job.dir, h.records_count, map.max_entries()));
              full = true;
              return false;
            }
            auto reader = records::record_reader::open(bytes);
            if (!reader.ok())
              return make_error(errc::corruption, fmt::format("{}: batch at offset {}: {}", job.dir,
                                                              h.base_offset, reader.err().detail));
            records::record_view rec;
            while (reader->next(rec)) {
              ++st.stats.records_read;
              if (rec.key && rec.offset >= job.first_dirty) map.put(hash_key(*rec.key), rec.offset);
            }
            if (reader->error())
              return make_error(errc::corruption, fmt::format("{}: batch at offset {}: {}", job.dir,
                                                              h.base_offset, reader->error()->detail));
          }
          covered = h.last_offset() + 1;
          return true;
        });
    if (!r.ok()) return r.err();
    if (!full) covered = std::max(covered, ends[i]);
  }
  return covered;
}

// Writes one cleaned file for segments [first, last] of the job.
result<cleaned_group> clean_group(file_system& fs, pass_state& st, const std::vector<size_t>& members,
                                  const compaction_context& ctx, int64_t& earliest_horizon) {
  const clean_job& job = st.job;
  cleaned_group g;
  g.base_offset = job.segments[members.front()].base_offset;
  g.cleaned_path = fn::join(job.dir, fn::cleaned(fn::log_file(g.base_offset)));
  auto out = fs.open(g.cleaned_path, open_mode::create_truncate);
  if (!out.ok()) return out.err();
  std::string pending;
  int64_t written = 0;
  auto flush_pending = [&]() -> result<void> {
    if (pending.empty()) return {};
    if (auto r = (*out)->pwrite(records::as_bytes(pending), written); !r.ok()) return r;
    written += static_cast<int64_t>(pending.size());
    st.stats.bytes_written += static_cast<int64_t>(pending.size());
    st.throttle.acquire(static_cast<int64_t>(pending.size()));
    pending.clear();
    return {};
  };
  for (size_t k = 0; k < members.size(); ++k) {
    const auto& seg = job.segments[members[k]];
    g.originals.push_back(seg);
    g.bytes_in += seg.size;
    const bool last_segment = k + 1 == members.size();
    auto r = for_each_stored_batch(
        st, seg,
        [&](const records::batch_header& h, std::span<const uint8_t> bytes, bool last_batch) -> result<bool> {
          auto f = filter_batch(bytes, ctx, last_segment && last_batch);
          if (!f.ok()) return f.err();
          st.stats.records_kept += f->records_kept;
          if (f->tombstone_horizon >= 0)
            earliest_horizon = earliest_horizon < 0 ? f->tombstone_horizon
                                                    : std::min(earliest_horizon, f->tombstone_horizon);
          switch (f->action) {
            case filter_action::keep:
              pending.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
              break;
            case filter_action::rewrite:
              ++st.stats.batches_rewritten;
              pending.append(f->bytes);
              break;
            case filter_action::drop:
              ++st.stats.batches_rewritten;
              break;
          }
          (void)h;
          if (pending.size() >= write_chunk)
            if (auto w = flush_pending(); !w.ok()) return w.err();
          return true;
        });
    if (!r.ok()) return r.err();
  }
  if (auto r = flush_pending(); !r.ok()) return r.err();
  // Durable before the swap makes it part of the log.
  if (auto r = (*out)->fdatasync(); !r.ok()) return r.err();
  g.bytes_out = written;
  return g;
}

}  // namespace

std::vector<std::vector<size_t>> group_segments(const std::vector<clean_segment>& segs,
                                                const std::vector<int64_t>& end_offsets, int64_t max_bytes) {
  std::vector<std::vector<size_t>> groups;
  for (size_t i = 0; i < segs.size(); ++i) {
    if (!groups.empty()) {
      auto& g = groups.back();
      int64_t bytes = segs[i].size;
      for (size_t j : g) bytes += segs[j].size;
      const int64_t span = end_offsets[i] - 1 - segs[g.front()].base_offset;
      if (bytes <= max_bytes && span <= format::max_relative_offset) {
        g.push_back(i);
        continue;
      }
    }
    groups.push_back({i});
  }
  return groups;
}

result<clean_result> run_clean_pass(file_system& fs, const clean_job& job, offset_map& map,
                                    io_throttler& throttle) {
  const auto started = std::chrono::steady_clock::now();
  clean_result res;
  pass_state st{job, throttle, res.stats};
  map.clear();
  std::vector<int64_t> ends(job.segments.size());
  for (size_t i = 0; i < job.segments.size(); ++i)
    ends[i] = i + 1 < job.segments.size() ? job.segments[i + 1].base_offset : job.first_uncleanable;

  auto covered = build_map(st, ends, map);
  if (!covered.ok()) return covered.err();
  res.new_first_dirty = *covered;
  res.stats.map_entries = static_cast<int64_t>(map.size());

  // Clean every segment holding offsets below the new first dirty offset (the clean section is
  // cleaned again against the new map, as Kafka does).
  std::vector<clean_segment> to_clean;
  std::vector<int64_t> to_clean_ends;
  for (size_t i = 0; i < job.segments.size() && job.segments[i].base_offset < res.new_first_dirty; ++i) {
    // An empty closed segment cannot end a cleaned file (nothing to keep its offsets): stop there.
    if (job.segments[i].size == 0) break;
    to_clean.push_back(job.segments[i]);
    to_clean_ends.push_back(ends[i]);
  }
  clean_job sub = job;
  sub.segments = to_clean;
  pass_state sub_st{sub, throttle, res.stats};
  compaction_context ctx;
  ctx.map = &map;
  ctx.now_ms = job.now_ms;
  ctx.delete_retention_ms = job.config.delete_retention_ms;
  ctx.producer_last_offsets = &job.producer_last_offsets;
  const int64_t max_bytes = std::min(job.config.segment_bytes, format::max_segment_bytes);
  auto remove_created = [&] {
    for (const auto& g : res.groups) (void)fs.unlink(g.cleaned_path);
  };
  for (const auto& members : group_segments(to_clean, to_clean_ends, max_bytes)) {
    auto g = clean_group(fs, sub_st, members, ctx, res.earliest_horizon);
    if (!g.ok()) {
      (void)fs.unlink(fn::join(job.dir, fn::cleaned(fn::log_file(to_clean[members.front()].base_offset))));
      remove_created();
      return g.err();
    }
    res.groups.push_back(std::move(*g));
  }
  res.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return res;
}

}  // namespace sluice::storage
