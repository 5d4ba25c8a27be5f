#include "s3/handlers/object_serving.h"

#include <charconv>

#include "moss/util/time_format.h"
#include "s3/errors.h"
#include "s3/handlers/object_headers.h"
#include "s3/handlers/range.h"
#include "s3/payload/checksum_headers.h"

namespace moss::s3 {
namespace {

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

bool has_part(const store::ObjectVersion& v, int part_number) {
  if (v.segments.empty()) return part_number == 1;  // an empty object is one empty part
  for (const auto& segment : v.segments) {
    if ((segment.part_number ? segment.part_number : 1) == part_number) return true;
  }
  return false;
}

}  // namespace

void add_checksum_headers(ResponseHead& head, const store::ObjectAttributes& attributes) {
  for (const auto& [algorithm, value] : attributes.checksums) {
    if (auto a = digest_from_name(algorithm)) head.set(checksum_header_name(*a), value);
  }
  if (!attributes.checksum_type.empty() && !attributes.checksums.empty()) {
    head.set("x-amz-checksum-type", attributes.checksum_type);
  }
}

Preconditions read_preconditions(const RequestContext& ctx, std::string_view prefix) {
  const auto& request = ctx.request();
  // One lookup per header, and the name put together only for a prefix:
  // every GET asks for all four, and almost none carries any.
  std::string prefixed;
  auto get = [&](std::string_view name) -> std::optional<std::string> {
    if (!prefix.empty()) {
      prefixed.assign(prefix).append(name);
      name = prefixed;
    }
    const auto found = request.find(name);
    if (found == request.end()) return std::nullopt;
    return std::string(found->value());
  };
  return Preconditions{get("if-match"), get("if-none-match"), get("if-modified-since"),
                       get("if-unmodified-since")};
}

awaitable<void> serve_object(RequestContext& ctx, const store::OpenedObject& opened,
                             ResponseHead head, std::string_view entity_tag) {
  const bool head_only = ctx.request().method() == http::verb::head;
  const auto& v = opened.version;
  const std::string etag(entity_tag.empty() ? std::string_view(v.etag) : entity_tag);

  auto outcome = evaluate_read_preconditions(read_preconditions(ctx, ""), etag,
                                             v.last_modified_ns / 1'000'000'000);
  if (outcome == PreconditionOutcome::kNotModified) {
    S3Error e(S3ErrorCode::kNotModified);
    e.header("ETag", "\"" + etag + "\"")
        .header("Last-Modified", format_http_date(v.last_modified_ns / 1'000'000'000));
    throw e;
  }
  if (outcome == PreconditionOutcome::kPreconditionFailed) {
    throw S3Error(S3ErrorCode::kPreconditionFailed).with("Condition", "If-Match");
  }

  add_object_headers(head, v);
  if (!entity_tag.empty()) head.set(http::field::etag, "\"" + etag + "\"");

  ByteRange range{0, v.size ? v.size - 1 : 0};
  bool partial = false;
  if (const std::string* part = ctx.param("partNumber")) {
    int number = 0;
    auto [p, ec] = std::from_chars(part->data(), part->data() + part->size(), number);
    if (ec != std::errc() || p != part->data() + part->size() || number < 1 || number > 10000) {
      throw S3Error(S3ErrorCode::kInvalidArgument,
                    "Part number must be an integer between 1 and "
                    "10000, inclusive")
          .with("ArgumentName", "partNumber")
          .with("ArgumentValue", *part);
    }
    auto r = part_range(v, number);
    if (!r) {
      // A number past the object's parts (any but 1 for an object not
      // uploaded in parts) is the request's fault, as S3 answers it.
      if (!has_part(v, number)) {
        throw S3Error(S3ErrorCode::kInvalidPartNumber).with("PartNumberRequested", *part);
      }
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
  ctx.audit.object_served = true;
  co_await ctx.ex.send_head(std::move(head));
  if (head_only || length == 0) co_return;

  // A small object from memory after its first read (the same bytes: a blob
  // never changes), in the same send(2) as the head.
  if (auto body = ctx.store().small_body(v, opened.segments[0].get())) {
    co_await ctx.ex.send_body(
        std::span(reinterpret_cast<const uint8_t*>(body->data()) + range.first, length));
    co_return;
  }

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

}  // namespace moss::s3
