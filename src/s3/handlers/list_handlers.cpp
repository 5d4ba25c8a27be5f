// ListObjects (v1) and ListObjectsV2: one ordered index scan in the store, two
// response dialects.
#include "moss/models/model_registry.h"
#include "moss/models/tag_key.h"
#include "moss/util/base64.h"
#include "moss/util/time_format.h"
#include "s3/handlers/handlers.h"
#include "s3/handlers/listing_params.h"
#include "s3/handlers/owner.h"
#include "s3/handlers/snapshot_listing.h"
#include "s3/handlers/tag_requests.h"
#include "s3/responses.h"
#include "s3/store_errors.h"
#include "s3/xml.h"

namespace moss::s3 {
namespace {

// Continuation tokens are opaque to clients: the position, base64-encoded.
std::string encode_token(const std::string& marker) { return base64_encode(marker); }

std::string decode_token(const std::string& token) {
  auto marker = base64_decode(token);
  if (!marker || marker->empty()) {
    throw S3Error(S3ErrorCode::kInvalidArgument, "The continuation token provided is incorrect")
        .with("ArgumentName", "continuation-token");
  }
  return *marker;
}

}  // namespace

awaitable<void> handle_list_objects(RequestContext& ctx) {
  const bool v2 = ctx.op == Operation::kListObjectsV2;
  const ListingKeyEncoding encode(ctx);

  store::ListQuery q;
  if (auto* p = ctx.param("prefix")) q.prefix = *p;
  if (auto* d = ctx.param("delimiter")) q.delimiter = *d;
  q.max_keys = page_size_param(ctx, "max-keys");
  // An empty continuation-token is no token (S3 answers the first page).
  const std::string* token = v2 ? ctx.param("continuation-token") : nullptr;
  if (token && token->empty()) token = nullptr;
  const std::string* start_after = v2 ? ctx.param("start-after") : ctx.param("marker");
  if (token) {
    q.marker = decode_token(*token);
  } else if (start_after) {
    q.marker = *start_after;
  }
  bool fetch_owner = !v2;  // v1 always lists owners; v2 on request
  if (auto* f = ctx.param("fetch-owner"); v2 && f) fetch_owner = *f == "true";

  auto folder_page = list_snapshot_folder(ctx, q);
  auto page = folder_page ? std::move(*folder_page)
                          : value_or_throw(ctx.store().list_objects(ctx.bucket, q));

  const std::string client = client_id(ctx);
  std::vector<store::ObjectVersion> listed;
  listed.reserve(page.objects.size());
  for (auto& object : page.objects) {
    // A tag lists like a symlink in `ls -L`: with the size and ETag of what
    // it resolves to (its own ETag and size 0 when it does not resolve).
    if (auto tag = object.is_tag ? models::parse_tag_key(object.key) : std::nullopt) {
      if (auto resolved = ctx.registry().resolve(ctx.bucket, tag->model, tag->tag, client)) {
        // A snapshot tag is a folder, not a file (GET of its key is 404):
        // listed, it would make a recursive copy of the whole model fail on
        // it, or write a file where the folder's files go. Nor is it listed
        // as a folder: a client descending into it would copy the
        // snapshot's files a second time under tags/, and aws-cli (no
        // delimiter) and rclone (one) would disagree on what a model holds.
        // Its files are listed by a prefix inside it (list_snapshot_folder).
        if (resolved->snapshot) continue;
        object.size = resolved->file.size;
        object.etag = resolved->file.etag;
      }
    }
    listed.push_back(std::move(object));
  }
  page.objects = std::move(listed);

  XmlResponse doc("ListBucketResult");
  auto root = doc.root();
  add_element(root, "Name", ctx.bucket);
  add_element(root, "Prefix", encode(q.prefix));
  if (v2) {
    if (token) add_element(root, "ContinuationToken", *token);
    if (start_after) add_element(root, "StartAfter", encode(*start_after));
    add_element(root, "KeyCount",
                static_cast<uint64_t>(page.objects.size() + page.common_prefixes.size()));
  } else {
    add_element(root, "Marker", encode(start_after ? *start_after : std::string()));
  }
  add_element(root, "MaxKeys", static_cast<uint64_t>(q.max_keys));
  if (!q.delimiter.empty()) add_element(root, "Delimiter", encode(q.delimiter));
  if (encode.url()) add_element(root, "EncodingType", std::string_view("url"));
  add_element(root, "IsTruncated", page.truncated);
  if (page.truncated) {
    if (v2) {
      add_element(root, "NextContinuationToken", encode_token(page.next_marker));
    } else {
      add_element(root, "NextMarker", encode(page.next_marker));
    }
  }

  auto keys = ctx.service.authenticator->keys();
  for (auto& object : page.objects) {
    auto node = root.append_child("Contents");
    add_element(node, "Key", encode(object.key));
    add_element(node, "LastModified", format_iso8601(object.last_modified_ns));
    add_element(node, "ETag", "\"" + object.etag + "\"");
    add_element(node, "Size", object.size);
    if (fetch_owner) {
      const AccessKey* key = keys->find(object.owner);
      add_owner(node, object.owner, key ? key->name : object.owner);
    }
    add_element(node, "StorageClass", std::string_view("STANDARD"));
  }
  for (const auto& prefix : page.common_prefixes) {
    add_element(root.append_child("CommonPrefixes"), "Prefix", encode(prefix));
  }
  co_await send_xml(ctx, http::status::ok, doc.str());
}

}  // namespace moss::s3
