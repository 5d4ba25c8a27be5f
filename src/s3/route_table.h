// The one route table of the front door: a row per operation, S3's, the model
// tags' and the registry API's alike (route_table.cpp holds the rows). Each row
// says which requests it takes (method, target, selector), what the operation
// is called in logs and metrics, which permission it needs, and which handler
// serves it. S3Service looks the request up once, authenticates once, and
// calls the row's handler.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "moss/hub/hub_protocol.h"
#include "moss/s3/exchange.h"
#include "moss/util/uri.h"

namespace moss::s3 {

struct RequestContext;

// The path-style "bucket" moss's own API lives under: /_moss/v1/models, ...
// ("_moss" is not a valid bucket name, so no bucket is shadowed).
inline constexpr std::string_view kRegistryBucket = "_moss";

// Which operation a row is, for the handlers that serve more than one row
// (handle_list_objects: v1 or v2; handle_get_tag: the file or ?moss-tag).
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
  kGetObjectAttributes,
  kDeleteObject,
  kCreateMultipartUpload,
  kUploadPart,
  kUploadPartCopy,
  kCompleteMultipartUpload,
  kAbortMultipartUpload,
  kListParts,
  kPutTag,
  kGetTag,
  kHeadTag,
  kGetTagDocument,
  kDeleteTag,
  kGetSnapshotFile,
  kHeadSnapshotFile,
  kRegistryListModels,
  kRegistryGetModel,
  kRegistryGetTag,
  kRegistryPutTag,
  kRegistryDeleteTag,
  kRegistryTagHistory,
  kRegistryTagRollback,
  kRegistryAudit,
  kHubMirrorRevision,
  kHubMirrorFile,
  kHubMirrorTags,
  kRegistryUnknown,  // a path under /_moss/ that names nothing, or a wrong method on one
  kRunLifecycle,
  kHubGetFile,         // the Hugging Face Hub API (src/hub/): GET /{repo}/resolve/...
  kHubHeadFile,        // HEAD of the same
  kHubModelInfo,       // GET /api/models/{repo}[/revision/{revision}]
  kHubListTree,        // GET /api/models/{repo}/tree/{revision}[/{path}]
  kHubPathsInfo,       // POST /api/models/{repo}/paths-info/{revision}
  kHubListRefs,        // GET /api/models/{repo}/refs
  kHubGgufManifest,    // GET /v2/{user}/{model}/manifests/{quant} (llama.cpp)
  kHubNotImplemented,  // a Hub path moss does not serve (datasets, spaces, writes): 501
  kGetBucketAcl,
  kPutBucketAcl,
  kGetObjectAcl,
  kPutObjectAcl,
  kCorsPreflight,   // OPTIONS: answered before authentication, always refused
  kNotImplemented,  // a real S3 operation moss does not offer: 501
  kMethodNotAllowed,
  kUnknown,  // not routed (the request failed before routing)
};

// What a request addresses.
enum class Target {
  kService,   // no bucket: "/"
  kBucket,    // "/bucket"
  kKey,       // "/bucket/key", any key, tag keys included
  kTagKey,    // "/bucket/<model>/tags/<tag>" only (models::parse_tag_key)
  // "/bucket/<model>/tags/<tag>/<path>" or "/bucket/<model>/snapshots/<id>/<path>"
  // (models::snapshot_addresses): a file of a snapshot, or else an object.
  kSnapshotFileKey,
  kMossPath,  // "/_moss/<path>": the registry API and admin operations
  kHubPath,   // a Hugging Face Hub path (hub::parse_hub_path); `path` names the endpoint
};

// What else a request must carry for a row to take it; an empty field asks
// nothing. A row with an empty selector is the default for its method and
// target: rows are tried in table order, so it comes after the specific ones.
struct Selector {
  std::string_view query;        // a query parameter ("uploads", "versioning")
  std::string_view query_value;  // the value `query` must have ("2" of list-type=2)
  std::string_view and_query;    // a second parameter (UploadPart: partNumber and uploadId)
  std::string_view header;       // a header ("x-amz-copy-source")
};

using Handler = awaitable<void> (*)(RequestContext&);

struct Route {
  http::verb method;
  Target target;
  // Target::kMossPath: the path under /_moss/ ("v1/models"); Target::kHubPath:
  // the endpoint (hub_endpoint_name: "resolve", "tree", ...).
  std::string_view path;
  Selector selector;
  Operation operation;
  std::string_view name;  // in access logs and metrics: "GetObject"
  // The permission the request needs, as AWS names it ("s3:GetObject"); empty
  // for the rows that refuse (501, 405), which answer everyone alike.
  std::string_view action;
  // The permission instead when the request names a version (?versionId):
  // GetObject needs s3:GetObjectVersion then. Empty: `action` either way.
  std::string_view version_action;
  Handler handler;
  // The handler asks s3/authorization.h itself (the registry API: what it acts
  // on is in the query; DeleteObjects: per key) instead of the front door
  // asking for `action` on the addressed resource. It must ask before it
  // answers (RequestContext::response_head fails closed otherwise).
  bool authorizes_in_handler = false;
  // Errors are rendered as JSON (the registry API), not S3's XML. A JSON row's
  // path may also be asked for with one trailing '/'.
  bool answers_in_json = false;
  // The handler runs without authentication or authorization: a CORS
  // preflight (OPTIONS), which browsers send unsigned. Such a handler must
  // refuse, whatever it is asked; it reveals nothing and touches nothing.
  bool before_authentication = false;
  // The Hugging Face Hub API: errors are the Hub's (JSON {"error"} with
  // X-Error-Code and X-Error-Message, hub/hub_errors.h), bearer tokens are
  // accepted, and an anonymous request reaches the handler, which authorizes
  // what it reads (public-read buckets serve anonymous Hub clients).
  bool hub_api = false;
};

// The query parameters handlers share, found once by the lookup. Views into
// the QueryParams the lookup was given. Values are not validated here: each
// handler checks its own (partNumber, versionId) after authentication, with
// the errors it has always answered.
struct RouteParams {
  std::optional<std::string_view> upload_id;    // ?uploadId
  std::optional<std::string_view> part_number;  // ?partNumber
  std::optional<std::string_view> version_id;   // ?versionId
};

struct RouteMatch {
  const Route* route = nullptr;  // never null from find_route
  RouteParams params;

  // The permission this request needs: the row's action, or its
  // version_action when the request names a version.
  std::string_view action() const;
};

// The row for a request. `bucket` and `key` are the decoded address
// (s3/addressing.h): an empty bucket is the service, bucket "_moss" the
// registry API with `key` its path. Every request gets a row: one that takes
// it, else one that refuses it:
//   - any S3 subresource moss does not implement (?acl, ?tagging, ...):
//     NotImplemented (501), whatever the method and target;
//   - an S3 request no row takes: MethodNotAllowed (405);
//   - under /_moss/, a wrong method on a known path: 405 (named
//     RegistryUnknown for the registry API), an unknown path: 404
//     (RegistryUnknown, "No registry API at ...").
RouteMatch find_route(const RequestHead& request, std::string_view bucket, std::string_view key,
                      const QueryParams& query);

// The row for a Hugging Face Hub request (hub::parse_hub_path named its
// endpoint): the endpoint's row for the method; a wrong method 405, an
// unsupported endpoint 501, both answered as the Hub answers errors.
RouteMatch find_hub_route(http::verb method, hub::HubEndpoint endpoint);
std::string_view hub_endpoint_name(hub::HubEndpoint endpoint);

// Every row, in the order the lookup tries them (for tests).
std::span<const Route> route_table();

}  // namespace moss::s3
