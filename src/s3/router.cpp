#include "s3/router.h"

#include <algorithm>
#include <array>

namespace moss::s3 {
namespace {

// Subresources of real S3 operations moss does not implement: asking for one
// answers 501 NotImplemented rather than silently running a different operation.
constexpr std::array kUnimplementedSubresources = {
    "accelerate",
    "acl",
    "analytics",
    "attributes",
    "cors",
    "encryption",
    "intelligent-tiering",
    "inventory",
    "legal-hold",
    "logging",
    "metrics",
    "notification",
    "object-lock",
    "ownershipControls",
    "policy",
    "policyStatus",
    "publicAccessBlock",
    "replication",
    "requestPayment",
    "restore",
    "retention",
    "select",
    "tagging",
    "torrent",
    "website",
    "session",
    "renameObject",
};

std::string_view unimplemented_subresource(const QueryParams& query) {
  for (const auto& [name, value] : query) {
    for (const char* sub : kUnimplementedSubresources) {
      if (name == sub) return sub;
    }
  }
  return {};
}

}  // namespace

bool has_param(const QueryParams& query, std::string_view name) {
  return find_param(query, name) != nullptr;
}

const std::string* find_param(const QueryParams& query, std::string_view name) {
  for (const auto& [k, v] : query) {
    if (k == name) return &v;
  }
  return nullptr;
}

Operation route(http::verb method, const Target& target, const QueryParams& q,
                const RequestHead& head) {
  using V = http::verb;
  if (!unimplemented_subresource(q).empty()) return Operation::kNotImplemented;

  if (!target.has_bucket) {
    if (method == V::get) return Operation::kListBuckets;
    return Operation::kMethodNotAllowed;
  }

  if (!target.has_key) {
    switch (method) {
      case V::get:
        if (has_param(q, "location")) return Operation::kGetBucketLocation;
        if (has_param(q, "versioning")) return Operation::kGetBucketVersioning;
        if (has_param(q, "lifecycle")) return Operation::kGetBucketLifecycle;
        if (has_param(q, "uploads")) return Operation::kListMultipartUploads;
        if (has_param(q, "versions")) return Operation::kListObjectVersions;
        if (auto* t = find_param(q, "list-type"); t && *t == "2") return Operation::kListObjectsV2;
        return Operation::kListObjects;
      case V::put:
        if (has_param(q, "versioning")) return Operation::kPutBucketVersioning;
        if (has_param(q, "lifecycle")) return Operation::kPutBucketLifecycle;
        return Operation::kCreateBucket;
      case V::delete_:
        if (has_param(q, "lifecycle")) return Operation::kDeleteBucketLifecycle;
        return Operation::kDeleteBucket;
      case V::head:
        return Operation::kHeadBucket;
      case V::post:
        if (has_param(q, "delete")) return Operation::kDeleteObjects;
        return Operation::kNotImplemented;
      default:
        return Operation::kMethodNotAllowed;
    }
  }

  switch (method) {
    case V::get:
      if (has_param(q, "uploadId")) return Operation::kListParts;
      return Operation::kGetObject;
    case V::head:
      return Operation::kHeadObject;
    case V::put:
      if (has_param(q, "partNumber") && has_param(q, "uploadId")) {
        return head.find("x-amz-copy-source") != head.end() ? Operation::kUploadPartCopy
                                                            : Operation::kUploadPart;
      }
      if (head.find("x-amz-copy-source") != head.end()) return Operation::kCopyObject;
      return Operation::kPutObject;
    case V::delete_:
      if (has_param(q, "uploadId")) return Operation::kAbortMultipartUpload;
      return Operation::kDeleteObject;
    case V::post:
      if (has_param(q, "uploads")) return Operation::kCreateMultipartUpload;
      if (has_param(q, "uploadId")) return Operation::kCompleteMultipartUpload;
      return Operation::kNotImplemented;
    default:
      return Operation::kMethodNotAllowed;
  }
}

std::string_view operation_name(Operation op) {
  switch (op) {
    case Operation::kListBuckets:
      return "ListBuckets";
    case Operation::kCreateBucket:
      return "CreateBucket";
    case Operation::kDeleteBucket:
      return "DeleteBucket";
    case Operation::kHeadBucket:
      return "HeadBucket";
    case Operation::kGetBucketLocation:
      return "GetBucketLocation";
    case Operation::kGetBucketVersioning:
      return "GetBucketVersioning";
    case Operation::kPutBucketVersioning:
      return "PutBucketVersioning";
    case Operation::kGetBucketLifecycle:
      return "GetBucketLifecycleConfiguration";
    case Operation::kPutBucketLifecycle:
      return "PutBucketLifecycleConfiguration";
    case Operation::kDeleteBucketLifecycle:
      return "DeleteBucketLifecycle";
    case Operation::kListObjects:
      return "ListObjects";
    case Operation::kListObjectsV2:
      return "ListObjectsV2";
    case Operation::kListObjectVersions:
      return "ListObjectVersions";
    case Operation::kListMultipartUploads:
      return "ListMultipartUploads";
    case Operation::kDeleteObjects:
      return "DeleteObjects";
    case Operation::kPutObject:
      return "PutObject";
    case Operation::kCopyObject:
      return "CopyObject";
    case Operation::kGetObject:
      return "GetObject";
    case Operation::kHeadObject:
      return "HeadObject";
    case Operation::kDeleteObject:
      return "DeleteObject";
    case Operation::kCreateMultipartUpload:
      return "CreateMultipartUpload";
    case Operation::kUploadPart:
      return "UploadPart";
    case Operation::kUploadPartCopy:
      return "UploadPartCopy";
    case Operation::kCompleteMultipartUpload:
      return "CompleteMultipartUpload";
    case Operation::kAbortMultipartUpload:
      return "AbortMultipartUpload";
    case Operation::kListParts:
      return "ListParts";
    case Operation::kPutTag:
      return "PutTag";
    case Operation::kGetTag:
      return "GetTag";
    case Operation::kHeadTag:
      return "HeadTag";
    case Operation::kGetTagDocument:
      return "GetTagDocument";
    case Operation::kDeleteTag:
      return "DeleteTag";
    case Operation::kRegistryListModels:
      return "RegistryListModels";
    case Operation::kRegistryGetModel:
      return "RegistryGetModel";
    case Operation::kRegistryGetTag:
      return "RegistryGetTag";
    case Operation::kRegistryPutTag:
      return "RegistryPutTag";
    case Operation::kRegistryDeleteTag:
      return "RegistryDeleteTag";
    case Operation::kRegistryTagHistory:
      return "RegistryTagHistory";
    case Operation::kRegistryTagRollback:
      return "RegistryTagRollback";
    case Operation::kRegistryUnknown:
      return "RegistryUnknown";
    case Operation::kRunLifecycle:
      return "RunLifecycle";
    case Operation::kNotImplemented:
      return "NotImplemented";
    case Operation::kMethodNotAllowed:
      return "MethodNotAllowed";
    case Operation::kUnknown:
      return "Unknown";
  }
  return "Unknown";
}

}  // namespace moss::s3
