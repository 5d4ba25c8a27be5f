#include "s3/route_table.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "registry/registry_handlers.h"
#include "s3/addressing.h"

namespace moss::s3 {
namespace {

using V = http::verb;

// A request as a client sends it, and the row it must get.
struct RouteCase {
  const char* test_name;
  V method;
  const char* target;  // path-style, with the query: "/bucket/key?uploads"
  std::vector<const char*> headers;
  const char* operation;  // the name in logs and metrics
  const char* action;     // the permission; "" for refusals
  bool answers_in_json = false;
  bool hub = false;  // a Hugging Face Hub path (hub::parse_hub_path, find_hub_route)
};

RouteMatch route_of(const RouteCase& c, QueryParams& query) {
  std::string_view target = c.target;
  const auto question = target.find('?');
  const std::string_view path = target.substr(0, question);
  const std::string_view raw_query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  auto parsed = parse_query(raw_query);
  EXPECT_TRUE(parsed) << c.target;
  query = parsed.value_or(QueryParams{});
  auto address = resolve_address(path, "localhost", "");
  EXPECT_TRUE(address) << c.target;
  RequestHead head;
  head.method(c.method);
  head.target(c.target);
  for (const char* name : c.headers) head.set(name, "x");
  if (c.hub) {
    auto hub_path = hub::parse_hub_path(path);
    EXPECT_TRUE(hub_path) << c.target;
    return find_hub_route(c.method, hub_path ? hub_path->endpoint : hub::HubEndpoint::kUnsupported);
  }
  return find_route(head, address->bucket, address->key, query);
}

constexpr const char* kCopy = "x-amz-copy-source";
constexpr const char* kTag = "/models/llama/tags/latest";

const std::vector<RouteCase> kCases = {
    // The service.
    {"ListBuckets", V::get, "/", {}, "ListBuckets", "s3:ListAllMyBuckets"},
    {"ListBucketsIgnoresSubresources",
     V::get,
     "/?uploads",
     {},
     "ListBuckets",
     "s3:ListAllMyBuckets"},
    {"PutOnServiceIsNotAllowed", V::put, "/", {}, "MethodNotAllowed", ""},

    // Buckets.
    {"GetBucketLocation", V::get, "/b?location", {}, "GetBucketLocation", "s3:GetBucketLocation"},
    {"GetBucketVersioning",
     V::get,
     "/b?versioning",
     {},
     "GetBucketVersioning",
     "s3:GetBucketVersioning"},
    {"GetBucketLifecycle",
     V::get,
     "/b?lifecycle",
     {},
     "GetBucketLifecycleConfiguration",
     "s3:GetLifecycleConfiguration"},
    {"ListMultipartUploads",
     V::get,
     "/b?uploads",
     {},
     "ListMultipartUploads",
     "s3:ListBucketMultipartUploads"},
    {"ListObjectVersions",
     V::get,
     "/b?versions",
     {},
     "ListObjectVersions",
     "s3:ListBucketVersions"},
    {"ListObjectsV2", V::get, "/b?list-type=2&prefix=a", {}, "ListObjectsV2", "s3:ListBucket"},
    {"ListTypeOneIsListObjects", V::get, "/b?list-type=1", {}, "ListObjects", "s3:ListBucket"},
    {"ListObjects", V::get, "/b", {}, "ListObjects", "s3:ListBucket"},
    {"ListObjectsWithAVersionIdStaysListBucket",
     V::get,
     "/b?versionId=x",
     {},
     "ListObjects",
     "s3:ListBucket"},
    {"HeadBucket", V::head, "/b", {}, "HeadBucket", "s3:ListBucket"},
    {"PutBucketVersioning",
     V::put,
     "/b?versioning",
     {},
     "PutBucketVersioning",
     "s3:PutBucketVersioning"},
    {"PutBucketLifecycle",
     V::put,
     "/b?lifecycle",
     {},
     "PutBucketLifecycleConfiguration",
     "s3:PutLifecycleConfiguration"},
    {"CreateBucket", V::put, "/b", {}, "CreateBucket", "s3:CreateBucket"},
    {"DeleteBucketLifecycleNeedsPutLifecycle",
     V::delete_,
     "/b?lifecycle",
     {},
     "DeleteBucketLifecycle",
     "s3:PutLifecycleConfiguration"},
    {"DeleteBucket", V::delete_, "/b", {}, "DeleteBucket", "s3:DeleteBucket"},
    {"DeleteObjects", V::post, "/b?delete", {}, "DeleteObjects", "s3:DeleteObject"},
    {"PostOnBucketWithoutDeleteIsNotImplemented", V::post, "/b", {}, "NotImplemented", ""},
    {"PatchOnBucketIsNotAllowed", V::patch, "/b", {}, "MethodNotAllowed", ""},

    // Objects and multipart uploads.
    {"GetObject", V::get, "/b/dir/k.bin", {}, "GetObject", "s3:GetObject"},
    {"GetObjectVersion", V::get, "/b/k?versionId=abc", {}, "GetObject", "s3:GetObjectVersion"},
    {"GetObjectAttributes",
     V::get,
     "/b/k?attributes",
     {},
     "GetObjectAttributes",
     "s3:GetObjectAttributes"},
    {"GetObjectAttributesOfAVersion",
     V::get,
     "/b/k?attributes&versionId=abc",
     {},
     "GetObjectAttributes",
     "s3:GetObjectVersionAttributes"},
    {"HeadObject", V::head, "/b/k", {}, "HeadObject", "s3:GetObject"},
    {"HeadObjectVersion", V::head, "/b/k?versionId=abc", {}, "HeadObject", "s3:GetObjectVersion"},
    {"HeadWithUploadIdIsHeadObject", V::head, "/b/k?uploadId=u", {}, "HeadObject", "s3:GetObject"},
    {"PutObject", V::put, "/b/k", {}, "PutObject", "s3:PutObject"},
    {"PutWithPartNumberAloneIsPutObject",
     V::put,
     "/b/k?partNumber=1",
     {},
     "PutObject",
     "s3:PutObject"},
    {"CopyObject", V::put, "/b/k", {kCopy}, "CopyObject", "s3:PutObject"},
    {"UploadPart", V::put, "/b/k?partNumber=1&uploadId=u", {}, "UploadPart", "s3:PutObject"},
    {"UploadPartCopy",
     V::put,
     "/b/k?uploadId=u&partNumber=2",
     {kCopy},
     "UploadPartCopy",
     "s3:PutObject"},
    {"DeleteObject", V::delete_, "/b/k", {}, "DeleteObject", "s3:DeleteObject"},
    {"DeleteObjectVersion",
     V::delete_,
     "/b/k?versionId=abc",
     {},
     "DeleteObject",
     "s3:DeleteObjectVersion"},
    {"AbortMultipartUpload",
     V::delete_,
     "/b/k?uploadId=u",
     {},
     "AbortMultipartUpload",
     "s3:AbortMultipartUpload"},
    {"ListParts", V::get, "/b/k?uploadId=u", {}, "ListParts", "s3:ListMultipartUploadParts"},
    {"CreateMultipartUpload", V::post, "/b/k?uploads", {}, "CreateMultipartUpload", "s3:PutObject"},
    {"CompleteMultipartUpload",
     V::post,
     "/b/k?uploadId=u",
     {},
     "CompleteMultipartUpload",
     "s3:PutObject"},
    {"PostOnObjectWithoutSubresourceIsNotImplemented", V::post, "/b/k", {}, "NotImplemented", ""},
    {"OptionsOnServiceIsAPreflight", V::options, "/", {}, "PreflightRequest", ""},
    {"OptionsOnBucketIsAPreflight", V::options, "/b", {}, "PreflightRequest", ""},
    {"OptionsOnObjectIsAPreflight", V::options, "/b/k", {}, "PreflightRequest", ""},
    {"OptionsOnTagKeyIsAPreflight", V::options, kTag, {}, "PreflightRequest", ""},

    // Access control lists (canned ones only; the handlers refuse the rest).
    {"GetBucketAcl", V::get, "/b?acl", {}, "GetBucketAcl", "s3:GetBucketAcl"},
    {"PutBucketAcl", V::put, "/b?acl", {}, "PutBucketAcl", "s3:PutBucketAcl"},
    {"GetObjectAcl", V::get, "/b/k?acl", {}, "GetObjectAcl", "s3:GetObjectAcl"},
    {"GetObjectVersionAcl",
     V::get,
     "/b/k?acl&versionId=v",
     {},
     "GetObjectAcl",
     "s3:GetObjectVersionAcl"},
    {"PutObjectAcl", V::put, "/b/k?acl", {}, "PutObjectAcl", "s3:PutObjectAcl"},
    {"DeleteBucketAclIsNotAllowed", V::delete_, "/b?acl", {}, "MethodNotAllowed", ""},
    {"DeleteObjectAclIsNotAllowed", V::delete_, "/b/k?acl", {}, "MethodNotAllowed", ""},
    {"DeleteTagKeyAclIsNotAllowed",
     V::delete_,
     "/models/llama/tags/latest?acl",
     {},
     "MethodNotAllowed",
     ""},
    {"TagKeyAclIsTheObjectAcl",
     V::get,
     "/models/llama/tags/latest?acl",
     {},
     "GetObjectAcl",
     "s3:GetObjectAcl"},

    // Subresources moss does not implement: 501 whatever the method and target.
    {"BucketTaggingIsNotImplemented", V::put, "/b?tagging", {}, "NotImplemented", ""},
    {"ServicePolicyIsNotImplemented", V::get, "/?policy", {}, "NotImplemented", ""},
    {"UnimplementedBeatsNotAllowed", V::patch, "/b/k?retention", {}, "NotImplemented", ""},
    {"TagKeyTaggingIsNotImplemented",
     V::get,
     "/models/llama/tags/latest?tagging",
     {},
     "NotImplemented",
     ""},

    // Tag keys: "<model>/tags/<tag>".
    {"GetTag", V::get, kTag, {}, "GetTag", "s3:GetObject"},
    {"GetTagWithVersionIdStaysGetObject",
     V::get,
     "/models/llama/tags/latest?versionId=abc",
     {},
     "GetTag",
     "s3:GetObject"},
    {"GetTagDocument",
     V::get,
     "/models/llama/tags/latest?moss-tag",
     {},
     "GetTagDocument",
     "s3:GetObject"},
    {"HeadTag", V::head, kTag, {}, "HeadTag", "s3:GetObject"},
    {"PutTag", V::put, kTag, {}, "PutTag", "s3:PutObject"},
    {"DeleteTag", V::delete_, kTag, {}, "DeleteTag", "s3:DeleteObject"},
    {"CopyOntoATagKeyIsNotAllowed", V::put, kTag, {kCopy}, "MethodNotAllowed", ""},
    {"MultipartUploadOfATagKeyIsNotAllowed",
     V::post,
     "/models/llama/tags/latest?uploads",
     {},
     "MethodNotAllowed",
     ""},
    {"ListPartsOnATagKeyIsListParts",
     V::get,
     "/models/llama/tags/latest?uploadId=u&moss-tag",
     {},
     "ListParts",
     "s3:ListMultipartUploadParts"},
    {"UploadPartOnATagKeyIsUploadPart",
     V::put,
     "/models/llama/tags/latest?partNumber=1&uploadId=u",
     {},
     "UploadPart",
     "s3:PutObject"},
    {"AbortOnATagKeyIsAbort",
     V::delete_,
     "/models/llama/tags/latest?uploadId=u",
     {},
     "AbortMultipartUpload",
     "s3:AbortMultipartUpload"},
    {"FileUnderATagIsASnapshotFile",
     V::get,
     "/models/llama/tags/a/b",
     {},
     "GetSnapshotFile",
     "s3:GetObject"},
    {"HeadFileUnderASnapshotId",
     V::head,
     "/models/llama/snapshots/0123456789abcdef0123456789abcdef01234567/config.json",
     {},
     "HeadSnapshotFile",
     "s3:GetObject"},
    {"SnapshotsPathWithoutAnIdIsAnObject",
     V::get,
     "/models/llama/snapshots/latest/config.json",
     {},
     "GetObject",
     "s3:GetObject"},
    {"PutUnderATagFolderIsPutObject",
     V::put,
     "/models/llama/tags/a/b",
     {},
     "PutObject",
     "s3:PutObject"},
    {"TagsWithoutModelIsAnObject", V::put, "/models/tags/latest", {}, "PutObject", "s3:PutObject"},

    // The registry API under /_moss/v1/, answering in JSON.
    {"RegistryListModels",
     V::get,
     "/_moss/v1/models?bucket=m",
     {},
     "RegistryListModels",
     "s3:ListBucket",
     true},
    {"RegistryGetModel",
     V::get,
     "/_moss/v1/model?name=llama",
     {},
     "RegistryGetModel",
     "s3:ListBucket",
     true},
    {"RegistryGetTag",
     V::get,
     "/_moss/v1/tag?model=llama&tag=latest",
     {},
     "RegistryGetTag",
     "s3:GetObject",
     true},
    {"RegistryPutTag", V::put, "/_moss/v1/tag", {}, "RegistryPutTag", "s3:PutObject", true},
    {"RegistryDeleteTagWithTrailingSlash",
     V::delete_,
     "/_moss/v1/tag/",
     {},
     "RegistryDeleteTag",
     "s3:DeleteObject",
     true},
    {"RegistryTagHistory",
     V::get,
     "/_moss/v1/tag/history",
     {},
     "RegistryTagHistory",
     "s3:GetObject",
     true},
    {"RegistryTagRollback",
     V::post,
     "/_moss/v1/tag/rollback",
     {},
     "RegistryTagRollback",
     "s3:PutObject",
     true},
    {"RegistryAudit",
     V::get,
     "/_moss/v1/audit?model=llama&since=24h",
     {},
     "RegistryAudit",
     "moss:ReadAudit",
     true},
    {"HubMirrorRevision",
     V::get,
     "/_moss/v1/hub/revision?repo=acme%2Fllm&revision=main",
     {},
     "HubMirrorRevision",
     "moss:MirrorModel",
     true},
    {"HubMirrorFile",
     V::post,
     "/_moss/v1/hub/file?path=config.json&repo=acme%2Fllm&revision=main",
     {},
     "HubMirrorFile",
     "moss:MirrorModel",
     true},
    {"HubMirrorTags",
     V::post,
     "/_moss/v1/hub/tags?repo=acme%2Fllm&revision=main",
     {},
     "HubMirrorTags",
     "moss:MirrorModel",
     true},
    {"HubMirrorFileIsNoGet", V::get, "/_moss/v1/hub/file", {}, "RegistryUnknown", "", true},
    {"RegistryIgnoresS3Subresources",
     V::get,
     "/_moss/v1/models?acl",
     {},
     "RegistryListModels",
     "s3:ListBucket",
     true},
    {"RegistryWrongMethod", V::post, "/_moss/v1/tag", {}, "RegistryUnknown", "", true},
    {"RegistryUnknownPath", V::get, "/_moss/v2/models", {}, "RegistryUnknown", "", true},
    {"RegistryRoot", V::get, "/_moss/", {}, "RegistryUnknown", "", true},

    // Admin operations under /_moss/: errors in S3's XML.
    {"RunLifecycle", V::post, "/_moss/lifecycle/run", {}, "RunLifecycle", "moss:Admin"},
    {"RunLifecycleWrongMethodIsNotAllowed",
     V::get,
     "/_moss/lifecycle/run",
     {},
     "MethodNotAllowed",
     ""},
    {"RunLifecycleTakesNoTrailingSlash",
     V::post,
     "/_moss/lifecycle/run/",
     {},
     "RegistryUnknown",
     "",
     true},

    // The Hugging Face Hub API, at the paths its clients build.
    {"HubGetFile",
     V::get,
     "/org/m/resolve/main/config.json",
     {},
     "HubGetFile",
     "s3:GetObject",
     false,
     true},
    {"HubHeadFile",
     V::head,
     "/gpt2/resolve/main/config.json",
     {},
     "HubHeadFile",
     "s3:GetObject",
     false,
     true},
    {"HubModelInfo",
     V::get,
     "/api/models/org/m/revision/main",
     {},
     "HubModelInfo",
     "s3:GetObject",
     false,
     true},
    {"HubListTree",
     V::get,
     "/api/models/org/m/tree/main?recursive=true",
     {},
     "HubListTree",
     "s3:GetObject",
     false,
     true},
    {"HubPathsInfo",
     V::post,
     "/api/models/org/m/paths-info/main",
     {},
     "HubPathsInfo",
     "s3:GetObject",
     false,
     true},
    {"HubListRefs",
     V::get,
     "/api/models/org/m/refs",
     {},
     "HubListRefs",
     "s3:GetObject",
     false,
     true},
    {"HubGgufManifest", V::get, "/v2/org/m-gguf/manifests/Q4_K_M", {}, "HubGgufManifest",
     "s3:GetObject", false, true},
    {"HubWrongMethod",
     V::put,
     "/org/m/resolve/main/config.json",
     {},
     "MethodNotAllowed",
     "",
     false,
     true},
    {"HubDatasetsAreNotImplemented",
     V::get,
     "/api/datasets/org/d",
     {},
     "HubNotImplemented",
     "",
     false,
     true},
};

class RouteTableTest : public ::testing::TestWithParam<RouteCase> {};

TEST_P(RouteTableTest, PicksTheRowWithItsNameAndAction) {
  const RouteCase& c = GetParam();
  QueryParams query;
  const RouteMatch match = route_of(c, query);
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.route->name, c.operation);
  EXPECT_EQ(match.action(), c.action);
  EXPECT_EQ(match.route->answers_in_json, c.answers_in_json);
  EXPECT_NE(match.route->handler, nullptr);
}

INSTANTIATE_TEST_SUITE_P(Requests, RouteTableTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<RouteCase>& info) {
                           return std::string(info.param.test_name);
                         });

