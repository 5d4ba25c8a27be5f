// Objects: PutObject, GetObject / HeadObject, DeleteObject, CopyObject.
#include <charconv>

#include "moss/models/model_metadata_capture.h"
#include "moss/models/tag_key.h"
#include "moss/util/base64.h"
#include "moss/util/clock.h"
#include "moss/util/etag.h"
#include "moss/util/offload.h"
#include "moss/util/time_format.h"
#include "s3/handlers/canned_acl.h"
#include "s3/handlers/conditional.h"
#include "s3/handlers/copy_source.h"
#include "s3/handlers/handlers.h"
#include "s3/handlers/object_headers.h"
#include "s3/handlers/object_serving.h"
#include "s3/handlers/range.h"
#include "s3/handlers/tag_requests.h"
#include "s3/handlers/version_param.h"
#include "s3/handlers/write_conditions.h"
#include "s3/payload/checksum_headers.h"
#include "s3/payload/payload_reader.h"
#include "s3/payload/payload_to_blob.h"
#include "s3/responses.h"
#include "s3/store_errors.h"
#include "s3/xml.h"

namespace moss::s3 {
namespace {

bool is_versioned(store::VersioningState state) {
  return state != store::VersioningState::kUnversioned;
}

// A write answers with x-amz-version-id only when it made a real version: S3
// leaves the header out in suspended buckets (the write is the "null" version),
// though GET and HEAD there answer "null".
bool reports_version_id(const store::ObjectVersion& v) { return v.version_id != "null"; }

}  // namespace

awaitable<void> handle_put_object(RequestContext& ctx) {
  auto& store = ctx.store();
  auto bucket = value_or_throw(store.get_bucket(ctx.bucket));
  auto attributes = attributes_from_request(ctx.request());
  attributes.public_read = requested_public_read(ctx.request()).value_or(false);
  auto checksum = parse_checksum_request(ctx.request());
  auto pre = write_preconditions(ctx);
  check_write_preconditions(ctx, pre);

  PayloadReader body(ctx.ex, ctx.auth);
  auto received = co_await receive_payload(ctx, body, checksum, checksum.digests_needed(),
                                           ctx.config().max_put_size);
  auto& sealed = received.blob;
  const auto& verified = received.checksum;
  if (!verified.algorithm.empty()) {
    attributes.checksums[verified.algorithm] = verified.base64;
    attributes.checksum_type = "FULL_OBJECT";
  }

  store::NewVersion v;
  v.key = ctx.key;
  v.segments = {store::BlobSegment{sealed->sha256_hex(), sealed->size()}};
  v.size = sealed->size();
  v.etag = sealed->md5_hex();
  v.content_sha256 = sealed->sha256_hex();
  v.owner = ctx.auth.key.access_key_id;
  v.last_modified_ns = now_unix_nanos();
  v.attributes = std::move(attributes);
  v.model_metadata =
      co_await models::describe_sealed_upload(*ctx.service.blocking, ctx.key, *sealed);

  auto committed = co_await offload(*ctx.service.blocking,
                                    [&] { return store.put_object(ctx.bucket, v, *sealed, pre); });
  if (!committed) throw commit_error(ctx, pre, committed.error());

  auto head = ctx.response_head(http::status::ok);
  head.set(http::field::etag, "\"" + committed->etag + "\"");
  if (reports_version_id(*committed)) head.set("x-amz-version-id", committed->version_id);
  add_checksum_headers(head, committed->attributes);
  co_await send_empty(ctx, std::move(head));
}

awaitable<void> handle_get_object(RequestContext& ctx) {
  std::string version_id = version_id_param(ctx.query);
  auto found = ctx.store().open_object(ctx.bucket, ctx.key, version_id);
  if (!found) {
    S3Error e = to_s3_error(found.error());
    // S3 says whether a missing key is a delete marker on every 404 of a key.
    if (e.code() == S3ErrorCode::kNoSuchKey) e.header("x-amz-delete-marker", "false");
    throw e;
  }
  const store::OpenedObject& opened = *found;
  const auto& v = opened.version;
  ctx.audit.resolved_key = v.key;
  ctx.audit.version_id = v.version_id;
  ctx.audit.sha256 = v.content_sha256;

  if (v.is_delete_marker) {
    S3Error e = version_id.empty()
                    ? S3Error(S3ErrorCode::kNoSuchKey).with("Key", ctx.key)
                    : S3Error(S3ErrorCode::kMethodNotAllowed,
                              "The specified method is not allowed against a delete marker.");
    e.header("x-amz-delete-marker", "true").header("x-amz-version-id", v.version_id);
    if (!version_id.empty()) {
      e.header("Last-Modified", format_http_date(v.last_modified_ns / 1'000'000'000));
      e.header("Allow", "DELETE");
    }
    throw e;
  }

  auto head = ctx.response_head(http::status::ok);
  if (is_versioned(v.bucket_versioning)) head.set("x-amz-version-id", v.version_id);
  co_await serve_object(ctx, opened, std::move(head));
}

awaitable<void> handle_delete_object(RequestContext& ctx) {
  std::string version_id = version_id_param(ctx.query);
  auto& store = ctx.store();
  auto outcome = value_or_throw(co_await offload(
      *ctx.service.blocking, [&] { return store.delete_object(ctx.bucket, ctx.key, version_id); }));
  auto head = ctx.response_head(http::status::no_content);
  if (outcome.delete_marker) head.set("x-amz-delete-marker", "true");
  // A version that is not there "is deleted" too: S3 echoes the id it was asked for.
  const std::string& deleted_id = version_id.empty() ? outcome.version_id : version_id;
  if (!deleted_id.empty()) head.set("x-amz-version-id", deleted_id);
  co_await send_empty(ctx, std::move(head));
}

awaitable<void> handle_copy_object(RequestContext& ctx) {
  auto& store = ctx.store();
  auto source = parse_copy_source(ctx.header("x-amz-copy-source"));
  authorize_copy_source(ctx, source);
  if (!source.version_id.empty()) check_version_id(source.version_id, "x-amz-copy-source");
  auto dest_bucket = value_or_throw(store.get_bucket(ctx.bucket));
  auto src = models::parse_tag_key(source.key)
                 ? tag_source_version(ctx, source.bucket, source.key)
                 : value_or_throw(store.get_version(source.bucket, source.key, source.version_id));
  refuse_deleted_copy_source(src, source);

  auto outcome = evaluate_read_preconditions(read_preconditions(ctx, "x-amz-copy-source-"),
                                             src.etag, src.last_modified_ns / 1'000'000'000);
  if (outcome != PreconditionOutcome::kProceed) {
    throw S3Error(S3ErrorCode::kPreconditionFailed).with("Condition", "x-amz-copy-source-If-*");
  }

  std::string directive(ctx.header("x-amz-metadata-directive"));
  if (directive.empty()) directive = "COPY";
  if (directive != "COPY" && directive != "REPLACE") {
    throw S3Error(S3ErrorCode::kInvalidArgument, "Unknown metadata directive.")
        .with("ArgumentName", "x-amz-metadata-directive")
        .with("ArgumentValue", directive);
  }
  const bool same_object = source.bucket == ctx.bucket && source.key == ctx.key;
  if (same_object && directive == "COPY" &&
      dest_bucket.versioning != store::VersioningState::kEnabled) {
    throw S3Error(S3ErrorCode::kInvalidRequest,
                  "This copy request is illegal because it is trying to copy an object to itself "
                  "without changing the object's metadata, storage class, website redirect "
                  "location or encryption attributes.");
  }

  store::NewVersion v;
  v.key = ctx.key;
  v.segments = src.segments;
  v.size = src.size;
  v.etag = src.etag;
  v.content_sha256 = src.content_sha256;
  v.model_metadata = src.model_metadata;
  v.owner = ctx.auth.key.access_key_id;
  v.last_modified_ns = now_unix_nanos();
  if (directive == "COPY") {
    v.attributes = src.attributes;
  } else {
    v.attributes = attributes_from_request(ctx.request());
    // The bytes are the same, so are their checksums.
    v.attributes.checksums = src.attributes.checksums;
    v.attributes.checksum_type = src.attributes.checksum_type;
  }
  // A copy is a new object: private unless the request asks otherwise, as in S3.
  v.attributes.public_read = requested_public_read(ctx.request()).value_or(false);

  auto pre = write_preconditions(ctx);
  check_write_preconditions(ctx, pre);
  auto committed = co_await offload(*ctx.service.blocking,
                                    [&] { return store.put_existing_blobs(ctx.bucket, v, pre); });
  if (!committed) throw commit_error(ctx, pre, committed.error());

  XmlResponse doc("CopyObjectResult");
  add_element(doc.root(), "LastModified", format_iso8601(committed->last_modified_ns));
  add_element(doc.root(), "ETag", "\"" + committed->etag + "\"");
  for (const auto& [algorithm, value] : committed->attributes.checksums) {
    add_element(doc.root(), ("Checksum" + algorithm).c_str(), value);
  }
  auto head = ctx.response_head(http::status::ok);
  if (src.version_id != "null") head.set("x-amz-copy-source-version-id", src.version_id);
  if (reports_version_id(*committed)) head.set("x-amz-version-id", committed->version_id);
  co_await send_xml(ctx, std::move(head), doc.str());
}

}  // namespace moss::s3
