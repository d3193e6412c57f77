// consumer_offsets_log: appends group state to __consumer_offsets and replays it at start.
#include "broker/consumer_offsets_log.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "broker/broker_state.h"
#include "broker/group_commit.h"
#include "broker/partition.h"
#include "broker/partition_manager.h"
#include "broker/replica_manager.h"
#include "cluster/cluster_snapshot.h"
#include "cluster/topic_table.h"
#include "group/group_coordinator.h"
#include "group/offsets_topic_format.h"
#include "records/batch_builder.h"
#include "records/record_reader.h"

namespace sluice::broker {
namespace ot = group::offsets_topic;

namespace {

// Bytes read per step while replaying a partition; a batch larger than this is read whole.
constexpr size_t load_chunk_bytes = 1 << 20;

records::nullable_bytes as_nullable(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  return records::as_bytes(*s);
}

// Reads the bytes of `slices` (file ranges of one partition_log::read) into memory.
result<std::string> read_slices(const std::vector<file_slice>& slices, size_t total) {
  std::string out;
  out.resize(total);
  size_t pos = 0;
  for (const auto& s : slices) {
    size_t done = 0;
    while (done < s.length) {
      const ssize_t n = ::pread(s.fd, out.data() + pos + done, s.length - done,
                                static_cast<off_t>(s.offset + static_cast<int64_t>(done)));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        return make_error(errc::io_error, std::string("reading __consumer_offsets: ") +
                                              (n < 0 ? std::strerror(errno) : "unexpected end of file"));
      }
      done += static_cast<size_t>(n);
    }
    pos += s.length;
  }
  out.resize(pos);
  return out;
}

}  // namespace

consumer_offsets_log::consumer_offsets_log(cluster::topic_table& topics, partition_manager& partitions,
                                           group_commit& commits, group::group_coordinator& coordinator,
                                           storage::clock& clock, consumer_offsets_settings settings)
    : topics_(topics),
      partitions_(partitions),
      commits_(commits),
      coordinator_(coordinator),
      clock_(clock),
      settings_(settings) {}

result<void> consumer_offsets_log::ensure_topic() {
  const cluster::topic_info* info = topics_.find(ot::topic_name);
  if (!info) {
    std::map<std::string, std::string> configs{
        {"cleanup.policy", "compact"},
        {"segment.bytes", std::to_string(settings_.segment_bytes)},
        {"compression.type", "producer"},
    };
    auto created =
        topics_.create(ot::topic_name, settings_.num_partitions, std::move(configs), /*internal=*/true);
    if (!created.ok()) return make_error(errc::io_error, "creating __consumer_offsets: " + created.message);
    info = topics_.find(ot::topic_name);
    if (!info) return make_error(errc::internal, "__consumer_offsets missing after creation");
    spdlog::info("created {} with {} partitions", ot::topic_name, info->partition_count);
  }
  if (auto r = partitions_.add_partitions(*info, 0); !r.ok()) return r;
  partition_count_ = info->partition_count;
  return {};
}

void consumer_offsets_log::on_cluster_snapshot(const cluster::cluster_snapshot& snapshot) {
  cluster_mode_ = true;
  const cluster::topic_snapshot* t = snapshot.topic(ot::topic_name);
  leaderships_ = t ? t->partitions : std::vector<cluster::partition_leadership>{};
  // Adopted once the topic reaches this broker's table (the broker mirrors the snapshot's topics
  // before calling here); its partition count never changes afterwards.
  if (t && partition_count_ == 0 && topics_.find(ot::topic_name)) {
    if (auto r = ensure_topic(); !r.ok()) {
      spdlog::error("cluster: __consumer_offsets: {}", r.err().message);
      return;
    }
  }
  follow_leadership();
}

void consumer_offsets_log::bind(broker_state& control) {
  if (control_ == &control) return;
  control_ = &control;
  if (cluster_mode_) follow_leadership();
}

