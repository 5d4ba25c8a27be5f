// Multipart uploads, the writes: CreateMultipartUpload, UploadPart,
// UploadPartCopy, AbortMultipartUpload. (Complete: complete_multipart_upload.cpp;
// ListParts and ListMultipartUploads: multipart_listings.cpp.)
//
// A part is written like a PutObject body: streamed through a fixed buffer into
// a blob, sealed, and linked; many parts of one upload may do so at once.
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "moss/models/tag_key.h"
#include "moss/util/ascii.h"
#include "moss/util/base64.h"
#include "moss/util/clock.h"
#include "moss/util/offload.h"
#include "moss/util/time_format.h"
#include "s3/handlers/canned_acl.h"
#include "s3/handlers/copy_source.h"
#include "s3/handlers/handlers.h"
#include "s3/handlers/multipart_completion.h"
#include "s3/handlers/object_headers.h"
#include "s3/handlers/object_serving.h"
#include "s3/handlers/tag_requests.h"
#include "s3/handlers/version_param.h"
#include "s3/payload/checksum_headers.h"
#include "s3/payload/multipart_checksums.h"
#include "s3/payload/payload_reader.h"
#include "s3/payload/payload_to_blob.h"
#include "s3/responses.h"
#include "s3/store_errors.h"
#include "s3/xml.h"

namespace moss::s3 {
namespace {

// The algorithm every part of `upload` is checksummed with, if Create chose one.
std::optional<DigestAlgorithm> upload_algorithm(const store::MultipartUpload& upload) {
  if (upload.checksum_algorithm.empty()) return std::nullopt;
  return digest_from_name(upload.checksum_algorithm);
}

// A part checksummed with another algorithm than the upload's cannot be
// combined into the object's checksum.
void check_part_algorithm(const ChecksumRequest& checksum,
                          std::optional<DigestAlgorithm> expected) {
  if (!expected || !checksum.algorithm || *checksum.algorithm == *expected) return;
  throw S3Error(S3ErrorCode::kInvalidRequest,
                "Checksum Type mismatch occurred, expected checksum Type: " +
                    ascii_lowercase(digest_name(*expected)) +
                    ", actual checksum Type: " + ascii_lowercase(digest_name(*checksum.algorithm)));
}

void add_part_checksum_header(ResponseHead& head, const store::UploadPart& part) {
  if (part.checksum.empty()) return;
  if (auto a = digest_from_name(part.checksum_algorithm)) {
    head.set(checksum_header_name(*a), part.checksum);
  }
}

// Copies `length` bytes at `offset` of the segments `fds` (sizes `sizes`) into
// `writer`, through one fixed buffer. Runs on the blocking pool.
store::StoreResult<void> copy_range(const std::vector<SharedFd>& fds,
                                    const std::vector<store::BlobSegment>& segments,
                                    uint64_t offset, uint64_t length, store::BlobWriter& writer,
                                    size_t buffer_size) {
  std::vector<uint8_t> buffer(buffer_size);
  uint64_t segment_start = 0;
  for (size_t i = 0; i < segments.size() && length > 0; ++i) {
    const uint64_t segment_end = segment_start + segments[i].size;
    if (offset < segment_end) {
      uint64_t at = offset - segment_start;
      while (at < segments[i].size && length > 0) {
        size_t want = static_cast<size_t>(std::min<uint64_t>(buffer.size(), length));
        want = static_cast<size_t>(std::min<uint64_t>(want, segments[i].size - at));
        ssize_t n = ::pread(fds[i].get(), buffer.data(), want, static_cast<off_t>(at));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          return store::store_fail(store::StoreErrc::kIo,
                                   std::string("read copy source: ") +
                                       (n < 0 ? std::strerror(errno) : "unexpected end"));
        }
        if (auto r = writer.write(std::span<const uint8_t>(buffer.data(), size_t(n))); !r) {
          return r;
        }
        at += static_cast<uint64_t>(n);
        offset += static_cast<uint64_t>(n);
        length -= static_cast<uint64_t>(n);
      }
    }
    segment_start = segment_end;
  }
  if (length > 0) return store::store_fail(store::StoreErrc::kIo, "copy source is short");
  return {};
}

// When [first, last] is exactly one stored segment of `v` whose MD5 (and, if
// the upload needs one, checksum) is known, the part can be that very blob.
std::optional<store::UploadPart> reusable_segment(const store::ObjectVersion& v,
                                                  const ByteRange& range,
                                                  std::optional<DigestAlgorithm> algorithm) {
  uint64_t start = 0;
  for (const auto& segment : v.segments) {
    if (start == range.first && segment.size == range.length()) {
      const bool single = v.segments.size() == 1 && segment.part_number == 0;
      store::UploadPart part;
      part.sha256 = segment.sha256;
      part.size = segment.size;
      part.etag = single ? v.etag : segment.part_etag;
      if (part.etag.empty() || part.etag.find('-') != std::string::npos) return std::nullopt;
      if (algorithm) {
        const std::string name(digest_name(*algorithm));
        auto it = v.attributes.checksums.find(name);
        if (it == v.attributes.checksums.end()) return std::nullopt;
        if (single && v.attributes.checksum_type != "COMPOSITE") {
          part.checksum = it->second;
        } else if (!single) {
          part.checksum = segment.part_checksum;
        }
        if (part.checksum.empty()) return std::nullopt;
        part.checksum_algorithm = name;
      }
      return part;
    }
    start += segment.size;
  }
  return std::nullopt;
}

// The part record for bytes just written: its hashes, size and, when the upload
// declared an algorithm, that checksum of the part.
store::UploadPart part_from_blob(int part_number, const store::SealedBlob& sealed,
                                 std::optional<DigestAlgorithm> algorithm) {
  store::UploadPart part;
  part.part_number = part_number;
  part.sha256 = sealed.sha256_hex();
  part.size = sealed.size();
  part.etag = sealed.md5_hex();
  part.last_modified_ns = now_unix_nanos();
  if (algorithm) {
    part.checksum_algorithm = std::string(digest_name(*algorithm));
    part.checksum = base64_encode(sealed.digests().at(*algorithm));
  }
  return part;
}

}  // namespace

