// offset_map: the log cleaner's bounded key → latest-offset table. Keys are stored as 128-bit
// hashes, so every entry costs the same 24 bytes whatever the key size (Kafka's SkimpyOffsetMap).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace sluice::storage {

// A 128-bit digest of a record key. Two different keys collide with probability ~2^-128 for
// non-adversarial keys; a collision would make the cleaner treat one key as superseded by the
// other (the same risk Kafka accepts with MD5).
struct key_hash {
  uint64_t lo = 0;
  uint64_t hi = 0;
  bool operator==(const key_hash&) const = default;
};

key_hash hash_key(std::span<const uint8_t> key);

// Open addressing with linear probing over a fixed array allocated once. Not thread-safe: one
// cleaner thread owns one map.
class offset_map {
 public:
  // `memory_bytes` bounds the slot array (log.cleaner.dedupe.buffer.size / cleaner threads);
  // at most `load_factor` of the slots are filled (Kafka's log.cleaner.io.buffer.load.factor).
  explicit offset_map(size_t memory_bytes, double load_factor = 0.9);

  static constexpr size_t bytes_per_entry = 24;

  size_t slots() const { return slots_.size(); }
  // The most distinct keys put() accepts.
  size_t max_entries() const { return max_entries_; }
  size_t size() const { return size_; }
  bool full() const { return size_ >= max_entries_; }
  // The largest offset put() so far; -1 when empty.
  int64_t latest_offset() const { return latest_; }

  // Records `offset` as the latest for `h`. Returns false (and changes nothing) if `h` is new and
  // the map is full.
  bool put(const key_hash& h, int64_t offset);
  // The offset recorded for `h`, or -1.
  int64_t get(const key_hash& h) const;
  void clear();

 private:
  struct slot {
    uint64_t lo;
    uint64_t hi;
    int64_t offset;  // -1: empty
  };
  size_t probe_start(const key_hash& h) const { return static_cast<size_t>(h.lo % slots_.size()); }

  std::vector<slot> slots_;
  size_t max_entries_ = 0;
  size_t size_ = 0;
  int64_t latest_ = -1;
};

}  // namespace sluice::storage