void consumer_offsets_log::follow_leadership() {
  if (!control_ || !cluster_mode_) return;
  if (!cleared_) {
    // Whatever was loaded before the broker knew it was in a cluster (a single-node start) is not
    // necessarily this broker's to coordinate.
    cleared_ = true;
    coordinator_.unload_groups([](const std::string&) { return true; });
    writes_.clear();
    led_.clear();
  }
  const int32_t self = control_->self.node_id;
  for (int32_t i = 0; i < partition_count_; ++i) {
    const auto idx = static_cast<size_t>(i);
    const cluster::partition_leadership* l = idx < leaderships_.size() ? &leaderships_[idx] : nullptr;
    partition* p = partitions_.find(ot::topic_name, i);
    const bool leads = l && l->leader == self && p;
    auto it = led_.find(i);
    if (!leads) {
      if (it != led_.end()) {
        unload_partition(i);
        spdlog::info("group coordinator: resigned {}-{}", ot::topic_name, i);
      }
      continue;
    }
    if (it != led_.end()) {
      if (it->second == l->leader_epoch) continue;
      // Led again under a new epoch: another leader may have written in between (snapshots can
      // coalesce), so the partition is read again rather than trusted.
      unload_partition(i);
    }
    // Kafka's loadGroupsForPartition: replay the partition up to its log end (a new leader's log
    // end holds everything the ISR acknowledged).
    const auto started = std::chrono::steady_clock::now();
    consumer_offsets_load_stats stats;
    if (auto r = load_partition(*p, stats); !r.ok()) {
      spdlog::error("group coordinator: loading {}-{}: {}", ot::topic_name, i, r.err().message);
      unload_partition(i);
      continue;
    }
    coordinator_.finish_load();
    led_[i] = l->leader_epoch;
    spdlog::info(
        "group coordinator: elected for {}-{} (leader epoch {}): {} records in {} ms", ot::topic_name, i,
        l->leader_epoch, stats.records,
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
            .count());
  }
}

void consumer_offsets_log::unload_partition(int32_t index) {
  const int32_t n = partition_count_;
  coordinator_.unload_groups([n, index](const std::string& id) { return ot::partition_for(id, n) == index; });
  std::erase_if(writes_, [n, index](const auto& w) { return ot::partition_for(w.first, n) == index; });
  led_.erase(index);
}

group::error_code consumer_offsets_log::coordinator_error(const std::string& group_id) const {
  if (partition_count_ <= 0) return group::error_code::not_coordinator;
  return led_.count(ot::partition_for(group_id, partition_count_)) ? group::error_code::none
                                                                   : group::error_code::not_coordinator;
}

std::optional<consumer_offsets_log::write_position> consumer_offsets_log::last_write_of(
    const std::string& group_id) const {
  auto it = writes_.find(group_id);
  if (it == writes_.end()) return std::nullopt;
  return it->second;
}

partition* consumer_offsets_log::partition_of(const std::string& group_id) {
  if (partition_count_ <= 0) return nullptr;
  return partitions_.find(ot::topic_name, ot::partition_for(group_id, partition_count_));
}

result<consumer_offsets_load_stats> consumer_offsets_log::load() {
  consumer_offsets_load_stats stats;
  for (auto* p : partitions_.topic_partitions(ot::topic_name)) {
    if (auto r = load_partition(*p, stats); !r.ok()) return r.err();
  }
  coordinator_.finish_load();
  stats.groups = coordinator_.group_count();
  return stats;
}

result<void> consumer_offsets_log::load_partition(partition& p, consumer_offsets_load_stats& stats) {
  int64_t offset = p.log->log_start_offset();
  const int64_t end = p.log->log_end_offset();
  while (offset < end) {
    auto chunk = p.log->read(offset, load_chunk_bytes, end, /*min_one_batch=*/true);
    if (!chunk.ok()) return chunk.err();
    if (chunk->slices.empty()) break;
    auto bytes = read_slices(chunk->slices, chunk->size_bytes);
    if (!bytes.ok()) return bytes.err();
    stats.bytes += static_cast<int64_t>(bytes->size());
    std::span<const uint8_t> rest(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size());
    int64_t next = offset;
    while (!rest.empty()) {
      auto h = records::parse_batch_header(rest);
      if (!h || h->total_size() > rest.size()) break;
      const auto batch = rest.first(h->total_size());
      rest = rest.subspan(h->total_size());
      next = h->last_offset() + 1;
      // Control batches (transaction markers) carry no group state.
      if (h->is_control()) continue;
      auto rr = records::record_reader::open(batch);
      if (!rr) {
        stats.skipped += h->records_count;
        continue;
      }
      records::record_view rec;
      while (rr->next(rec)) {
        ++stats.records;
        if (!rec.key) {
          ++stats.skipped;
          continue;
        }
        auto key = ot::decode_key(*rec.key);
        if (!key) {
          ++stats.skipped;
          continue;
        }
        if (auto* k = std::get_if<ot::offset_key>(&*key)) {
          if (!rec.value) {
            coordinator_.load_offset(k->group, k->tp, std::nullopt);
          } else if (auto v = ot::decode_offset_value(*rec.value)) {
            coordinator_.load_offset(k->group, k->tp, std::move(*v));
          } else {
            ++stats.skipped;
          }
        } else if (auto* g = std::get_if<ot::group_key>(&*key)) {
          if (!rec.value) {
            coordinator_.load_group(g->group, std::nullopt);
          } else if (auto v = ot::decode_group_value(*rec.value)) {
            coordinator_.load_group(g->group, std::move(*v));
          } else {
            ++stats.skipped;
          }
        }
      }
    }
    if (next <= offset) break;  // no progress: a batch the reader could not parse
    offset = next;
  }
  return {};
}

