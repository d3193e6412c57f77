// offset_map: key hashing (MurmurHash3 x64/128 structure, written from the published algorithm)
// and the open-addressing table.
#include "storage/offset_map.h"

#include <algorithm>
#include <cstring>

namespace sluice::storage {
namespace {

inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

inline uint64_t fmix(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

inline uint64_t load_le64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;  // little-endian hosts only (x86-64, aarch64): the hash never leaves the process
}

}  // namespace

key_hash hash_key(std::span<const uint8_t> key) {
  constexpr uint64_t c1 = 0x87c37b91114253d5ULL;
  constexpr uint64_t c2 = 0x4cf5ad432745937fULL;
  const uint8_t* data = key.data();
  const size_t len = key.size();
  const size_t blocks = len / 16;
  uint64_t h1 = 0x5157554943454b59ULL;  // any fixed seed
  uint64_t h2 = h1;
  for (size_t i = 0; i < blocks; ++i) {
    uint64_t k1 = load_le64(data + i * 16);
    uint64_t k2 = load_le64(data + i * 16 + 8);
    k1 *= c1;
    k1 = rotl(k1, 31);
    k1 *= c2;
    h1 ^= k1;
    h1 = rotl(h1, 27);
    h1 += h2;
    h1 = h1 * 5 + 0x52dce729;
    k2 *= c2;
    k2 = rotl(k2, 33);
    k2 *= c1;
    h2 ^= k2;
    h2 = rotl(h2, 31);
    h2 += h1;
    h2 = h2 * 5 + 0x38495ab5;
  }
  const uint8_t* tail = data + blocks * 16;
  uint64_t k1 = 0;
  uint64_t k2 = 0;
  const size_t rest = len & 15;
  for (size_t i = rest; i > 8; --i) k2 ^= static_cast<uint64_t>(tail[i - 1]) << ((i - 9) * 8);
  for (size_t i = std::min<size_t>(rest, 8); i > 0; --i)
    k1 ^= static_cast<uint64_t>(tail[i - 1]) << ((i - 1) * 8);
  if (rest > 8) {
    k2 *= c2;
    k2 = rotl(k2, 33);
    k2 *= c1;
    h2 ^= k2;
  }
  if (rest > 0) {
    k1 *= c1;
    k1 = rotl(k1, 31);
    k1 *= c2;
    h1 ^= k1;
  }
  h1 ^= len;
  h2 ^= len;
  h1 += h2;
  h2 += h1;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h1 += h2;
  h2 += h1;
  return key_hash{h1, h2};
}

offset_map::offset_map(size_t memory_bytes, double load_factor) {
  const size_t n = std::max<size_t>(memory_bytes / bytes_per_entry, 2);
  slots_.resize(n);
  max_entries_ = std::clamp<size_t>(static_cast<size_t>(static_cast<double>(n) * load_factor), 1, n - 1);
  clear();
}

void offset_map::clear() {
  for (auto& s : slots_) s.offset = -1;
  size_ = 0;
  latest_ = -1;
}

bool offset_map::put(const key_hash& h, int64_t offset) {
  const size_t n = slots_.size();
  // At least one slot stays empty (max_entries_ < n), so probing always terminates.
  for (size_t i = probe_start(h);; i = i + 1 == n ? 0 : i + 1) {
    slot& s = slots_[i];
    if (s.offset < 0) {
      if (size_ >= max_entries_) return false;
      s = slot{h.lo, h.hi, offset};
      ++size_;
      break;
    }
    if (s.lo == h.lo && s.hi == h.hi) {
      s.offset = offset;
      break;
    }
  }
  latest_ = std::max(latest_, offset);
  return true;
}

int64_t offset_map::get(const key_hash& h) const {
  const size_t n = slots_.size();
  for (size_t i = probe_start(h);; i = i + 1 == n ? 0 : i + 1) {
    const slot& s = slots_[i];
    if (s.offset < 0) return -1;
    if (s.lo == h.lo && s.hi == h.hi) return s.offset;
  }
}

}  // namespace sluice::storage