TEST(RouteTable, EveryRowIsPickedByACase) {
  std::set<const Route*> picked;
  for (const RouteCase& c : kCases) {
    QueryParams query;
    picked.insert(route_of(c, query).route);
  }
  for (const Route& row : route_table()) {
    EXPECT_TRUE(picked.contains(&row)) << row.name << " is picked by no case";
  }
}

TEST(RouteTable, RowsThatServeHaveAnActionAndRefusalsHaveNone) {
  for (const Route& row : route_table()) {
    const bool refuses = row.operation == Operation::kNotImplemented ||
                         row.operation == Operation::kMethodNotAllowed ||
                         row.operation == Operation::kCorsPreflight;
    EXPECT_EQ(row.action.empty(), refuses) << row.name;
    EXPECT_EQ(row.path.empty(), row.target != Target::kMossPath && row.target != Target::kHubPath)
        << row.name;
  }
}

TEST(RouteTable, NoRowIsShadowedByAnEarlierOne) {
  // A row after a default row (empty selector) that takes the same requests
  // could never be picked; a key row takes tag keys too.
  const auto rows = route_table();
  for (size_t i = 0; i < rows.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      const Route& earlier = rows[j];
      const Route& later = rows[i];
      const Selector& s = earlier.selector;
      const bool is_default = s.query.empty() && s.and_query.empty() && s.header.empty();
      const bool same_requests =
          earlier.target == later.target ||
          (earlier.target == Target::kKey &&
           (later.target == Target::kTagKey || later.target == Target::kSnapshotFileKey));
      EXPECT_FALSE(is_default && earlier.method == later.method && same_requests &&
                   earlier.path == later.path)
          << later.name << " is shadowed by " << earlier.name;
    }
  }
}

