// Versioning: GetBucketVersioning, PutBucketVersioning, ListObjectVersions.
// (GET, HEAD, DELETE and CopyObject address versions in object_handlers.cpp.)
#include "moss/store/version_id.h"
#include "moss/util/offload.h"
#include "moss/util/time_format.h"
#include "s3/handlers/configuration_body.h"
#include "s3/handlers/handlers.h"
#include "s3/handlers/listing_params.h"
#include "s3/handlers/owner.h"
#include "s3/handlers/versioning_configuration.h"
#include "s3/responses.h"
#include "s3/store_errors.h"
#include "s3/xml.h"

namespace moss::s3 {
namespace {

// The markers of a ListObjectVersions request, checked in the order S3 checks them.
void read_markers(const RequestContext& ctx, store::VersionListQuery& q) {
  if (auto* k = ctx.param("key-marker")) q.key_marker = *k;
  const std::string* version_marker = ctx.param("version-id-marker");
  if (!version_marker) return;
  auto invalid = [&](const char* message) {
    return S3Error(S3ErrorCode::kInvalidArgument, message)
        .with("ArgumentName", "version-id-marker")
        .with("ArgumentValue", *version_marker);
  };
  if (q.key_marker.empty()) {
    throw invalid("A version-id marker cannot be specified without a key marker.");
  }
  if (version_marker->empty()) throw invalid("A version-id marker cannot be empty.");
  if (!store::is_valid_version_id(*version_marker)) throw invalid("Invalid version id specified");
  q.version_id_marker = *version_marker;
}

}  // namespace

awaitable<void> handle_get_bucket_versioning(RequestContext& ctx) {
  auto bucket = value_or_throw(ctx.store().get_bucket(ctx.bucket));
  co_await send_xml(ctx, http::status::ok, render_versioning_configuration(bucket.versioning));
}

awaitable<void> handle_put_bucket_versioning(RequestContext& ctx) {
  value_or_throw(ctx.store().get_bucket(ctx.bucket));
  std::string xml = co_await read_configuration_body(ctx, false);
  auto state = parse_versioning_configuration(xml);
  if (state) {
    auto& store = ctx.store();
    value_or_throw(co_await offload(*ctx.service.blocking,
                                    [&] { return store.set_versioning(ctx.bucket, *state); }));
  }
  co_await send_empty(ctx, ctx.response_head(http::status::ok));
}

awaitable<void> handle_list_object_versions(RequestContext& ctx) {
  store::VersionListQuery q;
  q.max_keys = page_size_param(ctx, "max-keys");
  read_markers(ctx, q);
  const ListingKeyEncoding encode(ctx);
  if (auto* p = ctx.param("prefix")) q.prefix = *p;
  if (auto* d = ctx.param("delimiter")) q.delimiter = *d;

  auto bucket = value_or_throw(ctx.store().get_bucket(ctx.bucket));
  auto page = value_or_throw(ctx.store().list_versions(ctx.bucket, q));

  XmlResponse doc("ListVersionsResult");
  auto root = doc.root();
  add_element(root, "Name", ctx.bucket);
  add_element(root, "Prefix", encode(q.prefix));
  add_element(root, "KeyMarker", encode(q.key_marker));
  add_element(root, "VersionIdMarker", q.version_id_marker);
  if (page.truncated) {
    add_element(root, "NextKeyMarker", encode(page.next_key_marker));
    if (!page.next_version_id_marker.empty()) {
      add_element(root, "NextVersionIdMarker", page.next_version_id_marker);
    }
  }
  add_element(root, "MaxKeys", static_cast<uint64_t>(q.max_keys));
  if (!q.delimiter.empty()) add_element(root, "Delimiter", encode(q.delimiter));
  if (encode.url()) add_element(root, "EncodingType", std::string_view("url"));
  add_element(root, "IsTruncated", page.truncated);

  auto keys = ctx.service.authenticator->keys();
  for (const auto& v : page.versions) {
    auto node = root.append_child(v.is_delete_marker ? "DeleteMarker" : "Version");
    add_element(node, "Key", encode(v.key));
    add_element(node, "VersionId", v.version_id);
    add_element(node, "IsLatest", v.is_latest);
    add_element(node, "LastModified", format_iso8601(v.last_modified_ns));
    if (!v.is_delete_marker) {
      add_element(node, "ETag", "\"" + v.etag + "\"");
      add_element(node, "Size", v.size);
    }
    // A delete marker made by a DELETE records no writer: the bucket owner answers for it.
    const std::string& owner = v.owner.empty() ? bucket.owner : v.owner;
    const AccessKey* key = keys->find(owner);
    add_owner(node, owner, key ? key->name : owner);
    if (!v.is_delete_marker) add_element(node, "StorageClass", std::string_view("STANDARD"));
  }
  for (const auto& prefix : page.common_prefixes) {
    add_element(root.append_child("CommonPrefixes"), "Prefix", encode(prefix));
  }
  co_await send_xml(ctx, http::status::ok, doc.str());
}

}  // namespace moss::s3
