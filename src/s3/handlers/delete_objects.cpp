// DeleteObjects: up to 1000 keys in one request, each deleted on its own.
#include "moss/models/tag_key.h"
#include "moss/store/version_id.h"
#include "moss/util/offload.h"
#include "s3/authorization.h"
#include "s3/handlers/handlers.h"
#include "s3/handlers/tag_requests.h"
#include "s3/model_errors.h"
#include "s3/names.h"
#include "s3/payload/checksum_headers.h"
#include "s3/payload/payload_reader.h"
#include "s3/responses.h"
#include "s3/store_errors.h"
#include "s3/xml.h"

namespace moss::s3 {
namespace {

constexpr size_t kMaxKeys = 1000;
constexpr size_t kMaxBodyBytes = 2 * 1024 * 1024;

struct DeleteTarget {
  std::string key;
  std::string version_id;
};

}  // namespace

awaitable<void> handle_delete_objects(RequestContext& ctx) {
  // S3 requires an integrity check on this request: Content-MD5 or, as boto3
  // 1.36+ sends instead, an x-amz-checksum-* header or trailer.
  auto checksum = parse_checksum_request(ctx.request());
  if (!checksum.content_md5 && !checksum.algorithm) {
    throw S3Error(S3ErrorCode::kInvalidRequest,
                  "Missing required header for this request: Content-MD5 or x-amz-checksum-*");
  }
  value_or_throw(ctx.store().get_bucket(ctx.bucket));

  PayloadReader body(ctx.ex, ctx.auth);
  std::string xml = co_await body.read_all(kMaxBodyBytes);
  std::map<DigestAlgorithm, std::string> digests;
  if (checksum.algorithm) digests[*checksum.algorithm] = digest(*checksum.algorithm, xml);
  verify_checksums(checksum, digest(DigestAlgorithm::kMd5, xml), digests, body.trailers());

  auto doc = parse_request_xml(xml, "Delete");
  auto root = doc.document_element();
  bool quiet = child_text(root, "Quiet") == "true";
  std::vector<DeleteTarget> targets;
  for (auto node : root.children()) {
    if (node.type() != pugi::node_element || local_name(node) != "Object") continue;
    auto key_node = child(node, "Key");
    if (!key_node) throw S3Error(S3ErrorCode::kMalformedXML);
    targets.push_back({key_node.text().get(), child_text(node, "VersionId")});
  }
  if (targets.empty() || targets.size() > kMaxKeys) throw S3Error(S3ErrorCode::kMalformedXML);

  XmlResponse result("DeleteResult");
  auto& store = ctx.store();
  for (const auto& target : targets) {
    // Each key is authorized on its own (the route row leaves it to this
    // handler); a denied one is reported, as S3 does, and left alone.
    const std::string_view action =
        target.version_id.empty() ? "s3:DeleteObject" : "s3:DeleteObjectVersion";
    if (!is_authorized(ctx, action, ctx.bucket, target.key)) {
      report_denial(ctx, action, ctx.bucket, target.key);
      auto error = result.root().append_child("Error");
      add_element(error, "Key", target.key);
      if (!target.version_id.empty()) add_element(error, "VersionId", target.version_id);
      add_element(error, "Code", error_info(S3ErrorCode::kAccessDenied).code);
      add_element(error, "Message", error_info(S3ErrorCode::kAccessDenied).message);
      continue;
    }
    if (!is_valid_object_key(target.key)) {
      auto error = result.root().append_child("Error");
      add_element(error, "Key", target.key);
      add_element(error, "Code", std::string_view("InvalidArgument"));
      add_element(error, "Message", std::string_view("Invalid key"));
      continue;
    }
    if (!target.version_id.empty() && !store::is_valid_version_id(target.version_id)) {
      // S3 reports a malformed version id here as one that does not exist.
      auto error = result.root().append_child("Error");
      add_element(error, "Key", target.key);
      add_element(error, "VersionId", target.version_id);
      add_element(error, "Code", error_info(S3ErrorCode::kNoSuchVersion).code);
      add_element(error, "Message", error_info(S3ErrorCode::kNoSuchVersion).message);
      continue;
    }
    if (auto tag = models::parse_tag_key(target.key)) {
      // A tag key names a tag: deleting it removes the tag (a missing one is
      // no error, as for objects).
      auto deleted = co_await offload(*ctx.service.blocking, [&] {
        return ctx.registry().delete_tag(ctx.bucket, tag->model, tag->tag,
                                         {ctx.auth.key.access_key_id, client_id(ctx), {}});
      });
      if (!deleted && deleted.error().code != models::ModelErrc::kNoSuchTag) {
        S3Error e = to_s3_error(deleted.error());
        auto error = result.root().append_child("Error");
        add_element(error, "Key", target.key);
        add_element(error, "Code", e.info().code);
        add_element(error, "Message", e.message());
      } else if (!quiet) {
        add_element(result.root().append_child("Deleted"), "Key", target.key);
      }
      continue;
    }
    auto outcome = co_await offload(*ctx.service.blocking, [&] {
      return store.delete_object(ctx.bucket, target.key, target.version_id);
    });
    if (!outcome) {
      S3Error e = to_s3_error(outcome.error());
      auto error = result.root().append_child("Error");
      add_element(error, "Key", target.key);
      if (!target.version_id.empty()) add_element(error, "VersionId", target.version_id);
      add_element(error, "Code", e.info().code);
      add_element(error, "Message", e.message());
      continue;
    }
    if (quiet) continue;
    auto deleted = result.root().append_child("Deleted");
    add_element(deleted, "Key", target.key);
    if (!target.version_id.empty()) add_element(deleted, "VersionId", target.version_id);
    if (outcome->delete_marker) {
      add_element(deleted, "DeleteMarker", true);
      if (!outcome->version_id.empty()) {
        add_element(deleted, "DeleteMarkerVersionId", outcome->version_id);
      }
    }
  }
  co_await send_xml(ctx, http::status::ok, result.str());
}

}  // namespace moss::s3
