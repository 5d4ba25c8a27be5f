// CompleteMultipartUpload: the parts named in the request become the segments
// of a new version, by reference. Nothing is read or copied, so completing takes
// the same time for 5 MiB as for 5 TiB: the ETag and checksum come from what
// was recorded for each part.
#include "moss/models/content_hasher.h"
#include "moss/models/model_metadata_capture.h"
#include "moss/util/ascii.h"
#include "moss/util/clock.h"
#include "moss/util/offload.h"
#include "moss/util/uri.h"
#include "s3/handlers/handlers.h"
#include "s3/handlers/multipart_completion.h"
#include "s3/handlers/write_conditions.h"
#include "s3/payload/multipart_checksums.h"
#include "s3/payload/payload_reader.h"
#include "s3/responses.h"
#include "s3/store_errors.h"
#include "s3/xml.h"

namespace moss::s3 {
namespace {

// 10,000 parts with an ETag and a checksum each fit comfortably.
constexpr size_t kMaxRequestBytes = 8 * 1024 * 1024;

std::optional<UploadChecksumMode> recorded_mode(const store::MultipartUpload& upload) {
  if (upload.checksum_algorithm.empty()) return std::nullopt;
  auto algorithm = digest_from_name(upload.checksum_algorithm);
  if (!algorithm) return std::nullopt;
  return UploadChecksumMode{*algorithm, upload.checksum_type == "FULL_OBJECT"
                                            ? ChecksumType::kFullObject
                                            : ChecksumType::kComposite};
}

// What the client may assert about the result in the request headers: the
// checksum type chosen at Create, the total size, and the object's checksum.
void check_client_assertions(const RequestContext& ctx,
                             const std::optional<UploadChecksumMode>& mode,
                             const std::optional<std::string>& checksum, uint64_t size) {
  if (auto type = ctx.header("x-amz-checksum-type"); !type.empty() && mode) {
    if (type != checksum_type_name(mode->type)) {
      throw S3Error(S3ErrorCode::kInvalidRequest,
                    "The upload was created using the " +
                        std::string(checksum_type_name(mode->type)) +
                        " checksum mode. The complete request must use the same checksum mode.");
    }
  }
  if (auto expected = ctx.header("x-amz-mp-object-size"); !expected.empty()) {
    if (expected != std::to_string(size)) {
      throw S3Error(S3ErrorCode::kInvalidRequest,
                    "The provided 'x-amz-mp-object-size' header value " + std::string(expected) +
                        " does not match what was computed: " + std::to_string(size));
    }
  }
  if (!mode || !checksum) return;
  const std::string header = "x-amz-checksum-" + ascii_lowercase(digest_name(mode->algorithm));
  auto given = ctx.header(header);
  if (given.empty()) return;
  // A composite value may be given with or without its "-N" suffix.
  std::string_view computed = *checksum;
  if (mode->type == ChecksumType::kComposite && given.find('-') == std::string_view::npos) {
    computed = computed.substr(0, computed.rfind('-'));
  }
  if (given != computed) {
    throw S3Error(S3ErrorCode::kBadDigest, "The " + std::string(digest_name(mode->algorithm)) +
                                               " you specified did not match the calculated "
                                               "checksum.");
  }
}

// The answer to a completion: the object `committed` as it was made.
awaitable<void> send_completion(RequestContext& ctx, const store::ObjectVersion& committed) {
  XmlResponse doc("CompleteMultipartUploadResult");
  add_element(doc.root(), "Location",
              "http://" + std::string(ctx.header("host")) + "/" +
                  aws_uri_encode(ctx.bucket, false) + "/" + aws_uri_encode(ctx.key, false));
  add_element(doc.root(), "Bucket", ctx.bucket);
  add_element(doc.root(), "Key", ctx.key);
  add_element(doc.root(), "ETag", "\"" + committed.etag + "\"");
  for (const auto& [algorithm, value] : committed.attributes.checksums) {
    add_element(doc.root(), ("Checksum" + algorithm).c_str(), value);
  }
  if (!committed.attributes.checksum_type.empty()) {
    add_element(doc.root(), "ChecksumType", committed.attributes.checksum_type);
  }
  auto head = ctx.response_head(http::status::ok);
  // As PutObject: no header for the "null" version of a suspended bucket.
  if (committed.version_id != "null") head.set("x-amz-version-id", committed.version_id);
  co_await send_xml(ctx, std::move(head), doc.str());
}

// A completion retried after it succeeded (the client never saw the answer):
// S3 answers it again, the same, without writing anything. moss remembers a
// completion for a day and while the key still holds what it made
// (MetadataStore::find_completed_upload); the parts named must be the same.
// Anything else is NoSuchUpload, as for an upload that never was.
awaitable<void> answer_retried_completion(RequestContext& ctx, const std::string& upload_id) {
  auto completed =
      value_or_throw(ctx.store().find_completed_upload(ctx.bucket, ctx.key, upload_id));
  PayloadReader body(ctx.ex, ctx.auth);
  const auto requested = parse_complete_request(co_await body.read_all(kMaxRequestBytes));
  if (!names_completed_parts(requested, completed.segments)) {
    throw S3Error(S3ErrorCode::kNoSuchUpload).with("UploadId", upload_id);
  }
  co_await send_completion(ctx, completed);
}

}  // namespace

awaitable<void> handle_complete_multipart_upload(RequestContext& ctx) {
  auto& store = ctx.store();
  const std::string upload_id = *ctx.param("uploadId");
  auto bucket = value_or_throw(store.get_bucket(ctx.bucket));
  auto found = store.get_upload(ctx.bucket, ctx.key, upload_id);
  if (!found && found.error().code == store::StoreErrc::kNoSuchUpload) {
    co_await answer_retried_completion(ctx, upload_id);
    co_return;
  }
  const store::MultipartUpload upload = value_or_throw(std::move(found));
  // Checked before the part list is read, and again as the object is committed.
  const auto pre = write_preconditions(ctx);
  check_write_preconditions(ctx, pre);

  PayloadReader body(ctx.ex, ctx.auth);
  const auto requested = parse_complete_request(co_await body.read_all(kMaxRequestBytes));
  auto uploaded = value_or_throw(
      store.list_parts(ctx.bucket, ctx.key, upload_id, store::PartListQuery{0, kMaxPartNumber}));
  const auto parts = select_completed_parts(requested, uploaded.parts);

  const auto mode = recorded_mode(upload);
  std::optional<std::string> checksum;
  if (mode) {
    checksum = combine_part_checksums(*mode, parts);
    if (!checksum) {
      throw S3Error(S3ErrorCode::kInvalidRequest,
                    "A part of this upload has no " + upload.checksum_algorithm + " checksum.");
    }
  }
  store::NewVersion v;
  v.key = ctx.key;
  for (const auto& part : parts) {
    v.segments.push_back(store::BlobSegment{part.sha256, part.size, part.part_number, part.etag,
                                            mode ? part.checksum : std::string()});
    v.size += part.size;
  }
  check_client_assertions(ctx, mode, checksum, v.size);
  v.etag = multipart_etag(parts);
  v.owner = upload.owner;
  v.last_modified_ns = now_unix_nanos();
  v.attributes = upload.attributes;
  if (checksum) {
    v.attributes.checksums[upload.checksum_algorithm] = *checksum;
    v.attributes.checksum_type = upload.checksum_type;
  }

  v.model_metadata =
      co_await models::describe_stored_segments(*ctx.service.blocking, store, ctx.key, v.segments);

  auto completed = co_await offload(
      *ctx.service.blocking, [&] { return store.complete_upload(ctx.bucket, upload_id, v, pre); });
  if (!completed) throw commit_error(ctx, pre, completed.error());
  const store::ObjectVersion& committed = *completed;
  // Its parts were hashed one by one; the whole object's SHA-256, which a tag
  // pins, is computed in the background.
  if (ctx.service.content_hasher && committed.content_sha256.empty()) {
    ctx.service.content_hasher->submit(ctx.bucket, committed);
  }

  co_await send_completion(ctx, committed);
}

}  // namespace moss::s3
