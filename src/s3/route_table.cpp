#include "s3/route_table.h"

#include <array>

#include "hub/hub_handlers.h"
#include "moss/models/snapshot.h"
#include "moss/models/tag_key.h"
#include "registry/hub_mirror_handlers.h"
#include "registry/registry_handlers.h"
#include "s3/errors.h"
#include "s3/handlers/handlers.h"
#include "s3/query_params.h"
#include "s3/request_context.h"

namespace moss::s3 {
namespace {

// The answers of the rows that refuse. They run after authentication, as
// every handler does: an unsigned request learns nothing about routes.
awaitable<void> refuse_not_implemented(RequestContext& ctx) {
  throw S3Error(S3ErrorCode::kNotImplemented,
                std::string(ctx.operation_name()) + " is not implemented by this server.");
  co_return;
}

awaitable<void> refuse_method_not_allowed(RequestContext&) {
  throw S3Error(S3ErrorCode::kMethodNotAllowed);
  co_return;
}

using V = http::verb;
using Op = Operation;

// The rows, tried in this order: for one method and target, the rows with a
// selector come before the default row, and a tag key row before the key row
// it overrides. Actions are AWS's names for the permission
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html).
// clang-format off
constexpr auto kRoutes = std::to_array<Route>({
    // The service.
    {.method = V::get, .target = Target::kService,
     .operation = Op::kListBuckets, .name = "ListBuckets",
     .action = "s3:ListAllMyBuckets", .handler = handle_list_buckets},

    // Buckets and their configuration.
    {.method = V::get, .target = Target::kBucket, .selector = {.query = "location"},
     .operation = Op::kGetBucketLocation, .name = "GetBucketLocation",
     .action = "s3:GetBucketLocation", .handler = handle_get_bucket_location},
    {.method = V::get, .target = Target::kBucket, .selector = {.query = "versioning"},
     .operation = Op::kGetBucketVersioning, .name = "GetBucketVersioning",
     .action = "s3:GetBucketVersioning", .handler = handle_get_bucket_versioning},
    {.method = V::get, .target = Target::kBucket, .selector = {.query = "lifecycle"},
     .operation = Op::kGetBucketLifecycle, .name = "GetBucketLifecycleConfiguration",
     .action = "s3:GetLifecycleConfiguration", .handler = handle_get_bucket_lifecycle},
    {.method = V::get, .target = Target::kBucket, .selector = {.query = "acl"},
     .operation = Op::kGetBucketAcl, .name = "GetBucketAcl",
     .action = "s3:GetBucketAcl", .handler = handle_get_bucket_acl},
    {.method = V::get, .target = Target::kBucket, .selector = {.query = "uploads"},
     .operation = Op::kListMultipartUploads, .name = "ListMultipartUploads",
     .action = "s3:ListBucketMultipartUploads", .handler = handle_list_multipart_uploads},
    {.method = V::get, .target = Target::kBucket, .selector = {.query = "versions"},
     .operation = Op::kListObjectVersions, .name = "ListObjectVersions",
     .action = "s3:ListBucketVersions", .handler = handle_list_object_versions},
    {.method = V::get, .target = Target::kBucket,
     .selector = {.query = "list-type", .query_value = "2"},
     .operation = Op::kListObjectsV2, .name = "ListObjectsV2",
     .action = "s3:ListBucket", .handler = handle_list_objects},
    {.method = V::get, .target = Target::kBucket,
     .operation = Op::kListObjects, .name = "ListObjects",
     .action = "s3:ListBucket", .handler = handle_list_objects},
    {.method = V::head, .target = Target::kBucket,
     .operation = Op::kHeadBucket, .name = "HeadBucket",
     .action = "s3:ListBucket", .handler = handle_head_bucket},
    {.method = V::put, .target = Target::kBucket, .selector = {.query = "versioning"},
     .operation = Op::kPutBucketVersioning, .name = "PutBucketVersioning",
     .action = "s3:PutBucketVersioning", .handler = handle_put_bucket_versioning},
    {.method = V::put, .target = Target::kBucket, .selector = {.query = "acl"},
     .operation = Op::kPutBucketAcl, .name = "PutBucketAcl",
     .action = "s3:PutBucketAcl", .handler = handle_put_bucket_acl},
    {.method = V::put, .target = Target::kBucket, .selector = {.query = "lifecycle"},
     .operation = Op::kPutBucketLifecycle, .name = "PutBucketLifecycleConfiguration",
     .action = "s3:PutLifecycleConfiguration", .handler = handle_put_bucket_lifecycle},
    {.method = V::put, .target = Target::kBucket,
     .operation = Op::kCreateBucket, .name = "CreateBucket",
     .action = "s3:CreateBucket", .handler = handle_create_bucket},
    // An ACL is replaced, never removed: DELETE ?acl must not fall through
    // to DeleteBucket (nor, below, to DeleteObject).
    {.method = V::delete_, .target = Target::kBucket, .selector = {.query = "acl"},
     .operation = Op::kMethodNotAllowed, .name = "MethodNotAllowed",
     .handler = refuse_method_not_allowed},
    // AWS has no action of its own for removing a lifecycle configuration.
    {.method = V::delete_, .target = Target::kBucket, .selector = {.query = "lifecycle"},
     .operation = Op::kDeleteBucketLifecycle, .name = "DeleteBucketLifecycle",
     .action = "s3:PutLifecycleConfiguration", .handler = handle_delete_bucket_lifecycle},
    {.method = V::delete_, .target = Target::kBucket,
     .operation = Op::kDeleteBucket, .name = "DeleteBucket",
     .action = "s3:DeleteBucket", .handler = handle_delete_bucket},
    // DeleteObjects checks s3:DeleteObject (or s3:DeleteObjectVersion) for
    // each key it names, and reports AccessDenied per key.
    {.method = V::post, .target = Target::kBucket, .selector = {.query = "delete"},
     .operation = Op::kDeleteObjects, .name = "DeleteObjects",
     .action = "s3:DeleteObject", .handler = handle_delete_objects,
     .authorizes_in_handler = true},
    {.method = V::post, .target = Target::kBucket,
     .operation = Op::kNotImplemented, .name = "NotImplemented",
     .handler = refuse_not_implemented},

    // Objects and multipart uploads. A tag key is a key too: the multipart
    // rows take it, and a tag row overrides the object rows after it.
    {.method = V::get, .target = Target::kKey, .selector = {.query = "acl"},
     .operation = Op::kGetObjectAcl, .name = "GetObjectAcl",
     .action = "s3:GetObjectAcl", .version_action = "s3:GetObjectVersionAcl",
     .handler = handle_get_object_acl},
    {.method = V::put, .target = Target::kKey, .selector = {.query = "acl"},
     .operation = Op::kPutObjectAcl, .name = "PutObjectAcl",
     .action = "s3:PutObjectAcl", .version_action = "s3:PutObjectVersionAcl",
     .handler = handle_put_object_acl},
    {.method = V::delete_, .target = Target::kKey, .selector = {.query = "acl"},
     .operation = Op::kMethodNotAllowed, .name = "MethodNotAllowed",
     .handler = refuse_method_not_allowed},
    {.method = V::get, .target = Target::kKey, .selector = {.query = "uploadId"},
     .operation = Op::kListParts, .name = "ListParts",
     .action = "s3:ListMultipartUploadParts", .handler = handle_list_parts},
    // GetObjectAttributes needs s3:GetObject (s3:GetObjectVersion) as well;
    // the handler asks for that one.
    {.method = V::get, .target = Target::kKey, .selector = {.query = "attributes"},
     .operation = Op::kGetObjectAttributes, .name = "GetObjectAttributes",
     .action = "s3:GetObjectAttributes", .version_action = "s3:GetObjectVersionAttributes",
     .handler = handle_get_object_attributes},
    {.method = V::get, .target = Target::kTagKey, .selector = {.query = "moss-tag"},
     .operation = Op::kGetTagDocument, .name = "GetTagDocument",
     .action = "s3:GetObject", .handler = handle_get_tag},
    {.method = V::get, .target = Target::kTagKey,
     .operation = Op::kGetTag, .name = "GetTag",
     .action = "s3:GetObject", .handler = handle_get_tag},
    // A file of a snapshot read as a folder; the handler serves the object of
    // that key when the folder names no snapshot (or ?versionId asks for one).
    {.method = V::get, .target = Target::kSnapshotFileKey,
     .operation = Op::kGetSnapshotFile, .name = "GetSnapshotFile",
     .action = "s3:GetObject", .version_action = "s3:GetObjectVersion",
     .handler = handle_get_snapshot_file},
    {.method = V::get, .target = Target::kKey,
     .operation = Op::kGetObject, .name = "GetObject",
     .action = "s3:GetObject", .version_action = "s3:GetObjectVersion",
     .handler = handle_get_object},
    {.method = V::head, .target = Target::kTagKey,
     .operation = Op::kHeadTag, .name = "HeadTag",
     .action = "s3:GetObject", .handler = handle_get_tag},
    {.method = V::head, .target = Target::kSnapshotFileKey,
     .operation = Op::kHeadSnapshotFile, .name = "HeadSnapshotFile",
     .action = "s3:GetObject", .version_action = "s3:GetObjectVersion",
     .handler = handle_get_snapshot_file},
    {.method = V::head, .target = Target::kKey,
     .operation = Op::kHeadObject, .name = "HeadObject",
     .action = "s3:GetObject", .version_action = "s3:GetObjectVersion",
     .handler = handle_get_object},
    {.method = V::put, .target = Target::kKey,
     .selector = {.query = "partNumber", .and_query = "uploadId", .header = "x-amz-copy-source"},
     .operation = Op::kUploadPartCopy, .name = "UploadPartCopy",
     .action = "s3:PutObject", .handler = handle_upload_part_copy},
    {.method = V::put, .target = Target::kKey,
     .selector = {.query = "partNumber", .and_query = "uploadId"},
     .operation = Op::kUploadPart, .name = "UploadPart",
     .action = "s3:PutObject", .handler = handle_upload_part},
    // A tag is set by a PUT whose body names its target, never by a copy.
    {.method = V::put, .target = Target::kTagKey, .selector = {.header = "x-amz-copy-source"},
     .operation = Op::kMethodNotAllowed, .name = "MethodNotAllowed",
     .handler = refuse_method_not_allowed},
    {.method = V::put, .target = Target::kKey, .selector = {.header = "x-amz-copy-source"},
     .operation = Op::kCopyObject, .name = "CopyObject",
     .action = "s3:PutObject", .handler = handle_copy_object},
    {.method = V::put, .target = Target::kTagKey,
     .operation = Op::kPutTag, .name = "PutTag",
     .action = "s3:PutObject", .handler = handle_put_tag},
    {.method = V::put, .target = Target::kKey,
     .operation = Op::kPutObject, .name = "PutObject",
     .action = "s3:PutObject", .handler = handle_put_object},
    {.method = V::delete_, .target = Target::kKey, .selector = {.query = "uploadId"},
     .operation = Op::kAbortMultipartUpload, .name = "AbortMultipartUpload",
     .action = "s3:AbortMultipartUpload", .handler = handle_abort_multipart_upload},
    {.method = V::delete_, .target = Target::kTagKey,
     .operation = Op::kDeleteTag, .name = "DeleteTag",
     .action = "s3:DeleteObject", .handler = handle_delete_tag},
    {.method = V::delete_, .target = Target::kKey,
     .operation = Op::kDeleteObject, .name = "DeleteObject",
     .action = "s3:DeleteObject", .version_action = "s3:DeleteObjectVersion",
     .handler = handle_delete_object},
    {.method = V::post, .target = Target::kTagKey, .selector = {.query = "uploads"},
     .operation = Op::kMethodNotAllowed, .name = "MethodNotAllowed",
     .handler = refuse_method_not_allowed},
    {.method = V::post, .target = Target::kKey, .selector = {.query = "uploads"},
     .operation = Op::kCreateMultipartUpload, .name = "CreateMultipartUpload",
     .action = "s3:PutObject", .handler = handle_create_multipart_upload},
    {.method = V::post, .target = Target::kKey, .selector = {.query = "uploadId"},
     .operation = Op::kCompleteMultipartUpload, .name = "CompleteMultipartUpload",
     .action = "s3:PutObject", .handler = handle_complete_multipart_upload},
    {.method = V::post, .target = Target::kKey,
     .operation = Op::kNotImplemented, .name = "NotImplemented",
     .handler = refuse_not_implemented},

    // CORS preflights, which browsers send unsigned. moss has no CORS
    // configuration: a preflight without Origin is 400, any other 403.
    {.method = V::options, .target = Target::kService,
     .operation = Op::kCorsPreflight, .name = "PreflightRequest",
     .handler = handle_cors_preflight, .before_authentication = true},
    {.method = V::options, .target = Target::kBucket,
     .operation = Op::kCorsPreflight, .name = "PreflightRequest",
     .handler = handle_cors_preflight, .before_authentication = true},
    {.method = V::options, .target = Target::kKey,
     .operation = Op::kCorsPreflight, .name = "PreflightRequest",
     .handler = handle_cors_preflight, .before_authentication = true},

    // The registry API (docs/models.md, "Registry API"): JSON under /_moss/v1/.
    {.method = V::get, .target = Target::kMossPath, .path = "v1/models",
     .operation = Op::kRegistryListModels, .name = "RegistryListModels",
     .action = "s3:ListBucket", .handler = handle_registry_list_models,
     .authorizes_in_handler = true, .answers_in_json = true},
    {.method = V::get, .target = Target::kMossPath, .path = "v1/model",
     .operation = Op::kRegistryGetModel, .name = "RegistryGetModel",
     .action = "s3:ListBucket", .handler = handle_registry_get_model,
     .authorizes_in_handler = true, .answers_in_json = true},
    {.method = V::get, .target = Target::kMossPath, .path = "v1/tag",
     .operation = Op::kRegistryGetTag, .name = "RegistryGetTag",
     .action = "s3:GetObject", .handler = handle_registry_get_tag,
     .authorizes_in_handler = true, .answers_in_json = true},
    {.method = V::put, .target = Target::kMossPath, .path = "v1/tag",
     .operation = Op::kRegistryPutTag, .name = "RegistryPutTag",
     .action = "s3:PutObject", .handler = handle_registry_put_tag,
     .authorizes_in_handler = true, .answers_in_json = true},
    {.method = V::delete_, .target = Target::kMossPath, .path = "v1/tag",
     .operation = Op::kRegistryDeleteTag, .name = "RegistryDeleteTag",
     .action = "s3:DeleteObject", .handler = handle_registry_delete_tag,
     .authorizes_in_handler = true, .answers_in_json = true},
    {.method = V::get, .target = Target::kMossPath, .path = "v1/tag/history",
     .operation = Op::kRegistryTagHistory, .name = "RegistryTagHistory",
     .action = "s3:GetObject", .handler = handle_registry_tag_history,
     .authorizes_in_handler = true, .answers_in_json = true},
    {.method = V::post, .target = Target::kMossPath, .path = "v1/tag/rollback",
     .operation = Op::kRegistryTagRollback, .name = "RegistryTagRollback",
     .action = "s3:PutObject", .handler = handle_registry_tag_rollback,
     .authorizes_in_handler = true, .answers_in_json = true},
    // The audit trail (docs/audit.md): moss:ReadAudit, or moss:Admin (the handler checks).
    {.method = V::get, .target = Target::kMossPath, .path = "v1/audit",
     .operation = Op::kRegistryAudit, .name = "RegistryAudit",
     .action = "moss:ReadAudit", .handler = handle_registry_audit,
     .authorizes_in_handler = true, .answers_in_json = true},

    // Mirroring a Hugging Face Hub (docs/hub-mirror.md): moss:MirrorModel or
    // s3:PutObject on the repo's path (the handlers check).
    {.method = V::get, .target = Target::kMossPath, .path = "v1/hub/revision",
     .operation = Op::kHubMirrorRevision, .name = "HubMirrorRevision",
     .action = "moss:MirrorModel", .handler = handle_hub_mirror_revision,
     .authorizes_in_handler = true, .answers_in_json = true},
    {.method = V::post, .target = Target::kMossPath, .path = "v1/hub/file",
     .operation = Op::kHubMirrorFile, .name = "HubMirrorFile",
     .action = "moss:MirrorModel", .handler = handle_hub_mirror_file,
     .authorizes_in_handler = true, .answers_in_json = true},
    {.method = V::post, .target = Target::kMossPath, .path = "v1/hub/tags",
     .operation = Op::kHubMirrorTags, .name = "HubMirrorTags",
     .action = "moss:MirrorModel", .handler = handle_hub_mirror_tags,
     .authorizes_in_handler = true, .answers_in_json = true},

    // Admin operations under /_moss/ (docs/versioning.md). lifecycle/run runs
    // the lifecycle worker now and answers, once it is done, with what it did
    // (JSON); its errors are S3's XML.
    {.method = V::post, .target = Target::kMossPath, .path = "lifecycle/run",
     .operation = Op::kRunLifecycle, .name = "RunLifecycle",
     .action = "moss:Admin", .handler = handle_run_lifecycle},

    // The Hugging Face Hub read API (docs/huggingface.md), at the paths the
    // Hub's clients build. Each handler asks for s3:GetObject on what it reads
    // (the files under "<model>/tags/<tag>/", or "<model>/snapshots/<id>/").
    {.method = V::get, .target = Target::kHubPath, .path = "resolve",
     .operation = Op::kHubGetFile, .name = "HubGetFile",
     .action = "s3:GetObject", .handler = handle_hub_file,
     .authorizes_in_handler = true, .hub_api = true},
    {.method = V::head, .target = Target::kHubPath, .path = "resolve",
     .operation = Op::kHubHeadFile, .name = "HubHeadFile",
     .action = "s3:GetObject", .handler = handle_hub_file,
     .authorizes_in_handler = true, .hub_api = true},
    {.method = V::get, .target = Target::kHubPath, .path = "model-info",
     .operation = Op::kHubModelInfo, .name = "HubModelInfo",
     .action = "s3:GetObject", .handler = handle_hub_model_info,
     .authorizes_in_handler = true, .hub_api = true},
    {.method = V::get, .target = Target::kHubPath, .path = "tree",
     .operation = Op::kHubListTree, .name = "HubListTree",
     .action = "s3:GetObject", .handler = handle_hub_tree,
     .authorizes_in_handler = true, .hub_api = true},
    {.method = V::post, .target = Target::kHubPath, .path = "paths-info",
     .operation = Op::kHubPathsInfo, .name = "HubPathsInfo",
     .action = "s3:GetObject", .handler = handle_hub_paths_info,
     .authorizes_in_handler = true, .hub_api = true},
    {.method = V::get, .target = Target::kHubPath, .path = "refs",
     .operation = Op::kHubListRefs, .name = "HubListRefs",
     .action = "s3:GetObject", .handler = handle_hub_refs,
     .authorizes_in_handler = true, .hub_api = true},
    {.method = V::get, .target = Target::kHubPath, .path = "manifest",
     .operation = Op::kHubGgufManifest, .name = "HubGgufManifest",
     .action = "s3:GetObject", .handler = handle_hub_gguf_manifest,
     .authorizes_in_handler = true, .hub_api = true},
});
// clang-format on

// The refusals no row selects: what a request that no row takes is answered.
constexpr Route kNotImplemented{
    .operation = Op::kNotImplemented, .name = "NotImplemented", .handler = refuse_not_implemented};
constexpr Route kMethodNotAllowed{.operation = Op::kMethodNotAllowed,
                                  .name = "MethodNotAllowed",
                                  .handler = refuse_method_not_allowed};
constexpr Route kRegistryMethodNotAllowed{.operation = Op::kRegistryUnknown,
                                          .name = "RegistryUnknown",
                                          .handler = refuse_method_not_allowed,
                                          .answers_in_json = true};
constexpr Route kHubNotImplemented{.target = Target::kHubPath,
                                   .operation = Op::kHubNotImplemented,
                                   .name = "HubNotImplemented",
                                   .handler = refuse_not_implemented,
                                   .hub_api = true};
constexpr Route kHubMethodNotAllowed{.target = Target::kHubPath,
                                     .operation = Op::kHubNotImplemented,
                                     .name = "MethodNotAllowed",
                                     .handler = refuse_method_not_allowed,
                                     .hub_api = true};
constexpr Route kNoRegistryPath{.operation = Op::kRegistryUnknown,
                                .name = "RegistryUnknown",
                                .handler = refuse_unknown_registry_path,
                                .answers_in_json = true};

// Subresources of real S3 operations moss does not implement: asking for one
// answers 501 NotImplemented rather than silently running a different operation.
// string_views: comparing one against a query name looks at the sizes first
// (no strlen per pair), and every signed request has six X-Amz- names.
constexpr std::string_view kUnimplementedSubresources[] = {
    "accelerate",
    "analytics",
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

bool names_unimplemented_subresource(const QueryParams& query) {
  for (const auto& [name, value] : query) {
    for (std::string_view sub : kUnimplementedSubresources) {
      if (name == sub) return true;
    }
  }
  return false;
}

bool selects(const Selector& selector, const QueryParams& query, const RequestHead& request) {
  if (!selector.query.empty()) {
    const std::string* value = find_param(query, selector.query);
    if (!value) return false;
    if (!selector.query_value.empty() && *value != selector.query_value) return false;
  }
  if (!selector.and_query.empty() && !has_param(query, selector.and_query)) return false;
  if (!selector.header.empty() && request.find(selector.header) == request.end()) return false;
  return true;
}

// Whether a row for `row_target` takes a request addressing `target`.
bool takes(Target row_target, Target target, bool tag_key, bool snapshot_file_key) {
  return row_target == target || (row_target == Target::kTagKey && tag_key) ||
         (row_target == Target::kSnapshotFileKey && snapshot_file_key);
}

const Route& find_s3_route(const RequestHead& request, std::string_view bucket,
                           std::string_view key, const QueryParams& query) {
  if (names_unimplemented_subresource(query)) return kNotImplemented;
  const Target target = bucket.empty() ? Target::kService
                        : key.empty()  ? Target::kBucket
                                       : Target::kKey;
  const bool tag_key = target == Target::kKey && models::parse_tag_key(key).has_value();
  const bool snapshot_file_key =
      target == Target::kKey && !tag_key && !models::snapshot_addresses(key, false).empty();
  for (const Route& row : kRoutes) {
    if (row.method == request.method() &&
        takes(row.target, target, tag_key, snapshot_file_key) &&
        selects(row.selector, query, request)) {
      return row;
    }
  }
  return kMethodNotAllowed;
}

bool is_path_of(const Route& row, std::string_view path) {
  if (row.target != Target::kMossPath) return false;
  if (row.answers_in_json && path.ends_with('/')) path.remove_suffix(1);
  return row.path == path;
}

const Route& find_moss_route(http::verb method, std::string_view path) {
  const Route* path_row = nullptr;
  for (const Route& row : kRoutes) {
    if (!is_path_of(row, path)) continue;
    if (row.method == method) return row;
    path_row = &row;
  }
  if (!path_row) return kNoRegistryPath;
  return path_row->answers_in_json ? kRegistryMethodNotAllowed : kMethodNotAllowed;
}

std::optional<std::string_view> optional_param(const QueryParams& query, std::string_view name) {
  const std::string* value = find_param(query, name);
  if (!value) return std::nullopt;
  return *value;
}

}  // namespace

std::string_view RouteMatch::action() const {
  if (params.version_id && !route->version_action.empty()) return route->version_action;
  return route->action;
}

RouteMatch find_route(const RequestHead& request, std::string_view bucket, std::string_view key,
                      const QueryParams& query) {
  RouteMatch match;
  match.route = bucket == kRegistryBucket ? &find_moss_route(request.method(), key)
                                          : &find_s3_route(request, bucket, key, query);
  match.params.upload_id = optional_param(query, "uploadId");
  match.params.part_number = optional_param(query, "partNumber");
  match.params.version_id = optional_param(query, "versionId");
  return match;
}

std::string_view hub_endpoint_name(hub::HubEndpoint endpoint) {
  switch (endpoint) {
    case hub::HubEndpoint::kResolve:
      return "resolve";
    case hub::HubEndpoint::kModelInfo:
      return "model-info";
    case hub::HubEndpoint::kTree:
      return "tree";
    case hub::HubEndpoint::kPathsInfo:
      return "paths-info";
    case hub::HubEndpoint::kRefs:
      return "refs";
    case hub::HubEndpoint::kManifest:
      return "manifest";
    case hub::HubEndpoint::kUnsupported:
      break;
  }
  return {};
}

RouteMatch find_hub_route(http::verb method, hub::HubEndpoint endpoint) {
  RouteMatch match;
  match.route = &kHubNotImplemented;
  const std::string_view name = hub_endpoint_name(endpoint);
  if (name.empty()) return match;
  for (const Route& row : kRoutes) {
    if (row.target != Target::kHubPath || row.path != name) continue;
    if (row.method == method) {
      match.route = &row;
      return match;
    }
    match.route = &kHubMethodNotAllowed;
  }
  return match;
}

std::span<const Route> route_table() { return kRoutes; }

}  // namespace moss::s3
