// Errors of the model layer. The S3 layer maps each code to an S3 error code
// once (s3/model_errors.h); nothing here knows about HTTP.
#pragma once

#include <string>

#include "moss/store/store_error.h"
#include "moss/util/result.h"

namespace moss::models {

enum class ModelErrc {
  kNoSuchBucket,
  kNoSuchTag,
  kNoSuchKey,           // a model, or a file a tag resolves to, that is not there
  kInvalidTagTarget,    // a target that does not exist or is not well formed, or a cycle
  kTagChainTooLong,     // more than kMaxTagHops hops
  kInvalidArgument,     // a malformed request: JSON, weights, names
  kPreconditionFailed,  // If-Match / If-None-Match on a tag did not hold
  kConflict,            // the store kept changing under a write; retrying may succeed
  kUnavailable,         // the store's database cannot be reached now
  kNoSpace,             // the store's disk or database is full
  kIo,                  // the store failed; details in message
};

struct ModelError {
  ModelErrc code = ModelErrc::kIo;
  std::string message;
};

template <class T>
using ModelResult = Result<T, ModelError>;

inline Unexpected<ModelError> model_fail(ModelErrc code, std::string message = {}) {
  return {ModelError{code, std::move(message)}};
}

// A store error as the model layer reports it (kNoSuchKey stays kNoSuchKey).
ModelError from_store_error(const store::StoreError& error);

}  // namespace moss::models