awaitable<void> handle_create_multipart_upload(RequestContext& ctx) {
  auto& store = ctx.store();
  value_or_throw(store.get_bucket(ctx.bucket));
  auto mode = parse_upload_checksum_mode(ctx.header("x-amz-checksum-algorithm"),
                                         ctx.header("x-amz-checksum-type"));
  store::MultipartUpload upload;
  upload.key = ctx.key;
  upload.owner = ctx.auth.key.access_key_id;
  upload.initiated_ns = now_unix_nanos();
  upload.attributes = attributes_from_request(ctx.request());
  // The completed object gets the canned ACL asked for here.
  upload.attributes.public_read = requested_public_read(ctx.request()).value_or(false);
  if (mode) {
    upload.checksum_algorithm = std::string(digest_name(mode->algorithm));
    upload.checksum_type = std::string(checksum_type_name(mode->type));
  }
  auto created = value_or_throw(co_await offload(
      *ctx.service.blocking, [&] { return store.create_upload(ctx.bucket, upload); }));

  XmlResponse doc("InitiateMultipartUploadResult");
  add_element(doc.root(), "Bucket", ctx.bucket);
  add_element(doc.root(), "Key", ctx.key);
  add_element(doc.root(), "UploadId", created.upload_id);
  auto head = ctx.response_head(http::status::ok);
  if (mode) {
    head.set("x-amz-checksum-algorithm", created.checksum_algorithm);
    head.set("x-amz-checksum-type", created.checksum_type);
  }
  co_await send_xml(ctx, std::move(head), doc.str());
}

awaitable<void> handle_upload_part(RequestContext& ctx) {
  auto& store = ctx.store();
  const int part_number = parse_part_number(*ctx.param("partNumber"));
  const std::string upload_id = *ctx.param("uploadId");
  auto upload = value_or_throw(store.get_upload(ctx.bucket, ctx.key, upload_id));
  auto checksum = parse_checksum_request(ctx.request());
  const auto algorithm = upload_algorithm(upload);
  check_part_algorithm(checksum, algorithm);

  PayloadReader body(ctx.ex, ctx.auth);
  auto digests = checksum.digests_needed();
  if (algorithm) digests.push_back(*algorithm);
  auto received = co_await receive_payload(ctx, body, checksum, std::move(digests), kMaxPartSize);
  auto& sealed = received.blob;
  const auto& verified = received.checksum;

  store::UploadPart part = part_from_blob(part_number, *sealed, algorithm);
  if (!algorithm && !verified.algorithm.empty()) {
    part.checksum_algorithm = verified.algorithm;
    part.checksum = verified.base64;
  }
  value_or_throw(co_await offload(*ctx.service.blocking, [&] {
    return store.put_part(ctx.bucket, ctx.key, upload_id, part, *sealed);
  }));

  auto head = ctx.response_head(http::status::ok);
  head.set(http::field::etag, "\"" + part.etag + "\"");
  add_part_checksum_header(head, part);
  co_await send_empty(ctx, std::move(head));
}

