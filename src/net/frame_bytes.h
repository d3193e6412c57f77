// frame_bytes: the buffer a request frame is read into. Its allocator does not zero-fill (the
// socket read overwrites every byte) and keeps recently freed large blocks in a per-thread cache,
// so each shard reuses its own frame buffers instead of asking malloc (and the kernel, for fresh
// pages) for up to a megabyte per produce request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>
#include <vector>

namespace sluice::net {

namespace frame_pool {
// Blocks of at least this size are cached; smaller ones go straight to malloc (its thread caches
// already serve them well).
inline constexpr size_t min_pooled = 64 * 1024;
// Largest cached block (larger frames are rare: socket.request.max.bytes allows 100 MiB).
inline constexpr size_t max_pooled = 16 * 1024 * 1024;
// Bytes a thread keeps cached, over all sizes.
inline constexpr size_t max_cached_bytes = 32 * 1024 * 1024;

// Returns a block of at least `n` bytes (exactly the size deallocate() must be given back).
void* allocate(size_t n);
void deallocate(void* p, size_t n) noexcept;
// Blocks and bytes cached by the calling thread (tests, metrics).
size_t cached_blocks();
size_t cached_bytes();
}  // namespace frame_pool

// Default-initialising allocator over frame_pool: resize() leaves new bytes uninitialised.
template <class T>
struct frame_allocator {
  using value_type = T;
  frame_allocator() noexcept = default;
  template <class U>
  frame_allocator(const frame_allocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)

  T* allocate(size_t n) { return static_cast<T*>(frame_pool::allocate(n * sizeof(T))); }
  void deallocate(T* p, size_t n) noexcept { frame_pool::deallocate(p, n * sizeof(T)); }

  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;  // default-initialisation: no zero-fill
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }

  template <class U>
  bool operator==(const frame_allocator<U>&) const noexcept {
    return true;
  }
};

// Bytes of one request frame (without its 4-byte size prefix).
using frame_bytes = std::vector<uint8_t, frame_allocator<uint8_t>>;

}  // namespace sluice::net
