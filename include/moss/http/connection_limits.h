// What one client may hold of the server, and for how long: the bounds that
// keep a hostile or broken client (too many connections, a connection that
// never speaks, a body trickling in a byte at a time) from exhausting
// descriptors, memory and temp space that other clients need. The deadlines
// of ordinary network waits (idle, head, no progress) are in ServerConfig.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace moss::http {

struct ConnectionLimits {
  // Connections served at once; a connection beyond them is answered at
  // once (RequestHandler::reject, RejectedHead::Reason::kTooManyConnections)
  // and closed. 0: no limit.
  size_t max_connections = 0;
  // A new connection must send its first byte within this time (a keep-alive
  // connection between requests has ServerConfig::idle_timeout instead).
  std::chrono::seconds first_byte_timeout{10};
  // A request body must keep arriving at min_body_rate bytes per second: a
  // client may fall behind that pace by at most min_body_rate_window seconds
  // of waiting (see body_rate_floor.h), else the read ends with a timeout
  // (RequestTimeout). Only time the server spends waiting for the client
  // counts. 0: no floor.
  uint64_t min_body_rate = 1024;
  std::chrono::seconds min_body_rate_window{60};
};

}  // namespace moss::http
