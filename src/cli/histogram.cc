// Latency histogram for `sluice bench`: bucket mapping, percentiles, merging.
#include "cli/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace sluice::cli {

// Above exact_limit a value v with highest set bit `msb` (>= 7) is shifted right by
// shift = msb - 6, leaving a 7-bit "top" in [64, 128); bucket = 128 + (shift-1)*64 + (top-64).
int latency_histogram::bucket_of(int64_t value) {
  if (value < 0) value = 0;
  if (value < exact_limit) return static_cast<int>(value);
  int msb = 63 - std::countl_zero(static_cast<uint64_t>(value));
  int shift = msb - 6;
  if (shift > max_shift) return bucket_count - 1;
  int top = static_cast<int>(value >> shift);
  return exact_limit + (shift - 1) * sub_buckets + (top - sub_buckets);
}

int64_t latency_histogram::bucket_low(int bucket) {
  if (bucket < exact_limit) return bucket;
  int rel = bucket - exact_limit;
  int shift = rel / sub_buckets + 1;
  int64_t top = rel % sub_buckets + sub_buckets;
  return top << shift;
}

int64_t latency_histogram::bucket_high(int bucket) {
  if (bucket < exact_limit) return bucket;
  int shift = (bucket - exact_limit) / sub_buckets + 1;
  // The top buckets reach past INT64_MAX: compute unsigned and saturate.
  const uint64_t high = static_cast<uint64_t>(bucket_low(bucket)) + (uint64_t{1} << shift) - 1;
  return high > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(high);
}

void latency_histogram::record(int64_t value_us) {
  if (value_us < 0) value_us = 0;
  ++counts_[bucket_of(value_us)];
  ++count_;
  sum_ = value_us > INT64_MAX - sum_ ? INT64_MAX : sum_ + value_us;  // saturate, never overflow
  min_ = std::min(min_, value_us);
  max_ = std::max(max_, value_us);
}

void latency_histogram::merge(const latency_histogram& other) {
  for (int i = 0; i < bucket_count; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ = other.sum_ > INT64_MAX - sum_ ? INT64_MAX : sum_ + other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void latency_histogram::reset() { *this = latency_histogram{}; }

int64_t latency_histogram::percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::max<uint64_t>(rank, 1);
  uint64_t seen = 0;
  for (int i = 0; i < bucket_count; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(bucket_high(i), max_);
  }
  return max_;
}

}  // namespace sluice::cli
