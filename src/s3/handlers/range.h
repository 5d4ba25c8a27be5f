// The Range request header as S3 honours it: a single byte range in one of the
// forms "bytes=a-b", "bytes=a-" and "bytes=-n".
#pragma once

#include <cstdint>
#include <string_view>

namespace moss::s3 {

struct ByteRange {
  uint64_t first = 0;  // inclusive
  uint64_t last = 0;   // inclusive
  uint64_t length() const { return last - first + 1; }
};

struct RangeDecision {
  enum Kind {
    kWholeObject,    // no header, or one S3 ignores (bad syntax, several ranges): 200
    kPartial,        // 206 with Content-Range: bytes first-last/size
    kUnsatisfiable,  // 416 InvalidRange, Content-Range: bytes */size
  };
  Kind kind = kWholeObject;
  ByteRange range;
};

// Decides how to answer `header` (empty when absent) for an object of
// `object_size` bytes. "a-b" with b past the end is clamped; "-n" with n larger
// than the object is the whole object as a 206; a first byte at or past the end
// (so any "a-b" or "a-" of an empty object) and "-0" are unsatisfiable. As S3 does,
// "-n" (n > 0) of an empty object is a 200 with the empty object, not a 416.
RangeDecision evaluate_range(std::string_view header, uint64_t object_size);

}  // namespace moss::s3
