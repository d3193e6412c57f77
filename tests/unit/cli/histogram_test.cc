// latency_histogram: bucket layout, percentile accuracy, merging.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "cli/histogram.h"

namespace sluice::cli {
namespace {

TEST(Histogram, BucketsAreContiguousAndCoverEveryValue) {
  for (int b = 0; b < 3000; ++b) {
    EXPECT_EQ(latency_histogram::bucket_high(b) + 1, latency_histogram::bucket_low(b + 1)) << b;
    EXPECT_EQ(latency_histogram::bucket_of(latency_histogram::bucket_low(b)), b);
    EXPECT_EQ(latency_histogram::bucket_of(latency_histogram::bucket_high(b)), b);
  }
}

TEST(Histogram, SmallValuesAreExact) {
  latency_histogram h;
  for (int v = 0; v < 100; ++v) h.record(v);
  EXPECT_EQ(h.percentile(0.5), 49);
  EXPECT_EQ(h.percentile(1.0), 99);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 99);
  EXPECT_DOUBLE_EQ(h.mean(), 49.5);
}

TEST(Histogram, PercentilesAreWithinTwoPercentOfExact) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(8.0, 1.5);
  std::vector<int64_t> values;
  latency_histogram h;
  for (int i = 0; i < 100000; ++i) {
    auto v = static_cast<int64_t>(dist(rng));
    values.push_back(v);
    h.record(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    auto exact = values[static_cast<size_t>(std::ceil(q * values.size())) - 1];
    auto got = h.percentile(q);
    EXPECT_GE(got, exact) << q;
    EXPECT_LE(got, exact + exact / 50 + 1) << q;
  }
  EXPECT_EQ(h.percentile(1.0), values.back());
}

TEST(Histogram, MergeEqualsRecordingEverythingInOne) {
  latency_histogram a, b, all;
  for (int i = 0; i < 1000; ++i) {
    (i % 2 ? a : b).record(i * 37);
    all.record(i * 37);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_EQ(a.min(), all.min());
  for (double q : {0.1, 0.5, 0.99}) EXPECT_EQ(a.percentile(q), all.percentile(q));
}

TEST(Histogram, EmptyAndHugeValues) {
  latency_histogram h;
  EXPECT_EQ(h.percentile(0.99), 0);
  EXPECT_EQ(h.min(), 0);
  h.record(INT64_MAX);
  h.record(-5);  // clamped to 0
  EXPECT_EQ(h.max(), INT64_MAX);
  EXPECT_EQ(h.percentile(1.0), INT64_MAX);
  EXPECT_EQ(h.percentile(0.5), 0);
}

}  // namespace
}  // namespace sluice::cli
