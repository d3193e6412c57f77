// Proves validate_batch allocates nothing for uncompressed batches (and for compressed ones
// checked header-only), by counting every operator new in this test binary.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "records/batch_builder.h"
#include "records/batch_validator.h"
#include "spec_bytes.h"

namespace {
std::atomic<long> g_allocations{0};
}

// GCC flags free() on memory from a replaced operator new; the pairing here is deliberate.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace sluice::records {
namespace {

std::string batch_with(compression codec) {
  batch_builder_options o;
  o.codec = codec;
  o.producer_id = 1;
  o.producer_epoch = 0;
  o.base_sequence = 0;
  batch_builder b(o);
  for (int i = 0; i < 100; ++i) {
    const std::string v(100, 'v');
    const header_view h[] = {{as_bytes("h"), as_bytes("x")}};
    b.append(i, as_bytes("key"), as_bytes(v), h);
  }
  return *b.build();
}

TEST(ValidatorAllocation, UncompressedValidationAllocatesNothing) {
  const std::string b = batch_with(compression::none);
  validation_limits limits;
  limits.require_keys = true;
  limits.min_timestamp = 0;
  limits.max_timestamp = 1000;
  const long before = g_allocations.load();
  auto r = validate_batch(testing::span_of(b), limits);
  const long after = g_allocations.load();
  ASSERT_TRUE(r.ok()) << r.err().detail;
  EXPECT_TRUE(r->records_walked);
  EXPECT_EQ(after - before, 0);
}

TEST(ValidatorAllocation, RejectionsAllocateNothing) {
  std::string b = batch_with(compression::none);
  b[100] = static_cast<char>(b[100] ^ 1);
  const long before = g_allocations.load();
  auto r = validate_batch(testing::span_of(b), {});
  const long after = g_allocations.load();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(after - before, 0);
}

TEST(ValidatorAllocation, HeaderOnlyCompressedValidationAllocatesNothing) {
  const std::string b = batch_with(compression::lz4);
  const long before = g_allocations.load();
  auto r = validate_batch(testing::span_of(b), {});
  const long after = g_allocations.load();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(after - before, 0);
}

TEST(ValidatorAllocation, TheCounterSeesAllocations) {
  const long before = g_allocations.load();
  auto* p = new std::string(100, 'x');
  delete p;
  EXPECT_GT(g_allocations.load() - before, 0);
}

}  // namespace
}  // namespace sluice::records
