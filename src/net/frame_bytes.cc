// frame_bytes: the per-thread cache of large frame blocks behind frame_allocator.
#include "net/frame_bytes.h"

#include <array>
#include <bit>
#include <cstdlib>

namespace sluice::net::frame_pool {
namespace {

// Size classes: powers of two from min_pooled to max_pooled.
constexpr size_t min_shift = std::countr_zero(min_pooled);
constexpr size_t max_shift = std::countr_zero(max_pooled);
constexpr size_t classes = max_shift - min_shift + 1;
static_assert(std::has_single_bit(min_pooled) && std::has_single_bit(max_pooled));

size_t class_of(size_t n) { return std::bit_width(n - 1) - min_shift; }  // n > min_pooled / 2
size_t rounded(size_t n) { return size_t{1} << std::bit_width(n - 1); }

// One per thread: a shard's blocks are reused by that shard. A block freed on another thread (a
// frame forwarded to the control shard) joins that thread's cache; the bound keeps each small.
struct cache {
  std::array<std::vector<void*>, classes> free;
  size_t bytes = 0;
  ~cache() {
    for (auto& list : free) {
      for (void* p : list) std::free(p);
    }
  }
};

cache& local() {
  thread_local cache c;
  return c;
}

bool pooled(size_t n) { return n >= min_pooled && n <= max_pooled; }

}  // namespace

void* allocate(size_t n) {
  if (!pooled(n)) {
    void* p = std::malloc(n == 0 ? 1 : n);
    if (!p) throw std::bad_alloc();
    return p;
  }
  auto& c = local();
  auto& list = c.free[class_of(n)];
  if (!list.empty()) {
    void* p = list.back();
    list.pop_back();
    c.bytes -= rounded(n);
    return p;
  }
  void* p = std::malloc(rounded(n));
  if (!p) throw std::bad_alloc();
  return p;
}

void deallocate(void* p, size_t n) noexcept {
  if (!p) return;
  if (!pooled(n)) {
    std::free(p);
    return;
  }
  auto& c = local();
  const size_t size = rounded(n);
  if (c.bytes + size > max_cached_bytes) {
    std::free(p);
    return;
  }
  try {
    c.free[class_of(n)].push_back(p);
    c.bytes += size;
  } catch (...) {
    std::free(p);  // no memory for the list entry: just give the block back
  }
}

size_t cached_blocks() {
  size_t n = 0;
  for (const auto& list : local().free) n += list.size();
  return n;
}

size_t cached_bytes() { return local().bytes; }

}  // namespace sluice::net::frame_pool
