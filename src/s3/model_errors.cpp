#include "s3/model_errors.h"

namespace moss::s3 {

S3Error to_s3_error(const models::ModelError& error, bool tag_as_key) {
  using models::ModelErrc;
  switch (error.code) {
    case ModelErrc::kNoSuchBucket:
      return S3Error(S3ErrorCode::kNoSuchBucket).with("BucketName", error.message);
    case ModelErrc::kNoSuchTag:
      if (tag_as_key) return S3Error(S3ErrorCode::kNoSuchKey).with("Key", error.message);
      return S3Error(S3ErrorCode::kNoSuchTag, "The specified tag does not exist: " + error.message);
    case ModelErrc::kNoSuchKey:
      return S3Error(S3ErrorCode::kNoSuchKey, "The specified key does not exist: " + error.message);
    case ModelErrc::kInvalidTagTarget:
      return S3Error(S3ErrorCode::kInvalidTagTarget,
                     "The tag target is not valid: " + error.message);
    case ModelErrc::kTagChainTooLong:
      return S3Error(S3ErrorCode::kTagChainTooLong, error.message);
    case ModelErrc::kInvalidArgument:
      return S3Error(S3ErrorCode::kInvalidArgument, error.message);
    case ModelErrc::kPreconditionFailed:
      return S3Error(S3ErrorCode::kPreconditionFailed).with("Condition", "If-Match");
    case ModelErrc::kConflict:
      return S3Error(S3ErrorCode::kConditionalRequestConflict, error.message);
    case ModelErrc::kUnavailable:
      return S3Error(S3ErrorCode::kServiceUnavailable, error.message);
    case ModelErrc::kNoSpace:
      return no_space_error(error.message);
    case ModelErrc::kIo:
      break;
  }
  return internal_error("model layer", error.message);
}

}  // namespace moss::s3
