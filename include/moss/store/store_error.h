// Errors of the storage layer. The S3 layer maps each code to an S3 error once
// (src/s3/store_errors.cpp); nothing here knows about HTTP.
#pragma once

#include <string>

#include "moss/util/result.h"

namespace moss::store {

enum class StoreErrc {
  kNoSuchBucket,
  kBucketAlreadyExists,      // exists, created by another access key
  kBucketAlreadyOwnedByYou,  // exists, created by this access key
  kBucketNotEmpty,
  kNoSuchKey,
  kNoSuchVersion,
  kPreconditionFailed,  // a write precondition (If-Match / If-None-Match) did not hold
  kNoSuchUpload,
  kInvalidPart,
  kInvalidPartOrder,
  kEntityTooSmall,
  kInvalidArgument,
  kIo,           // the disk or the database failed; details in message
  kUnavailable,  // the metadata database cannot be reached now; retrying may succeed
  kNoSpace,      // the disk or the database is full (ENOSPC, EDQUOT, SQLITE_FULL)
};

struct StoreError {
  StoreErrc code = StoreErrc::kIo;
  std::string message;
};

template <class T>
using StoreResult = Result<T, StoreError>;

inline Unexpected<StoreError> store_fail(StoreErrc code, std::string message = {}) {
  return {StoreError{code, std::move(message)}};
}

}  // namespace moss::store