awaitable<void> handle_upload_part_copy(RequestContext& ctx) {
  auto& store = ctx.store();
  const int part_number = parse_part_number(*ctx.param("partNumber"));
  const std::string upload_id = *ctx.param("uploadId");
  auto upload = value_or_throw(store.get_upload(ctx.bucket, ctx.key, upload_id));
  const auto algorithm = upload_algorithm(upload);

  auto source = parse_copy_source(ctx.header("x-amz-copy-source"));
  authorize_copy_source(ctx, source);
  if (!source.version_id.empty()) check_version_id(source.version_id, "x-amz-copy-source");
  auto opened =
      models::parse_tag_key(source.key)
          ? open_tag_source(ctx, source.bucket, source.key)
          : value_or_throw(store.open_object(source.bucket, source.key, source.version_id));
  const auto& src = opened.version;
  refuse_deleted_copy_source(src, source);
  auto outcome = evaluate_read_preconditions(read_preconditions(ctx, "x-amz-copy-source-"),
                                             src.etag, src.last_modified_ns / 1'000'000'000);
  if (outcome != PreconditionOutcome::kProceed) {
    throw S3Error(S3ErrorCode::kPreconditionFailed).with("Condition", "x-amz-copy-source-If-*");
  }

  ByteRange range{0, src.size ? src.size - 1 : 0};
  if (ctx.has_header("x-amz-copy-source-range")) {
    range = parse_copy_source_range(ctx.header("x-amz-copy-source-range"), src.size);
  }
  const uint64_t length = src.size == 0 ? 0 : range.length();
  if (length > kMaxPartSize) {
    throw S3Error(S3ErrorCode::kInvalidRequest,
                  "The specified copy source is larger than the maximum allowable size for a "
                  "copy source: " +
                      std::to_string(kMaxPartSize));
  }

  store::UploadPart part;
  if (auto reused = length ? reusable_segment(src, range, algorithm) : std::nullopt) {
    // The range is a whole stored blob: the part references it, no byte moves.
    part = std::move(*reused);
    part.part_number = part_number;
    part.last_modified_ns = now_unix_nanos();
    value_or_throw(co_await offload(*ctx.service.blocking, [&] {
      return store.put_existing_part(ctx.bucket, ctx.key, upload_id, part);
    }));
  } else {
    std::vector<DigestAlgorithm> digests;
    if (algorithm) digests.push_back(*algorithm);
    auto writer = value_or_throw(store.begin_blob(digests));
    const size_t buffer_size = ctx.config().io_buffer_size;
    auto sealed = value_or_throw(co_await offload(
        ctx.service.long_work_pool(),
        [&]() -> store::StoreResult<std::unique_ptr<store::SealedBlob>> {
          auto copied =
              copy_range(opened.segments, src.segments, range.first, length, *writer, buffer_size);
          if (!copied) return fail(copied.error());
          return writer->seal();
        }));
    part = part_from_blob(part_number, *sealed, algorithm);
    value_or_throw(co_await offload(*ctx.service.blocking, [&] {
      return store.put_part(ctx.bucket, ctx.key, upload_id, part, *sealed);
    }));
  }

  XmlResponse doc("CopyPartResult");
  add_element(doc.root(), "LastModified", format_iso8601(part.last_modified_ns));
  add_element(doc.root(), "ETag", "\"" + part.etag + "\"");
  if (!part.checksum.empty()) {
    add_element(doc.root(), ("Checksum" + part.checksum_algorithm).c_str(), part.checksum);
  }
  auto head = ctx.response_head(http::status::ok);
  if (src.version_id != "null") head.set("x-amz-copy-source-version-id", src.version_id);
  co_await send_xml(ctx, std::move(head), doc.str());
}

awaitable<void> handle_abort_multipart_upload(RequestContext& ctx) {
  auto& store = ctx.store();
  const std::string upload_id = *ctx.param("uploadId");
  value_or_throw(co_await offload(
      *ctx.service.blocking, [&] { return store.abort_upload(ctx.bucket, ctx.key, upload_id); }));
  co_await send_empty(ctx, ctx.response_head(http::status::no_content));
}

}  // namespace moss::s3
