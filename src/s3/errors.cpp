#include "s3/errors.h"

#include <array>

namespace moss::s3 {
namespace {

// Indexed by S3ErrorCode; the static_assert below keeps the two in step.
constexpr std::array kErrors = {
    S3ErrorInfo{"AccessDenied", 403, "Access Denied"},
    S3ErrorInfo{"AuthorizationHeaderMalformed", 400,
                "The authorization header that you provided is not valid."},
    S3ErrorInfo{"AuthorizationQueryParametersError", 400,
                "Error parsing the X-Amz-Credential parameter."},
    S3ErrorInfo{"BadDigest", 400, "The Content-MD5 you specified did not match what we received."},
    S3ErrorInfo{"BucketAlreadyExists", 409,
                "The requested bucket name is not available. The bucket namespace is shared by all "
                "users of the system. Please select a different name and try again."},
    S3ErrorInfo{"BucketAlreadyOwnedByYou", 409,
                "Your previous request to create the named bucket succeeded and you already own "
                "it."},
    S3ErrorInfo{"BucketNotEmpty", 409, "The bucket you tried to delete is not empty"},
    S3ErrorInfo{"ConditionalRequestConflict", 409,
                "A conflicting operation occurred. If using PutObject you can retry the request."},
    S3ErrorInfo{"EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size"},
    S3ErrorInfo{"EntityTooSmall", 400,
                "Your proposed upload is smaller than the minimum allowed object size."},
    S3ErrorInfo{"ExpiredToken", 400, "The provided token has expired."},
    S3ErrorInfo{"IncompleteBody", 400,
                "You did not provide the number of bytes specified by the Content-Length HTTP "
                "header."},
    S3ErrorInfo{"InternalError", 500, "We encountered an internal error. Please try again."},
    S3ErrorInfo{"InvalidAccessKeyId", 403,
                "The AWS Access Key Id you provided does not exist in our records."},
    S3ErrorInfo{"InvalidArgument", 400, "Invalid Argument"},
    S3ErrorInfo{"InvalidBucketName", 400, "The specified bucket is not valid."},
    S3ErrorInfo{"InvalidDigest", 400, "The Content-MD5 you specified is not valid."},
    S3ErrorInfo{"InvalidPart", 400,
                "One or more of the specified parts could not be found. The part may not have been "
                "uploaded, or the specified entity tag may not match the part's entity tag."},
    S3ErrorInfo{"InvalidPartOrder", 400,
                "The list of parts was not in ascending order. The parts list must be specified in "
                "order by part number."},
    S3ErrorInfo{"InvalidRange", 416, "The requested range is not satisfiable"},
    S3ErrorInfo{"InvalidRequest", 400, "Invalid Request"},
    S3ErrorInfo{"InvalidStorageClass", 400, "The storage class you specified is not valid"},
    S3ErrorInfo{"InvalidTag", 400, "The tag provided was not a valid tag."},
    S3ErrorInfo{"KeyTooLongError", 400, "Your key is too long"},
    S3ErrorInfo{"MalformedXML", 400,
                "The XML you provided was not well-formed or did not validate against our "
                "published schema."},
    S3ErrorInfo{"MethodNotAllowed", 405,
                "The specified method is not allowed against this resource."},
    S3ErrorInfo{"MissingContentLength", 411, "You must provide the Content-Length HTTP header."},
    S3ErrorInfo{"MissingSecurityHeader", 400, "Your request is missing a required header."},
    S3ErrorInfo{"NoSuchBucket", 404, "The specified bucket does not exist"},
    S3ErrorInfo{"NoSuchKey", 404, "The specified key does not exist."},
    S3ErrorInfo{"NoSuchLifecycleConfiguration", 404, "The lifecycle configuration does not exist"},
    S3ErrorInfo{"NoSuchUpload", 404,
                "The specified upload does not exist. The upload ID may be invalid, or the upload "
                "may have been aborted or completed."},
    S3ErrorInfo{"NoSuchVersion", 404, "The specified version does not exist."},
    S3ErrorInfo{"NotImplemented", 501,
                "A header or query you provided requested a function that is not implemented."},
    S3ErrorInfo{"NotModified", 304, "Not Modified"},
    S3ErrorInfo{"PreconditionFailed", 412,
                "At least one of the pre-conditions you specified did not hold"},
    S3ErrorInfo{"RequestHeaderSectionTooLarge", 400,
                "Your request header section exceeds the maximum allowed size."},
    S3ErrorInfo{"RequestTimeTooSkewed", 403,
                "The difference between the request time and the server's time is too large."},
    S3ErrorInfo{"RequestTimeout", 400,
                "Your socket connection to the server was not read from or written to within the "
                "timeout period."},
    S3ErrorInfo{"ServiceUnavailable", 503, "Please reduce your request rate."},
    S3ErrorInfo{"SignatureDoesNotMatch", 403,
                "The request signature we calculated does not match the signature you provided. "
                "Check your key and signing method."},
    S3ErrorInfo{"SlowDown", 503, "Please reduce your request rate."},
    S3ErrorInfo{"XAmzContentSHA256Mismatch", 400,
                "The provided 'x-amz-content-sha256' header does not match what was computed."},
    S3ErrorInfo{"InvalidChunkSizeError", 400,
                "Only the last chunk is allowed to have a size less than 8192 bytes"},
    S3ErrorInfo{"MalformedTrailerError", 400,
                "The request contained trailing data that was not well-formed or did not conform "
                "to our published schema."},
    S3ErrorInfo{"InvalidURI", 400, "Couldn't parse the specified URI."},
    S3ErrorInfo{"MetadataTooLarge", 400,
                "Your metadata headers exceed the maximum allowed metadata size."},
    S3ErrorInfo{"InvalidTagTarget", 400, "The tag target is not valid."},
    S3ErrorInfo{"TagChainTooLong", 400, "The tag chain is longer than 8 hops."},
    S3ErrorInfo{"NoSuchTag", 404, "The specified tag does not exist."},
};
static_assert(kErrors.size() == static_cast<size_t>(S3ErrorCode::kNoSuchTag) + 1,
              "kErrors must list every S3ErrorCode in order");

}  // namespace

const S3ErrorInfo& error_info(S3ErrorCode code) { return kErrors[static_cast<size_t>(code)]; }

}  // namespace moss::s3
