// fd_limit: RLIMIT_NOFILE soft limit raised to the hard limit at process start.
#include "base/fd_limit.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include <fmt/format.h>

namespace sluice {
namespace {

constexpr uint64_t unlimited = std::numeric_limits<uint64_t>::max();
// Linux's default fs.nr_open: the most a soft limit can be raised to when the hard one is infinite.
constexpr rlim_t infinite_hard_cap = 1048576;

uint64_t count_of(rlim_t v) { return v == RLIM_INFINITY ? unlimited : static_cast<uint64_t>(v); }

}  // namespace

fd_limit raise_fd_limit() {
  fd_limit out;
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    out.error = fmt::format("getrlimit(RLIMIT_NOFILE): {}", std::strerror(errno));
    return out;
  }
  out.soft_before = out.soft = count_of(rl.rlim_cur);
  out.hard = count_of(rl.rlim_max);
  const rlim_t target = rl.rlim_max == RLIM_INFINITY ? infinite_hard_cap : rl.rlim_max;
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= target) return out;  // never lower it
  rlimit raised = rl;
  raised.rlim_cur = target;
  if (::setrlimit(RLIMIT_NOFILE, &raised) != 0) {
    out.error = fmt::format("setrlimit(RLIMIT_NOFILE, soft {}): {}", static_cast<uint64_t>(target),
                            std::strerror(errno));
    return out;
  }
  out.soft = count_of(target);
  return out;
}

std::optional<std::string> fd_limit_shortfall(const fd_limit& limit, uint64_t max_connections,
                                              uint64_t margin) {
  const uint64_t needed = max_connections > unlimited - margin ? unlimited : max_connections + margin;
  if (limit.soft >= needed) return std::nullopt;
  return fmt::format(
      "open-file limit {} is below max.connections {} + {} for partition files and other descriptors: "
      "clients beyond about {} connections may be refused once those are in use (accept fails with EMFILE "
      "and backs off); raise the hard limit (ulimit -Hn, LimitNOFILE=) or lower max.connections",
      limit.soft, max_connections, margin, limit.soft > margin ? limit.soft - margin : 0);
}

}  // namespace sluice