void consumer_offsets_log::append(const std::string& group_id, const std::vector<record>& records) {
  last_append_ = {};
  last_append_not_leader_ = false;
  last_write_.reset();
  if (records.empty()) return;
  partition* p = partition_of(group_id);
  if (!p) {
    last_append_ = make_error(errc::not_found, "__consumer_offsets is not available");
    return;
  }
  // Cluster mode: only the leader of the group's partition writes, and only once it has loaded it.
  if (cluster_mode_ && (!led_.count(p->index) || !p->is_leader())) {
    last_append_ = make_error(errc::not_found, "this broker does not lead " + p->topic + "-" +
                                                   std::to_string(p->index) + " (group " + group_id + ")");
    last_append_not_leader_ = true;
    return;
  }
  if (p->sync_failed) {  // see partition::sync_failed
    last_append_ = make_error(errc::io_error, "an fdatasync of " + p->topic + "-" + std::to_string(p->index) +
                                                  " failed; the partition is offline until a restart");
    return;
  }
  records::batch_builder builder;
  const int64_t now = clock_.now_ms();
  for (const auto& r : records) {
    builder.append(now, records::as_bytes(r.key), as_nullable(r.value));
  }
  auto batch = builder.build();
  if (!batch.ok()) {
    last_append_ = batch.err();
    return;
  }
  const std::span<uint8_t> bytes(reinterpret_cast<uint8_t*>(batch->data()), batch->size());
  // A leader stamps its epoch (followers and truncation rely on it), as a produce does.
  auto appended = p->is_leader() ? p->log->append(bytes, p->leader_epoch) : p->log->append(bytes);
  if (!appended.ok()) {
    spdlog::error("appending to {}-{} for group {}: {}", p->topic, p->index, group_id,
                  appended.err().message);
    last_append_ = make_error(errc::io_error, appended.err().message);
    return;
  }
  p->notify_data();
  if (p->is_leader()) {
    // The answer waits until the ISR has the records (Kafka appends with required acks = all).
    if (control_ && control_->replicas) control_->replicas->on_leader_append(*p);
    last_write_ = write_position{p->leader_epoch, appended->last_offset};
    writes_[group_id] = *last_write_;
  }
}

void consumer_offsets_log::offsets_committed(
    const std::string& group_id,
    const std::vector<std::pair<group::topic_partition, group::committed_offset>>& offsets) {
  std::vector<record> records;
  records.reserve(offsets.size());
  for (const auto& [tp, v] : offsets)
    records.push_back({ot::encode_offset_key(group_id, tp), ot::encode_offset_value(v)});
  append(group_id, records);
}

void consumer_offsets_log::group_changed(const std::string& group_id) {
  auto snap = coordinator_.snapshot(group_id);
  if (!snap) return;
  append(group_id, {{ot::encode_group_key(group_id), ot::encode_group_value(*snap)}});
  if (settings_.fsync_in_background && last_append_.ok()) {
    if (auto* p = partition_of(group_id)) commits_.sync_in_background(*p);
  }
}

void consumer_offsets_log::offsets_removed(const std::string& group_id,
                                           const std::vector<group::topic_partition>& partitions) {
  std::vector<record> records;
  records.reserve(partitions.size());
  for (const auto& tp : partitions) records.push_back({ot::encode_offset_key(group_id, tp), std::nullopt});
  append(group_id, records);
  if (settings_.fsync_in_background && last_append_.ok()) {
    if (auto* p = partition_of(group_id)) commits_.sync_in_background(*p);
  }
}

void consumer_offsets_log::group_removed(const std::string& group_id) {
  append(group_id, {{ot::encode_group_key(group_id), std::nullopt}});
  writes_.erase(group_id);
  if (settings_.fsync_in_background && last_append_.ok()) {
    if (auto* p = partition_of(group_id)) commits_.sync_in_background(*p);
  }
}

}  // namespace sluice::broker
