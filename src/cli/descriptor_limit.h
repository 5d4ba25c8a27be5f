// How many connections `moss serve` takes by default: the open-descriptor
// limit, raised to the hard limit at start, shared out after a reserve.
#pragma once

#include <cstddef>
#include <cstdint>

namespace moss::cli {

// Descriptors moss keeps besides its connections: the blob descriptor cache
// (store/blob_fd_cache.h, 1024), the database and its readers, logs, the
// audit trail, the listener, with room to spare.
inline constexpr uint64_t kReservedDescriptors = 1280;

// The fewest connections the default allows, however low the limit: a server
// that turns everyone away is no use, and running out of descriptors is
// survivable (the listener waits and retries).
inline constexpr size_t kMinimumDefaultConnections = 64;

// Raises the soft limit on open descriptors to the hard limit (a busy server
// needs more than the usual soft 1024) and returns the limit now in force.
uint64_t raise_descriptor_limit();

// A connection holds its socket and at most one more descriptor (the temp
// file of an upload, or a blob outside the cache); what is left after the
// reserve is shared out at two per connection, never fewer than
// kMinimumDefaultConnections.
size_t default_max_connections(uint64_t descriptor_limit);

}  // namespace moss::cli
