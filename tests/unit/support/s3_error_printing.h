// gtest prints an S3ErrorCode by its name ("NoSuchKey"), not its number.
#pragma once

#include <ostream>

#include "s3/errors.h"

namespace moss::s3 {

inline void PrintTo(S3ErrorCode code, std::ostream* os) { *os << error_info(code).code; }

}  // namespace moss::s3
