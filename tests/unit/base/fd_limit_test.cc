// Tests for raising RLIMIT_NOFILE and the max.connections shortfall warning.
#include "base/fd_limit.h"

#include <sys/resource.h>

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(fd_limit, SoftLimitIsRaisedToTheHardLimitAndNeverLowered) {
  rlimit original{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &original), 0);
  if (original.rlim_max == RLIM_INFINITY || original.rlim_max < 128) GTEST_SKIP() << "unusual hard limit";
  rlimit lowered = original;
  lowered.rlim_cur = 64;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);

  fd_limit l = raise_fd_limit();
  EXPECT_TRUE(l.error.empty()) << l.error;
  EXPECT_EQ(l.soft_before, 64u);
  EXPECT_EQ(l.soft, static_cast<uint64_t>(original.rlim_max));
  EXPECT_EQ(l.hard, static_cast<uint64_t>(original.rlim_max));
  rlimit now{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &now), 0);
  EXPECT_EQ(now.rlim_cur, original.rlim_max);

  fd_limit again = raise_fd_limit();  // already at the hard limit: unchanged
  EXPECT_EQ(again.soft_before, again.soft);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &original), 0);
}

TEST(fd_limit, ShortfallIsReportedOnlyWhenConnectionsPlusMarginDoNotFit) {
  fd_limit l{.soft_before = 1024, .soft = 20000, .hard = 20000, .error = ""};
  EXPECT_FALSE(fd_limit_shortfall(l, 10000, 1024).has_value());
  EXPECT_FALSE(fd_limit_shortfall(l, 18976, 1024).has_value());
  auto w = fd_limit_shortfall(l, 18977, 1024);
  ASSERT_TRUE(w.has_value());
  EXPECT_NE(w->find("max.connections 18977"), std::string::npos) << *w;
  EXPECT_TRUE(fd_limit_shortfall(l, UINT64_MAX, 1024).has_value());  // no overflow
}

}  // namespace
}  // namespace sluice
