// fd_limit: raising the process's open-file limit (RLIMIT_NOFILE) so one broker can hold many sockets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace sluice {

// What raise_fd_limit() found and left in place. Limits are descriptor counts; an unlimited hard
// limit (RLIM_INFINITY, not possible for RLIMIT_NOFILE on Linux) is reported as UINT64_MAX.
struct fd_limit {
  uint64_t soft_before = 0;  // soft limit when the process started
  uint64_t soft = 0;         // soft limit now
  uint64_t hard = 0;         // hard limit (unchanged: raising it needs CAP_SYS_RESOURCE)
  std::string error;         // why getrlimit/setrlimit failed; empty on success
};

// Raises the soft RLIMIT_NOFILE to the hard limit (an unlimited hard limit is capped at 1,048,576,
// Linux's default fs.nr_open). Never lowers it. Safe to call more than once; not thread-safe with
// respect to other code changing the limit. Child processes inherit the raised limit.
fd_limit raise_fd_limit();

// A warning when `soft` leaves fewer than `margin` descriptors beside `max_connections` client
// sockets (descriptors the process needs besides client sockets: partition files, listeners,
// the HTTP port, logs); std::nullopt when it is enough.
std::optional<std::string> fd_limit_shortfall(const fd_limit& limit, uint64_t max_connections,
                                              uint64_t margin);

}  // namespace sluice
