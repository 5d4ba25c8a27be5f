// Runs two pieces of work at once: one on a small process-wide pool, one on
// the calling thread, returning when both are done. The upload path uses it to
// compute MD5 (the ETag, the slowest hash and inherently serial) on another
// core while this one computes SHA-256 and writes the bytes, so a single-stream
// PUT runs at the speed of its slowest stage rather than the sum of them.
#pragma once

#include <functional>

namespace moss {

// `beside` must not throw. Both callables run to completion before return.
void run_side_by_side(const std::function<void()>& beside, const std::function<void()>& here);

}  // namespace moss
