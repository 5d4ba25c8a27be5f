// ListParts and ListMultipartUploads: pages of what uploads in progress hold.
#include "moss/util/time_format.h"
#include "s3/handlers/handlers.h"
#include "s3/handlers/listing_params.h"
#include "s3/handlers/owner.h"
#include "s3/responses.h"
#include "s3/store_errors.h"
#include "s3/xml.h"

namespace moss::s3 {
namespace {

void add_initiator_and_owner(const RequestContext& ctx, pugi::xml_node node,
                             const std::string& owner) {
  auto keys = ctx.service.authenticator->keys();
  const AccessKey* key = keys->find(owner);
  const std::string& name = key ? key->name : owner;
  auto initiator = node.append_child("Initiator");
  add_element(initiator, "ID", canonical_owner_id(owner));
  add_element(initiator, "DisplayName", name);
  add_owner(node, owner, name);
}

}  // namespace

awaitable<void> handle_list_parts(RequestContext& ctx) {
  const std::string upload_id = *ctx.param("uploadId");
  store::PartListQuery q;
  q.marker = non_negative_int_param(ctx, "part-number-marker", 0);
  q.max_parts = page_size_param(ctx, "max-parts");
  auto page = value_or_throw(ctx.store().list_parts(ctx.bucket, ctx.key, upload_id, q));

  XmlResponse doc("ListPartsResult");
  auto root = doc.root();
  add_element(root, "Bucket", ctx.bucket);
  add_element(root, "Key", ctx.key);
  add_element(root, "UploadId", upload_id);
  add_element(root, "PartNumberMarker", static_cast<uint64_t>(q.marker));
  if (page.truncated) {
    add_element(root, "NextPartNumberMarker", static_cast<uint64_t>(page.next_marker));
  }
  add_element(root, "MaxParts", static_cast<uint64_t>(q.max_parts));
  add_element(root, "IsTruncated", page.truncated);
  for (const auto& part : page.parts) {
    auto node = root.append_child("Part");
    add_element(node, "PartNumber", static_cast<uint64_t>(part.part_number));
    add_element(node, "LastModified", format_iso8601(part.last_modified_ns));
    add_element(node, "ETag", "\"" + part.etag + "\"");
    add_element(node, "Size", part.size);
    if (!part.checksum.empty()) {
      add_element(node, ("Checksum" + part.checksum_algorithm).c_str(), part.checksum);
    }
  }
  add_initiator_and_owner(ctx, root, page.upload.owner);
  add_element(root, "StorageClass", std::string_view("STANDARD"));
  if (!page.upload.checksum_algorithm.empty()) {
    add_element(root, "ChecksumAlgorithm", page.upload.checksum_algorithm);
    add_element(root, "ChecksumType", page.upload.checksum_type);
  }
  co_await send_xml(ctx, http::status::ok, doc.str());
}

awaitable<void> handle_list_multipart_uploads(RequestContext& ctx) {
  const ListingKeyEncoding encode(ctx);

  store::UploadListQuery q;
  if (auto* p = ctx.param("prefix")) q.prefix = *p;
  if (auto* d = ctx.param("delimiter")) q.delimiter = *d;
  if (auto* k = ctx.param("key-marker")) q.key_marker = *k;
  // S3 ignores upload-id-marker without a key-marker.
  if (auto* u = ctx.param("upload-id-marker"); u && !q.key_marker.empty()) {
    q.upload_id_marker = *u;
  }
  q.max_uploads = page_size_param(ctx, "max-uploads");
  auto page = value_or_throw(ctx.store().list_uploads(ctx.bucket, q));

  XmlResponse doc("ListMultipartUploadsResult");
  auto root = doc.root();
  add_element(root, "Bucket", ctx.bucket);
  add_element(root, "KeyMarker", encode(q.key_marker));
  add_element(root, "UploadIdMarker", q.upload_id_marker);
  add_element(root, "NextKeyMarker", encode(page.truncated ? page.next_key_marker : ""));
  add_element(root, "NextUploadIdMarker", page.truncated ? page.next_upload_id_marker : "");
  if (!q.delimiter.empty()) add_element(root, "Delimiter", encode(q.delimiter));
  add_element(root, "Prefix", encode(q.prefix));
  add_element(root, "MaxUploads", static_cast<uint64_t>(q.max_uploads));
  add_element(root, "IsTruncated", page.truncated);
  if (encode.url()) add_element(root, "EncodingType", std::string_view("url"));
  for (const auto& upload : page.uploads) {
    auto node = root.append_child("Upload");
    add_element(node, "Key", encode(upload.key));
    add_element(node, "UploadId", upload.upload_id);
    add_initiator_and_owner(ctx, node, upload.owner);
    add_element(node, "StorageClass", std::string_view("STANDARD"));
    add_element(node, "Initiated", format_iso8601(upload.initiated_ns));
    if (!upload.checksum_algorithm.empty()) {
      add_element(node, "ChecksumAlgorithm", upload.checksum_algorithm);
      add_element(node, "ChecksumType", upload.checksum_type);
    }
  }
  for (const auto& prefix : page.common_prefixes) {
    add_element(root.append_child("CommonPrefixes"), "Prefix", encode(prefix));
  }
  co_await send_xml(ctx, http::status::ok, doc.str());
}

}  // namespace moss::s3
