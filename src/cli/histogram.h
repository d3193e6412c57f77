// Latency histogram for `sluice bench`: log-linear buckets over microseconds, ~1.6% precision.
#pragma once

#include <array>
#include <cstdint>

namespace sluice::cli {

// Records non-negative values (microseconds) into log-linear buckets: exact below 128, then 64
// sub-buckets per power of two, so a reported percentile is within 1/64 of the true value.
// Thread-compatible: give each thread its own and merge() them at the end.
class latency_histogram {
 public:
  void record(int64_t value_us);
  void merge(const latency_histogram& other);
  void reset();

  uint64_t count() const { return count_; }
  int64_t min() const { return count_ == 0 ? 0 : min_; }
  int64_t max() const { return max_; }
  double mean() const { return count_ == 0 ? 0.0 : static_cast<double>(sum_) / count_; }
  // Value at quantile q in [0, 1]: the highest value that maps to the bucket holding the
  // ceil(q * count)-th smallest recording, clamped to max(). 0 when empty.
  int64_t percentile(double q) const;

  // Bucket mapping, exposed for tests.
  static int bucket_of(int64_t value);
  static int64_t bucket_low(int bucket);
  static int64_t bucket_high(int bucket);

 private:
  static constexpr int exact_limit = 128;  // values below this get a bucket each
  static constexpr int sub_buckets = 64;   // buckets per power of two above that
  static constexpr int max_shift = 56;
  static constexpr int bucket_count = exact_limit + max_shift * sub_buckets;

  std::array<uint64_t, bucket_count> counts_{};
  uint64_t count_ = 0;
  int64_t sum_ = 0;
  int64_t min_ = INT64_MAX;
  int64_t max_ = 0;
};

}  // namespace sluice::cli
