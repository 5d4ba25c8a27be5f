// Buckets: ListBuckets, CreateBucket, DeleteBucket, HeadBucket, GetBucketLocation.
#include "moss/util/clock.h"
#include "moss/util/offload.h"
#include "moss/util/time_format.h"
#include "s3/handlers/bucket_listing.h"
#include "s3/handlers/canned_acl.h"
#include "s3/handlers/handlers.h"
#include "s3/handlers/owner.h"
#include "s3/names.h"
#include "s3/payload/payload_reader.h"
#include "s3/responses.h"
#include "s3/store_errors.h"
#include "s3/xml.h"

namespace moss::s3 {

awaitable<void> handle_list_buckets(RequestContext& ctx) {
  const auto page = list_buckets_page_request(ctx.query);
  auto buckets = value_or_throw(ctx.store().list_buckets());
  // A key without a policy is its own account: it lists its own buckets.
  if (!ctx.auth.key.policy) {
    std::erase_if(buckets,
                  [&](const store::Bucket& b) { return b.owner != ctx.auth.key.access_key_id; });
  }
  // Every bucket is in the server's one region: asking for another lists none.
  if (const std::string* region = ctx.param("bucket-region");
      region && *region != ctx.config().region) {
    buckets.clear();
  }
  const auto listed = page_of_buckets(buckets, page);

  XmlResponse doc("ListAllMyBucketsResult");
  add_owner(doc.root(), ctx.auth.key);
  auto list = doc.root().append_child("Buckets");
  for (const store::Bucket* b : listed.buckets) {
    auto node = list.append_child("Bucket");
    add_element(node, "Name", b->name);
    add_element(node, "CreationDate", format_iso8601(b->created_ns));
    add_element(node, "BucketRegion", ctx.config().region);
  }
  if (!listed.continuation_token.empty()) {
    add_element(doc.root(), "ContinuationToken", listed.continuation_token);
  }
  if (page.prefix) add_element(doc.root(), "Prefix", *page.prefix);
  co_await send_xml(ctx, http::status::ok, doc.str());
}

awaitable<void> handle_create_bucket(RequestContext& ctx) {
  if (!is_valid_bucket_name(ctx.bucket)) {
    throw S3Error(S3ErrorCode::kInvalidBucketName).with("BucketName", ctx.bucket);
  }
  const bool public_read = requested_public_read(ctx.request()).value_or(false);
  // An optional CreateBucketConfiguration names a location; moss has one region.
  PayloadReader body(ctx.ex, ctx.auth);
  std::string config = co_await body.read_all(64 * 1024);
  if (!config.empty()) {
    auto doc = parse_request_xml(config, "CreateBucketConfiguration");
    auto location = child_text(doc.document_element(), "LocationConstraint");
    if (!location.empty() && location != ctx.config().region) {
      throw S3Error(S3ErrorCode::kInvalidArgument,
                    "The specified location-constraint is not valid; this server serves " +
                        ctx.config().region + ".")
          .with("ArgumentName", "LocationConstraint")
          .with("ArgumentValue", location);
    }
  }
  auto& store = ctx.store();
  std::string owner = ctx.auth.key.access_key_id;
  auto created = co_await offload(*ctx.service.blocking, [&] {
    return store.create_bucket(ctx.bucket, owner, now_unix_nanos());
  });
  // In us-east-1 S3 keeps its legacy answer to creating a bucket one already
  // owns: 200, the bucket's contents as they were, and its ACL reset to the
  // one this request asks for. Other regions answer 409.
  const bool legacy_region = ctx.config().region == "us-east-1";
  const bool recreated =
      !created && legacy_region && created.error().code == store::StoreErrc::kBucketAlreadyOwnedByYou;
  if (!created && !recreated) throw to_s3_error(created.error());
  // Marked after it is created: a crash in between leaves it private, never
  // a bucket more open than asked.
  if (public_read || recreated) {
    value_or_throw(co_await offload(*ctx.service.blocking, [&] {
      return store.set_bucket_public_read(ctx.bucket, public_read);
    }));
  }
  auto head = ctx.response_head(http::status::ok);
  head.set(http::field::location, "/" + ctx.bucket);
  co_await send_empty(ctx, std::move(head));
}

awaitable<void> handle_delete_bucket(RequestContext& ctx) {
  value_or_throw(co_await offload(*ctx.service.blocking,
                                  [&] { return ctx.store().delete_bucket(ctx.bucket); }));
  co_await send_no_content(ctx);
}

awaitable<void> handle_head_bucket(RequestContext& ctx) {
  value_or_throw(ctx.store().get_bucket(ctx.bucket));
  auto head = ctx.response_head(http::status::ok);
  head.set("x-amz-bucket-region", ctx.config().region);
  co_await send_empty(ctx, std::move(head));
}

awaitable<void> handle_get_bucket_location(RequestContext& ctx) {
  value_or_throw(ctx.store().get_bucket(ctx.bucket));
  XmlResponse doc("LocationConstraint");
  // S3 reports us-east-1 as an empty constraint; clients rely on that.
  if (ctx.config().region != "us-east-1") {
    doc.root().append_child(pugi::node_pcdata).set_value(ctx.config().region.c_str());
  }
  co_await send_xml(ctx, http::status::ok, doc.str());
}

}  // namespace moss::s3
