// What tests need to talk about S3 errors: gtest prints an S3ErrorCode by its
// name ("NoSuchKey"), not its number, and error_code_of names what a call threw.
#pragma once

#include <ostream>
#include <string>

#include "s3/errors.h"

namespace moss::s3 {

inline void PrintTo(S3ErrorCode code, std::ostream* os) { *os << error_info(code).code; }

// The S3 error code `fn` throws ("InvalidPart"), or "" when it throws nothing.
template <class Fn>
std::string error_code_of(Fn fn) {
  try {
    fn();
  } catch (const S3Error& e) {
    return std::string(e.info().code);
  }
  return "";
}

}  // namespace moss::s3
