// producer_state: Kafka's idempotent-producer checks (epoch fencing, sequence continuity,
// duplicate detection over the last 5 batches) and the replay of batch headers.
#include "storage/producer_state.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "storage/format_constants.h"

namespace sluice::storage {

int32_t batch_last_sequence(const records::batch_header& h) {
  const int32_t base = h.base_sequence;
  const int32_t delta = h.last_offset_delta;
  if (base < 0) return base;
  constexpr int32_t max = std::numeric_limits<int32_t>::max();
  if (base > max - delta) return delta - (max - base) - 1;
  return base + delta;
}

namespace {
bool in_sequence(int32_t last_seq, int32_t next_seq) {
  return static_cast<int64_t>(next_seq) == static_cast<int64_t>(last_seq) + 1 ||
         (next_seq == 0 && last_seq == std::numeric_limits<int32_t>::max());
}
}  // namespace

producer_check producer_state::check(const records::batch_header& h) const {
  const int64_t pid = h.producer_id;
  auto it = map_.find(pid);
  const producer_entry* e = it == map_.end() ? nullptr : &it->second;
  const int16_t current_epoch = e ? e->epoch : int16_t{-1};

  if (h.is_control()) {
    // Transaction markers: only the epoch is checked.
    if (h.producer_epoch < current_epoch)
      return append_error{append_errc::invalid_producer_epoch,
                          fmt::format("producer {} marker epoch {} is older than current epoch {}", pid,
                                      h.producer_epoch, current_epoch)};
    return producer_check_ok{};
  }
  if (h.base_sequence < 0)
    return append_error{append_errc::invalid_record,
                        fmt::format("producer {} sent a batch without a base sequence", pid)};

  const int32_t last_seq = batch_last_sequence(h);
  if (e && h.producer_epoch == e->epoch) {
    for (const auto& b : e->batches)
      if (b.first_seq == h.base_sequence && b.last_seq == last_seq) return producer_check_duplicate{b};
  }
  if (h.producer_epoch < current_epoch)
    return append_error{append_errc::invalid_producer_epoch,
                        fmt::format("producer {} epoch {} is older than current epoch {}", pid,
                                    h.producer_epoch, current_epoch)};
  if (h.producer_epoch != current_epoch) {
    // A new producer id, or an epoch bump: the sequence restarts at 0.
    if (h.base_sequence != 0) {
      if (current_epoch != -1)
        return append_error{append_errc::out_of_order_sequence,
                            fmt::format("producer {} new epoch {} must start at sequence 0, got {}", pid,
                                        h.producer_epoch, h.base_sequence)};
      if (reject_unknown_)
        return append_error{
            append_errc::unknown_producer_id,
            fmt::format("no state for producer {} and its sequence {} is not 0", pid, h.base_sequence)};
    }
    return producer_check_ok{};
  }
  const int32_t current_last = e->last_seq();
  if (!in_sequence(current_last, h.base_sequence))
    return append_error{append_errc::out_of_order_sequence,
                        fmt::format("producer {} epoch {}: sequence {} does not follow {}", pid,
                                    h.producer_epoch, h.base_sequence, current_last)};
  return producer_check_ok{};
}

void producer_state::apply(const records::batch_header& h) {
  if (h.producer_id < 0) return;
  auto& e = map_[h.producer_id];
  e.producer_id = h.producer_id;
  if (h.producer_epoch != e.epoch) {
    e.batches.clear();
    e.epoch = h.producer_epoch;
  }
  e.last_timestamp = h.max_timestamp;
  if (h.is_control()) {
    e.current_txn_first_offset = -1;
    return;
  }
  e.batches.push_back(producer_batch{h.base_sequence, batch_last_sequence(h), h.base_offset, h.last_offset(),
                                     h.max_timestamp});
  while (e.batches.size() > static_cast<size_t>(format::producer_batches_to_retain)) e.batches.pop_front();
  if (h.is_transactional() && e.current_txn_first_offset < 0) e.current_txn_first_offset = h.base_offset;
}

void producer_state::remove_expired(int64_t now_ms, int64_t max_idle_ms) {
  std::erase_if(map_, [&](const auto& kv) {
    const producer_entry& e = kv.second;
    return e.current_txn_first_offset < 0 && now_ms - e.last_timestamp >= max_idle_ms;
  });
}

const producer_entry* producer_state::find(int64_t producer_id) const {
  auto it = map_.find(producer_id);
  return it == map_.end() ? nullptr : &it->second;
}

std::vector<producer_entry> producer_state::entries() const {
  std::vector<producer_entry> out;
  out.reserve(map_.size());
  for (const auto& [pid, e] : map_) out.push_back(e);
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.producer_id < b.producer_id; });
  return out;
}

std::vector<producer_description> producer_state::describe() const {
  std::vector<producer_description> out;
  for (const auto& e : entries())
    out.push_back(producer_description{e.producer_id, e.epoch, e.last_seq(), e.last_timestamp,
                                       e.coordinator_epoch, e.current_txn_first_offset});
  return out;
}

void producer_state::load(std::vector<producer_entry> entries) {
  map_.clear();
  for (auto& e : entries) {
    const int64_t pid = e.producer_id;
    map_[pid] = std::move(e);
  }
}

}  // namespace sluice::storage
