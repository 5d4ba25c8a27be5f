// Access control lists, canned ones only (s3/handlers/canned_acl.h):
// GetBucketAcl, PutBucketAcl, GetObjectAcl, PutObjectAcl. A bucket marked
// public-read lets anyone read every object in it; an object version marked
// public-read, that version (docs/access-control.md).
#include "moss/util/offload.h"
#include "s3/handlers/canned_acl.h"
#include "s3/handlers/handlers.h"
#include "s3/handlers/version_param.h"
#include "s3/responses.h"
#include "s3/store_errors.h"

namespace moss::s3 {
namespace {

std::string owner_name(RequestContext& ctx, const std::string& owner) {
  auto keys = ctx.service.authenticator->keys();
  const AccessKey* key = keys->find(owner);
  return key ? key->name : owner;
}

// The ACL a Put*Acl request sets: only a canned one, in x-amz-acl.
bool acl_to_set(RequestContext& ctx) {
  const auto& head = ctx.request();
  const auto length = head[http::field::content_length];
  if (head.count(http::field::transfer_encoding) > 0 || (!length.empty() && length != "0")) {
    throw S3Error(S3ErrorCode::kNotImplemented,
                  "AccessControlPolicy documents are not implemented; set a canned ACL with "
                  "x-amz-acl: private or public-read.");
  }
  auto wanted = requested_public_read(head);
  if (!wanted) {
    throw S3Error(S3ErrorCode::kMissingSecurityHeader).with("MissingHeaderName", "x-amz-acl");
  }
  return *wanted;
}

// The version an object ACL request addresses; a delete marker has none.
store::ObjectVersion addressed_version(RequestContext& ctx, const std::string& version_id) {
  auto v = value_or_throw(ctx.store().get_version(ctx.bucket, ctx.key, version_id));
  if (v.is_delete_marker) {
    if (version_id.empty()) {
      throw S3Error(S3ErrorCode::kNoSuchKey)
          .with("Key", ctx.key)
          .header("x-amz-delete-marker", "true")
          .header("x-amz-version-id", v.version_id);
    }
    throw S3Error(S3ErrorCode::kMethodNotAllowed,
                  "The specified method is not allowed against a delete marker.")
        .header("x-amz-delete-marker", "true");
  }
  return v;
}

}  // namespace

awaitable<void> handle_get_bucket_acl(RequestContext& ctx) {
  auto bucket = value_or_throw(ctx.store().get_bucket(ctx.bucket));
  co_await send_xml(
      ctx, http::status::ok,
      access_control_policy(bucket.owner, owner_name(ctx, bucket.owner), bucket.public_read));
}

awaitable<void> handle_put_bucket_acl(RequestContext& ctx) {
  const bool public_read = acl_to_set(ctx);
  auto& store = ctx.store();
  value_or_throw(co_await offload(*ctx.service.blocking, [&] {
    return store.set_bucket_public_read(ctx.bucket, public_read);
  }));
  co_await send_empty(ctx, ctx.response_head(http::status::ok));
}

awaitable<void> handle_get_object_acl(RequestContext& ctx) {
  const std::string version_id = version_id_param(ctx.query);
  auto v = addressed_version(ctx, version_id);
  auto head = ctx.response_head(http::status::ok);
  if (v.bucket_versioning != store::VersioningState::kUnversioned) {
    head.set("x-amz-version-id", v.version_id);
  }
  co_await send_xml(
      ctx, std::move(head),
      access_control_policy(v.owner, owner_name(ctx, v.owner), v.attributes.public_read));
}

awaitable<void> handle_put_object_acl(RequestContext& ctx) {
  const std::string version_id = version_id_param(ctx.query);
  const bool public_read = acl_to_set(ctx);
  auto v = addressed_version(ctx, version_id);
  auto& store = ctx.store();
  value_or_throw(co_await offload(*ctx.service.blocking, [&] {
    return store.set_object_public_read(ctx.bucket, ctx.key, v.version_id, public_read);
  }));
  auto head = ctx.response_head(http::status::ok);
  if (v.bucket_versioning != store::VersioningState::kUnversioned) {
    head.set("x-amz-version-id", v.version_id);
  }
  co_await send_empty(ctx, std::move(head));
}

}  // namespace moss::s3
