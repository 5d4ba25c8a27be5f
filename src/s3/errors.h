// Every S3 error moss can answer with, in one table: the error code, its HTTP
// status and a default message (as AWS words them). Handlers throw S3Error; the
// dispatcher renders it once as the S3 XML error body.
#pragma once

#include <cstddef>
#include <exception>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moss::s3 {

enum class S3ErrorCode {
  kAccessDenied,
  kAuthorizationHeaderMalformed,
  kAuthorizationQueryParametersError,
  kBadDigest,
  kBucketAlreadyExists,
  kBucketAlreadyOwnedByYou,
  kBucketNotEmpty,
  kConditionalRequestConflict,
  kEntityTooLarge,
  kEntityTooSmall,
  kExpiredToken,
  kIncompleteBody,
  kInsufficientStorage,  // 507: a full disk or database (MinIO: XMinioStorageFull)
  kInternalError,
  kInvalidAccessKeyId,
  kInvalidArgument,
  kInvalidBucketName,
  kInvalidDigest,
  kInvalidPart,
  kInvalidPartNumber,
  kInvalidPartOrder,
  kInvalidRange,
  kInvalidCopySourceRange,  // InvalidRange as UploadPartCopy answers it: 400, not 416
  kInvalidRequest,
  kInvalidStorageClass,
  kInvalidTag,
  kKeyTooLongError,
  kMalformedXML,
  kMethodNotAllowed,
  kMissingContentLength,
  kMissingSecurityHeader,
  kNoSuchBucket,
  kNoSuchKey,
  kNoSuchLifecycleConfiguration,
  kNoSuchUpload,
  kNoSuchVersion,
  kNotImplemented,
  kNotModified,
  kPreconditionFailed,
  kRequestHeaderSectionTooLarge,
  kRequestTimeTooSkewed,
  kRequestTimeout,
  kServiceUnavailable,
  kSignatureDoesNotMatch,
  kSlowDown,
  kXAmzContentSHA256Mismatch,
  kInvalidChunkSizeError,
  kMalformedTrailerError,
  kInvalidURI,
  kMetadataTooLarge,
  kBadRequest,        // a CORS preflight without Origin
  kAccessForbidden,   // a CORS preflight to a bucket without CORS
  kRepoNotFound,      // Hugging Face Hub API (src/hub/): the X-Error-Code clients read
  kRevisionNotFound,  // Hub API: no such tag (branch) or commit
  kEntryNotFound,     // Hub API: no such file in the revision
  kUnauthorized,      // Hub API: a bearer token no key holds, or a private repo asked anonymously
  kBadGateway,        // Hub mirror: the upstream Hub could not be reached, or its bytes did not verify
  kInvalidTagTarget,  // moss model layer: missing target, or a chain that loops
  kTagChainTooLong,   // moss model layer: more than 8 hops
  kNoSuchTag,         // moss model layer; stays last (kS3ErrorCodeCount)
};
inline constexpr size_t kS3ErrorCodeCount = static_cast<size_t>(S3ErrorCode::kNoSuchTag) + 1;

// A row of the table (errors.cpp): {kNoSuchKey, "NoSuchKey", 404, "The specified
// key does not exist."}.
struct S3ErrorInfo {
  S3ErrorCode id;         // kNoSuchKey: the row's key
  std::string_view code;  // "NoSuchKey", the <Code> of the error body
  int http_status;        // 404
  std::string_view message;
};

const S3ErrorInfo& error_info(S3ErrorCode code);

class S3Error : public std::exception {
 public:
  explicit S3Error(S3ErrorCode code, std::string message = {})
      : code_(code), message_(std::move(message)) {}

  S3ErrorCode code() const { return code_; }
  const S3ErrorInfo& info() const { return error_info(code_); }
  // The specific message, else the table's default.
  std::string message() const { return message_.empty() ? std::string(info().message) : message_; }
  const char* what() const noexcept override { return info().code.data(); }

  // Extra elements of the XML body (e.g. <Key>, <BucketName>, <StringToSign>).
  S3Error& with(std::string name, std::string value) {
    details_.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  const std::vector<std::pair<std::string, std::string>>& details() const { return details_; }

  // Extra response headers (e.g. x-amz-delete-marker on a 404).
  S3Error& header(std::string name, std::string value) {
    headers_.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }

 private:
  S3ErrorCode code_;
  std::string message_;
  std::vector<std::pair<std::string, std::string>> details_;
  std::vector<std::pair<std::string, std::string>> headers_;
};

// The S3 error for a failure whose details stay in the log, not in the response
// (a disk or database error): logged as "<source> failure: <detail>", answered
// as InternalError.
S3Error internal_error(std::string_view source, std::string_view detail);

// 507 InsufficientStorage for a full disk or database: logged with the store's
// detail (which file, which errno), which the client is not shown. Clients do
// not retry a 507, so a 100 GB upload is not sent again into a full disk.
S3Error no_space_error(std::string_view detail);

}  // namespace moss::s3
