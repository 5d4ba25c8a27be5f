// Which S3 operation a request is: method + whether a bucket and a key were
// addressed + the subresource query parameters, read off one table (router.cpp).
#pragma once

#include <string_view>

#include "moss/s3/exchange.h"
#include "moss/util/uri.h"

namespace moss::s3 {

enum class Operation {
  kListBuckets,
  kCreateBucket,
  kDeleteBucket,
  kHeadBucket,
  kGetBucketLocation,
  kGetBucketVersioning,
  kPutBucketVersioning,
  kGetBucketLifecycle,
  kPutBucketLifecycle,
  kDeleteBucketLifecycle,
  kListObjects,
  kListObjectsV2,
  kListObjectVersions,
  kListMultipartUploads,
  kDeleteObjects,
  kPutObject,
  kCopyObject,
  kGetObject,
  kHeadObject,
  kDeleteObject,
  kCreateMultipartUpload,
  kUploadPart,
  kUploadPartCopy,
  kCompleteMultipartUpload,
  kAbortMultipartUpload,
  kListParts,
  // Model tags addressed as objects (model_routes.h).
  kPutTag,
  kGetTag,
  kHeadTag,
  kGetTagDocument,  // GET <tag key>?moss-tag
  kDeleteTag,
  // The registry API under /_moss/v1/ (model_routes.h).
  kRegistryListModels,
  kRegistryGetModel,
  kRegistryGetTag,
  kRegistryPutTag,
  kRegistryDeleteTag,
  kRegistryTagHistory,
  kRegistryTagRollback,
  kRegistryUnknown,  // a path under /_moss/ that names nothing: 404
  kRunLifecycle,     // POST /_moss/lifecycle/run (admin.h)
  kNotImplemented,   // a real S3 operation moss does not offer: 501
  kMethodNotAllowed,
  kUnknown,  // not routed yet (the request failed before routing)
};

// The name used in logs and metrics ("GetObject").
std::string_view operation_name(Operation op);

struct Target {
  bool has_bucket = false;
  bool has_key = false;
};

Operation route(http::verb method, const Target& target, const QueryParams& query,
                const RequestHead& head);

bool has_param(const QueryParams& query, std::string_view name);
// The first value of a parameter, or nullptr.
const std::string* find_param(const QueryParams& query, std::string_view name);

}  // namespace moss::s3
