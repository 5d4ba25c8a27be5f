#include "cli/descriptor_limit.h"

#include <sys/resource.h>

#include <algorithm>

namespace moss::cli {

uint64_t raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? uint64_t{1} << 20 : limit.rlim_cur;
}

size_t default_max_connections(uint64_t descriptor_limit) {
  const uint64_t spare =
      descriptor_limit > kReservedDescriptors ? descriptor_limit - kReservedDescriptors : 0;
  return static_cast<size_t>(std::max<uint64_t>(kMinimumDefaultConnections, spare / 2));
}

}  // namespace moss::cli