TEST(RouteTable, UnknownRegistryPathIsNotFoundAndAWrongMethodIsNotAllowed) {
  QueryParams query;
  const RouteCase unknown_path{"", V::get, "/_moss/v2/models", {}, "", ""};
  const RouteCase wrong_method{"", V::post, "/_moss/v1/tag", {}, "", ""};
  EXPECT_EQ(route_of(unknown_path, query).route->handler, &refuse_unknown_registry_path);
  EXPECT_NE(route_of(wrong_method, query).route->handler, &refuse_unknown_registry_path);
}

TEST(RouteTable, SharedQueryParametersAreFoundOnce) {
  QueryParams query;
  const RouteCase c{"", V::put, "/b/k?partNumber=7&uploadId=up%2B1&versionId=v", {}, "", ""};
  const RouteMatch match = route_of(c, query);
  ASSERT_TRUE(match.params.upload_id);
  EXPECT_EQ(*match.params.upload_id, "up+1");
  ASSERT_TRUE(match.params.part_number);
  EXPECT_EQ(*match.params.part_number, "7");
  ASSERT_TRUE(match.params.version_id);
  EXPECT_EQ(*match.params.version_id, "v");

  const RouteCase none{"", V::get, "/b/k", {}, "", ""};
  const RouteMatch plain = route_of(none, query);
  EXPECT_FALSE(plain.params.upload_id);
  EXPECT_FALSE(plain.params.part_number);
  EXPECT_FALSE(plain.params.version_id);
}

TEST(RouteTable, AnInvalidPartNumberIsLeftToItsHandler) {
  // Validation stays in the handler, after authentication, with its own error.
  QueryParams query;
  const RouteCase c{"", V::put, "/b/k?partNumber=zero&uploadId=u", {}, "", ""};
  const RouteMatch match = route_of(c, query);
  EXPECT_EQ(match.route->name, "UploadPart");
  ASSERT_TRUE(match.params.part_number);
  EXPECT_EQ(*match.params.part_number, "zero");
}

}  // namespace
}  // namespace moss::s3
