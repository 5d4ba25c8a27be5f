#include "moss/models/model_error.h"

namespace moss::models {

ModelError from_store_error(const store::StoreError& error) {
  using store::StoreErrc;
  switch (error.code) {
    case StoreErrc::kNoSuchBucket:
      return {ModelErrc::kNoSuchBucket, error.message};
    case StoreErrc::kNoSuchKey:
    case StoreErrc::kNoSuchVersion:
      return {ModelErrc::kNoSuchKey, error.message};
    case StoreErrc::kPreconditionFailed:
      return {ModelErrc::kPreconditionFailed, error.message};
    case StoreErrc::kInvalidArgument:
      return {ModelErrc::kInvalidArgument, error.message};
    case StoreErrc::kUnavailable:
      return {ModelErrc::kUnavailable, error.message};
    case StoreErrc::kNoSpace:
      return {ModelErrc::kNoSpace, error.message};
    default:
      return {ModelErrc::kIo, error.message};
  }
}

}  // namespace moss::models
