#include "s3/errors.h"

#include <spdlog/spdlog.h>

#include <iterator>

namespace moss::s3 {
namespace {

// One row per S3ErrorCode, in the enum's order: error_info() indexes it by code,
// and the static_assert below checks at compile time that row i carries code i.
constexpr S3ErrorInfo kErrors[] = {
    {S3ErrorCode::kAccessDenied, "AccessDenied", 403, "Access Denied"},
    {S3ErrorCode::kAuthorizationHeaderMalformed, "AuthorizationHeaderMalformed", 400,
     "The authorization header that you provided is not valid."},
    {S3ErrorCode::kAuthorizationQueryParametersError, "AuthorizationQueryParametersError", 400,
     "Error parsing the X-Amz-Credential parameter."},
    {S3ErrorCode::kBadDigest, "BadDigest", 400,
     "The Content-MD5 you specified did not match what we received."},
    {S3ErrorCode::kBucketAlreadyExists, "BucketAlreadyExists", 409,
     "The requested bucket name is not available. The bucket namespace is shared by all "
     "users of the system. Please select a different name and try again."},
    {S3ErrorCode::kBucketAlreadyOwnedByYou, "BucketAlreadyOwnedByYou", 409,
     "Your previous request to create the named bucket succeeded and you already own "
     "it."},
    {S3ErrorCode::kBucketNotEmpty, "BucketNotEmpty", 409,
     "The bucket you tried to delete is not empty"},
    {S3ErrorCode::kConditionalRequestConflict, "ConditionalRequestConflict", 409,
     "A conflicting operation occurred. If using PutObject you can retry the request."},
    {S3ErrorCode::kEntityTooLarge, "EntityTooLarge", 400,
     "Your proposed upload exceeds the maximum allowed size"},
    {S3ErrorCode::kEntityTooSmall, "EntityTooSmall", 400,
     "Your proposed upload is smaller than the minimum allowed object size."},
    {S3ErrorCode::kExpiredToken, "ExpiredToken", 400, "The provided token has expired."},
    {S3ErrorCode::kIncompleteBody, "IncompleteBody", 400,
     "You did not provide the number of bytes specified by the Content-Length HTTP "
     "header."},
    {S3ErrorCode::kInsufficientStorage, "InsufficientStorage", 507,
     "The server has no space left to store this request's data; nothing was stored."},
    {S3ErrorCode::kInternalError, "InternalError", 500,
     "We encountered an internal error. Please try again."},
    {S3ErrorCode::kInvalidAccessKeyId, "InvalidAccessKeyId", 403,
     "The AWS Access Key Id you provided does not exist in our records."},
    {S3ErrorCode::kInvalidArgument, "InvalidArgument", 400, "Invalid Argument"},
    {S3ErrorCode::kInvalidBucketName, "InvalidBucketName", 400,
     "The specified bucket is not valid."},
    {S3ErrorCode::kInvalidDigest, "InvalidDigest", 400,
     "The Content-MD5 you specified is not valid."},
    {S3ErrorCode::kInvalidPart, "InvalidPart", 400,
     "One or more of the specified parts could not be found. The part may not have been "
     "uploaded, or the specified entity tag may not match the part's entity tag."},
    {S3ErrorCode::kInvalidPartNumber, "InvalidPartNumber", 400,
     "The requested partnumber is not satisfiable"},
    {S3ErrorCode::kInvalidPartOrder, "InvalidPartOrder", 400,
     "The list of parts was not in ascending order. The parts list must be specified in "
     "order by part number."},
    {S3ErrorCode::kInvalidRange, "InvalidRange", 416, "The requested range is not satisfiable"},
    {S3ErrorCode::kInvalidCopySourceRange, "InvalidRange", 400,
     "The x-amz-copy-source-range is not satisfiable for the source object"},
    {S3ErrorCode::kInvalidRequest, "InvalidRequest", 400, "Invalid Request"},
    {S3ErrorCode::kInvalidStorageClass, "InvalidStorageClass", 400,
     "The storage class you specified is not valid"},
    {S3ErrorCode::kInvalidTag, "InvalidTag", 400, "The tag provided was not a valid tag."},
    {S3ErrorCode::kKeyTooLongError, "KeyTooLongError", 400, "Your key is too long"},
    {S3ErrorCode::kMalformedXML, "MalformedXML", 400,
     "The XML you provided was not well-formed or did not validate against our "
     "published schema."},
    {S3ErrorCode::kMethodNotAllowed, "MethodNotAllowed", 405,
     "The specified method is not allowed against this resource."},
    {S3ErrorCode::kMissingContentLength, "MissingContentLength", 411,
     "You must provide the Content-Length HTTP header."},
    {S3ErrorCode::kMissingSecurityHeader, "MissingSecurityHeader", 400,
     "Your request is missing a required header."},
    {S3ErrorCode::kNoSuchBucket, "NoSuchBucket", 404, "The specified bucket does not exist"},
    {S3ErrorCode::kNoSuchKey, "NoSuchKey", 404, "The specified key does not exist."},
    {S3ErrorCode::kNoSuchLifecycleConfiguration, "NoSuchLifecycleConfiguration", 404,
     "The lifecycle configuration does not exist"},
    {S3ErrorCode::kNoSuchUpload, "NoSuchUpload", 404,
     "The specified upload does not exist. The upload ID may be invalid, or the upload "
     "may have been aborted or completed."},
    {S3ErrorCode::kNoSuchVersion, "NoSuchVersion", 404, "The specified version does not exist."},
    {S3ErrorCode::kNotImplemented, "NotImplemented", 501,
     "A header or query you provided requested a function that is not implemented."},
    {S3ErrorCode::kNotModified, "NotModified", 304, "Not Modified"},
    {S3ErrorCode::kPreconditionFailed, "PreconditionFailed", 412,
     "At least one of the pre-conditions you specified did not hold"},
    {S3ErrorCode::kRequestHeaderSectionTooLarge, "RequestHeaderSectionTooLarge", 400,
     "Your request header section exceeds the maximum allowed size."},
    {S3ErrorCode::kRequestTimeTooSkewed, "RequestTimeTooSkewed", 403,
     "The difference between the request time and the server's time is too large."},
    {S3ErrorCode::kRequestTimeout, "RequestTimeout", 400,
     "Your socket connection to the server was not read from or written to within the "
     "timeout period."},
    {S3ErrorCode::kServiceUnavailable, "ServiceUnavailable", 503,
     "Please reduce your request rate."},
    {S3ErrorCode::kSignatureDoesNotMatch, "SignatureDoesNotMatch", 403,
     "The request signature we calculated does not match the signature you provided. "
     "Check your key and signing method."},
    {S3ErrorCode::kSlowDown, "SlowDown", 503, "Please reduce your request rate."},
    {S3ErrorCode::kXAmzContentSHA256Mismatch, "XAmzContentSHA256Mismatch", 400,
     "The provided 'x-amz-content-sha256' header does not match what was computed."},
    {S3ErrorCode::kInvalidChunkSizeError, "InvalidChunkSizeError", 400,
     "Only the last chunk is allowed to have a size less than 8192 bytes"},
    {S3ErrorCode::kMalformedTrailerError, "MalformedTrailerError", 400,
     "The request contained trailing data that was not well-formed or did not conform "
     "to our published schema."},
    {S3ErrorCode::kInvalidURI, "InvalidURI", 400, "Couldn't parse the specified URI."},
    {S3ErrorCode::kMetadataTooLarge, "MetadataTooLarge", 400,
     "Your metadata headers exceed the maximum allowed metadata size."},
    {S3ErrorCode::kBadRequest, "BadRequest", 400,
     "Insufficient information. Origin request header needed."},
    {S3ErrorCode::kAccessForbidden, "AccessForbidden", 403,
     "CORSResponse: CORS is not enabled for this bucket."},
    {S3ErrorCode::kRepoNotFound, "RepoNotFound", 404, "Repository not found."},
    {S3ErrorCode::kRevisionNotFound, "RevisionNotFound", 404, "Revision not found."},
    {S3ErrorCode::kEntryNotFound, "EntryNotFound", 404, "Entry not found."},
    {S3ErrorCode::kUnauthorized, "Unauthorized", 401,
     "Invalid credentials in Authorization header."},
    {S3ErrorCode::kBadGateway, "BadGateway", 502, "The upstream Hub could not serve the file."},
    {S3ErrorCode::kInvalidTagTarget, "InvalidTagTarget", 400, "The tag target is not valid."},
    {S3ErrorCode::kTagChainTooLong, "TagChainTooLong", 400, "The tag chain is longer than 8 hops."},
    {S3ErrorCode::kNoSuchTag, "NoSuchTag", 404, "The specified tag does not exist."},
};
// The index of the first row that does not carry its own code, or the row
// count when every row is in place.
consteval size_t first_misplaced_row() {
  for (size_t i = 0; i < std::size(kErrors); ++i) {
    if (static_cast<size_t>(kErrors[i].id) != i) return i;
  }
  return std::size(kErrors);
}
static_assert(std::size(kErrors) == kS3ErrorCodeCount, "kErrors needs one row per S3ErrorCode");
static_assert(first_misplaced_row() == std::size(kErrors),
              "kErrors row N must carry S3ErrorCode N: the misplaced row is the left operand");

}  // namespace

const S3ErrorInfo& error_info(S3ErrorCode code) { return kErrors[static_cast<size_t>(code)]; }

S3Error internal_error(std::string_view source, std::string_view detail) {
  spdlog::error("{} failure: {}", source, detail);
  return S3Error(S3ErrorCode::kInternalError);
}

S3Error no_space_error(std::string_view detail) {
  spdlog::error("storage full: {}", detail);
  return S3Error(S3ErrorCode::kInsufficientStorage);
}

}  // namespace moss::s3
