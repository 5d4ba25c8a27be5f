// Objects: PutObject, GetObject / HeadObject, DeleteObject, CopyObject.
#include <charconv>

#include "moss/s3/checksum_headers.h"
#include "moss/s3/conditional.h"
#include "moss/s3/copy_source.h"
#include "moss/s3/handlers.h"
#include "moss/s3/object_headers.h"
#include "moss/s3/payload_reader.h"
#include "moss/s3/range.h"
#include "moss/s3/responses.h"
#include "moss/s3/store_errors.h"
#include "moss/s3/xml.h"
#include "moss/util/base64.h"
#include "moss/util/clock.h"
#include "moss/util/hex.h"
#include "moss/util/offload.h"
#include "moss/util/time_format.h"

namespace moss::s3 {
namespace {

std::string unquote(std::string_view etag) {
  if (etag.starts_with("W/")) etag.remove_prefix(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

bool is_versioned(const store::Bucket& bucket) {
  return bucket.versioning != store::VersioningState::kUnversioned;
}

// If-Match / If-None-Match on PUT, as S3 supports them: If-None-Match only
// with "*", If-Match with one ETag.
store::WritePreconditions write_preconditions(const RequestContext& ctx) {
  store::WritePreconditions pre;
  if (ctx.has_header("if-match")) {
    auto value = ctx.header("if-match");
    pre.if_match = value == "*" ? std::string("*") : unquote(value);
  }
  if (ctx.has_header("if-none-match")) {
    if (ctx.header("if-none-match") != "*") {
      throw S3Error(S3ErrorCode::kNotImplemented,
                    "If-None-Match on a write supports only \"*\".")
          .with("Header", "If-None-Match");
    }
    pre.if_none_match_any = true;
  }
  return pre;
}

// Checks write preconditions against the key's current version before the
// body is read, so a doomed upload is refused at once.
void check_write_preconditions(RequestContext& ctx, const store::WritePreconditions& pre) {
  auto current = ctx.store().metadata().get_version(ctx.bucket, ctx.key);
  bool exists = current && !current->is_delete_marker;
  if (!current && current.error().code != store::StoreErrc::kNoSuchKey) {
    throw to_s3_error(current.error());
  }
  if (pre.if_match) {
    if (!exists) throw S3Error(S3ErrorCode::kNoSuchKey).with("Key", ctx.key);
    if (*pre.if_match != "*" && *pre.if_match != current->etag) {
      throw S3Error(S3ErrorCode::kPreconditionFailed).with("Condition", "If-Match");
    }
  }
  if (pre.if_none_match_any && exists) {
    throw S3Error(S3ErrorCode::kPreconditionFailed).with("Condition", "If-None-Match");
  }
}

std::string version_header_value(const store::ObjectVersion& v) { return v.version_id; }

void add_checksum_headers(ResponseHead& head, const store::ObjectAttributes& attributes) {
  for (const auto& [algorithm, value] : attributes.checksums) {
    if (auto a = digest_from_name(algorithm)) head.set(checksum_header_name(*a), value);
  }
  if (!attributes.checksum_type.empty() && !attributes.checksums.empty()) {
    head.set("x-amz-checksum-type", attributes.checksum_type);
  }
}

Preconditions read_preconditions(const RequestContext& ctx, std::string_view prefix) {
  auto get = [&](std::string_view name) -> std::optional<std::string> {
    std::string full = std::string(prefix) + std::string(name);
    if (!ctx.has_header(full)) return std::nullopt;
    return std::string(ctx.header(full));
  };
  return Preconditions{get("if-match"), get("if-none-match"), get("if-modified-since"),
                       get("if-unmodified-since")};
}

// The byte range of part `part_number` (1-based) of a multipart object.
std::optional<ByteRange> part_range(const store::ObjectVersion& v, int part_number) {
  uint64_t offset = 0;
  for (const auto& segment : v.segments) {
    int number = segment.part_number ? segment.part_number : 1;
    if (number == part_number) {
      if (segment.size == 0) return std::nullopt;
      return ByteRange{offset, offset + segment.size - 1};
    }
    offset += segment.size;
  }
  return std::nullopt;
}

}  // namespace

awaitable<void> handle_put_object(RequestContext& ctx) {
  auto& store = ctx.store();
  auto bucket = value_or_throw(store.metadata().get_bucket(ctx.bucket));
  auto attributes = attributes_from_request(ctx.request());
  auto checksum = parse_checksum_request(ctx.request());
  auto pre = write_preconditions(ctx);
  if (pre.if_match || pre.if_none_match_any) check_write_preconditions(ctx, pre);

  PayloadReader body(ctx.ex, ctx.auth);
  const uint64_t limit = ctx.config().max_put_size;
  if (body.declared_size() && *body.declared_size() > limit) {
    throw S3Error(S3ErrorCode::kEntityTooLarge)
        .with("ProposedSize", std::to_string(*body.declared_size()))
        .with("MaxSizeAllowed", std::to_string(limit));
  }
  // The blob is named by its SHA-256; that is the x-amz-content-sha256 check too.
  body.caller_verifies_sha256();

  auto writer = value_or_throw(store.begin_blob(checksum.digests_needed()));
  std::vector<uint8_t> buffer(ctx.config().io_buffer_size);
  while (size_t n = co_await body.read_full(buffer)) {
    value_or_throw(writer->write(std::span<const uint8_t>(buffer.data(), n)));
    if (writer->bytes_written() > limit) throw S3Error(S3ErrorCode::kEntityTooLarge);
  }
  auto sealed = value_or_throw(
      co_await offload(*ctx.service.blocking, [&] { return writer->seal(); }));

  if (!body.expected_sha256().empty() && body.expected_sha256() != sealed->sha256_hex()) {
    throw S3Error(S3ErrorCode::kXAmzContentSHA256Mismatch)
        .with("ClientComputedContentSHA256", body.expected_sha256())
        .with("S3ComputedContentSHA256", sealed->sha256_hex());
  }
  auto md5_raw = from_hex(sealed->md5_hex()).value_or(std::string());
  auto verified = verify_checksums(checksum, md5_raw, sealed->digests(), body.trailers());
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

  auto committed = co_await offload(*ctx.service.blocking, [&] {
    return store.put_object(ctx.bucket, v, *sealed, pre);
  });
  if (!committed) {
    auto code = committed.error().code;
    // The conditions held when the request started; another writer won since.
    if ((pre.if_match || pre.if_none_match_any) &&
        (code == store::StoreErrc::kPreconditionFailed || code == store::StoreErrc::kNoSuchKey)) {
      throw S3Error(S3ErrorCode::kConditionalRequestConflict).with("Key", ctx.key);
    }
    throw to_s3_error(committed.error());
  }

  auto head = ctx.response_head(http::status::ok);
  head.set(http::field::etag, "\"" + committed->etag + "\"");
  if (is_versioned(bucket)) head.set("x-amz-version-id", version_header_value(*committed));
  add_checksum_headers(head, committed->attributes);
  co_await send_empty(ctx, std::move(head));
}

awaitable<void> handle_get_object(RequestContext& ctx) {
  const bool head_only = ctx.op == Operation::kHeadObject;
  std::string version_id = ctx.param("versionId") ? *ctx.param("versionId") : std::string();
  auto bucket = value_or_throw(ctx.store().metadata().get_bucket(ctx.bucket));
  auto opened = value_or_throw(ctx.store().open_object(ctx.bucket, ctx.key, version_id));
  const auto& v = opened.version;

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

  auto outcome =
      evaluate_read_preconditions(read_preconditions(ctx, ""), v.etag,
                                  v.last_modified_ns / 1'000'000'000);
  if (outcome == PreconditionOutcome::kNotModified) {
    S3Error e(S3ErrorCode::kNotModified);
    e.header("ETag", "\"" + v.etag + "\"")
        .header("Last-Modified", format_http_date(v.last_modified_ns / 1'000'000'000));
    throw e;
  }
  if (outcome == PreconditionOutcome::kPreconditionFailed) {
    throw S3Error(S3ErrorCode::kPreconditionFailed).with("Condition", "If-Match");
  }

  auto head = ctx.response_head(http::status::ok);
  add_object_headers(head, v);
  if (is_versioned(bucket)) head.set("x-amz-version-id", v.version_id);

  ByteRange range{0, v.size ? v.size - 1 : 0};
  bool partial = false;
  if (const std::string* part = ctx.param("partNumber")) {
    int number = 0;
    auto [p, ec] = std::from_chars(part->data(), part->data() + part->size(), number);
    if (ec != std::errc() || p != part->data() + part->size() || number < 1 || number > 10000) {
      throw S3Error(S3ErrorCode::kInvalidArgument, "Part number must be an integer between 1 and "
                                                   "10000, inclusive")
          .with("ArgumentName", "partNumber")
          .with("ArgumentValue", *part);
    }
    auto r = part_range(v, number);
    if (!r) {
      throw S3Error(S3ErrorCode::kInvalidRange, "The requested partnumber is not satisfiable")
          .header("Content-Range", "bytes */" + std::to_string(v.size));
    }
    range = *r;
    partial = true;
    // A part of a multipart object carries the checksum it was uploaded with.
    if (ctx.header("x-amz-checksum-mode") == "ENABLED" && v.attributes.checksums.size() == 1) {
      auto algorithm = digest_from_name(v.attributes.checksums.begin()->first);
      for (const auto& segment : v.segments) {
        if (algorithm && segment.part_number == number && !segment.part_checksum.empty()) {
          head.set(checksum_header_name(*algorithm), segment.part_checksum);
        }
      }
    }
    size_t parts = v.segments.size();
    if (parts > 1 || (parts == 1 && v.segments[0].part_number)) {
      head.set("x-amz-mp-parts-count", std::to_string(parts));
    }
  } else {
    auto decision = evaluate_range(ctx.header("range"), v.size);
    if (decision.kind == RangeDecision::kUnsatisfiable) {
      throw S3Error(S3ErrorCode::kInvalidRange)
          .with("RangeRequested", std::string(ctx.header("range")))
          .with("ActualObjectSize", std::to_string(v.size))
          .header("Content-Range", "bytes */" + std::to_string(v.size));
    }
    if (decision.kind == RangeDecision::kPartial) {
      range = decision.range;
      partial = true;
    }
  }
  const uint64_t length = v.size == 0 ? 0 : range.length();
  if (partial) {
    head.result(http::status::partial_content);
    head.set(http::field::content_range, "bytes " + std::to_string(range.first) + "-" +
                                             std::to_string(range.last) + "/" +
                                             std::to_string(v.size));
  } else if (ctx.header("x-amz-checksum-mode") == "ENABLED") {
    // A whole-object checksum describes the whole object only.
    add_checksum_headers(head, v.attributes);
  }
  apply_response_overrides(head, ctx.query);
  head.set(http::field::content_length, std::to_string(length));
  co_await ctx.ex.send_head(std::move(head));
  if (head_only || length == 0) co_return;

  // Stream the segments that overlap the range, each straight from its file.
  uint64_t segment_start = 0;
  for (size_t i = 0; i < v.segments.size(); ++i) {
    const uint64_t segment_end = segment_start + v.segments[i].size;  // exclusive
    const uint64_t from = std::max(segment_start, range.first);
    const uint64_t to = std::min(segment_end, range.last + 1);
    if (from < to) {
      co_await ctx.ex.send_file(opened.segments[i].get(), from - segment_start, to - from);
    }
    segment_start = segment_end;
  }
}

awaitable<void> handle_delete_object(RequestContext& ctx) {
  std::string version_id = ctx.param("versionId") ? *ctx.param("versionId") : std::string();
  auto& store = ctx.store();
  auto outcome = value_or_throw(co_await offload(*ctx.service.blocking, [&] {
    return store.delete_object(ctx.bucket, ctx.key, version_id);
  }));
  auto head = ctx.response_head(http::status::no_content);
  if (outcome.delete_marker) head.set("x-amz-delete-marker", "true");
  if (!outcome.version_id.empty()) head.set("x-amz-version-id", outcome.version_id);
  co_await send_empty(ctx, std::move(head));
}

awaitable<void> handle_copy_object(RequestContext& ctx) {
  auto& store = ctx.store();
  auto source = parse_copy_source(ctx.header("x-amz-copy-source"));
  auto dest_bucket = value_or_throw(store.metadata().get_bucket(ctx.bucket));
  auto src = value_or_throw(
      store.metadata().get_version(source.bucket, source.key, source.version_id));
  if (src.is_delete_marker) {
    if (!source.version_id.empty()) {
      throw S3Error(S3ErrorCode::kInvalidRequest,
                    "The source of a copy request may not specifically refer to a delete marker "
                    "by version id.");
    }
    throw S3Error(S3ErrorCode::kNoSuchKey).with("Key", source.key);
  }

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

  auto pre = write_preconditions(ctx);
  auto committed = co_await offload(*ctx.service.blocking, [&] {
    return store.put_existing_blobs(ctx.bucket, v, pre);
  });
  if (!committed) throw to_s3_error(committed.error());

  XmlResponse doc("CopyObjectResult");
  add_element(doc.root(), "LastModified", format_iso8601(committed->last_modified_ns));
  add_element(doc.root(), "ETag", "\"" + committed->etag + "\"");
  for (const auto& [algorithm, value] : committed->attributes.checksums) {
    add_element(doc.root(), ("Checksum" + algorithm).c_str(), value);
  }
  auto head = ctx.response_head(http::status::ok);
  if (src.version_id != "null") head.set("x-amz-copy-source-version-id", src.version_id);
  if (is_versioned(dest_bucket)) head.set("x-amz-version-id", committed->version_id);
  http::response<http::string_body> res(std::move(head));
  res.set(http::field::content_type, "application/xml");
  res.body() = doc.str();
  res.prepare_payload();
  co_await ctx.ex.send(std::move(res));
}

}  // namespace moss::s3
