#include "s3/store_errors.h"

namespace moss::s3 {

S3Error to_s3_error(const store::StoreError& error) {
  using store::StoreErrc;
  switch (error.code) {
    case StoreErrc::kNoSuchBucket:
      return S3Error(S3ErrorCode::kNoSuchBucket).with("BucketName", error.message);
    case StoreErrc::kBucketAlreadyExists:
      return S3Error(S3ErrorCode::kBucketAlreadyExists).with("BucketName", error.message);
    case StoreErrc::kBucketAlreadyOwnedByYou:
      return S3Error(S3ErrorCode::kBucketAlreadyOwnedByYou).with("BucketName", error.message);
    case StoreErrc::kBucketNotEmpty:
      return S3Error(S3ErrorCode::kBucketNotEmpty).with("BucketName", error.message);
    case StoreErrc::kNoSuchKey:
      return S3Error(S3ErrorCode::kNoSuchKey).with("Key", error.message);
    case StoreErrc::kNoSuchVersion:
      return S3Error(S3ErrorCode::kNoSuchVersion).with("Key", error.message);
    case StoreErrc::kPreconditionFailed:
      return S3Error(S3ErrorCode::kPreconditionFailed).with("Condition", "If-Match");
    case StoreErrc::kNoSuchUpload:
      return S3Error(S3ErrorCode::kNoSuchUpload);
    case StoreErrc::kInvalidPart:
      return S3Error(S3ErrorCode::kInvalidPart, error.message);
    case StoreErrc::kInvalidPartOrder:
      return S3Error(S3ErrorCode::kInvalidPartOrder, error.message);
    case StoreErrc::kEntityTooSmall:
      return S3Error(S3ErrorCode::kEntityTooSmall, error.message);
    case StoreErrc::kInvalidArgument:
      return S3Error(S3ErrorCode::kInvalidArgument, error.message);
    case StoreErrc::kUnavailable:
      return S3Error(S3ErrorCode::kServiceUnavailable, error.message);
    case StoreErrc::kNoSpace:
      return no_space_error(error.message);
    case StoreErrc::kIo:
      break;
  }
  return internal_error("storage", error.message);
}

}  // namespace moss::s3
