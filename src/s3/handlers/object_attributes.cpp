// GetObjectAttributes (GET ?attributes): what HEAD tells and what it cannot,
// the parts of a multipart object, in one small XML answer.
#include "s3/handlers/object_attributes.h"

#include <charconv>

#include "moss/util/ascii.h"
#include "moss/util/time_format.h"
#include "s3/authorization.h"
#include "s3/handlers/handlers.h"
#include "s3/handlers/version_param.h"
#include "s3/responses.h"
#include "s3/store_errors.h"
#include "s3/xml.h"

namespace moss::s3 {
namespace {

constexpr int kMaxPartsPerPage = 1000;

// x-amz-max-parts and x-amz-part-number-marker: absent, or a non-negative integer.
int non_negative_header(const RequestContext& ctx, std::string_view name, int fallback) {
  if (!ctx.has_header(name)) return fallback;
  std::string_view text = ctx.header(name);
  int value = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size() || value < 0) {
    throw S3Error(S3ErrorCode::kInvalidArgument,
                  "Provided " + std::string(name) + " not an integer or within integer range")
        .with("ArgumentName", std::string(name))
        .with("ArgumentValue", std::string(text));
  }
  return value;
}

bool is_multipart(const store::ObjectVersion& v) {
  return v.segments.size() > 1 || (v.segments.size() == 1 && v.segments[0].part_number != 0);
}

// What GetObject answers for a delete marker: 404 for the latest version,
// 405 for one named by versionId.
S3Error delete_marker_error(const store::ObjectVersion& v, const std::string& key,
                            bool named_version) {
  S3Error e = named_version
                  ? S3Error(S3ErrorCode::kMethodNotAllowed,
                            "The specified method is not allowed against a delete marker.")
                  : S3Error(S3ErrorCode::kNoSuchKey).with("Key", key);
  const std::string marker_header = "x-amz-delete-marker";
  const std::string version_header = "x-amz-version-id";
  e.header(marker_header, "true").header(version_header, v.version_id);
  if (named_version) {
    const std::string last_modified = format_http_date(v.last_modified_ns / 1'000'000'000);
    e.header("Last-Modified", last_modified).header("Allow", "DELETE");
  }
  return e;
}

}  // namespace

ObjectAttributeSet parse_object_attributes(std::string_view header) {
  ObjectAttributeSet out;
  size_t start = 0;
  while (start <= header.size()) {
    size_t comma = header.find(',', start);
    if (comma == std::string_view::npos) comma = header.size();
    std::string_view name = trim_ascii_space(header.substr(start, comma - start));
    start = comma + 1;
    if (name.empty()) continue;
    if (name == "ETag") {
      out.etag = true;
    } else if (name == "Checksum") {
      out.checksum = true;
    } else if (name == "ObjectParts") {
      out.object_parts = true;
    } else if (name == "StorageClass") {
      out.storage_class = true;
    } else if (name == "ObjectSize") {
      out.object_size = true;
    } else {
      throw S3Error(S3ErrorCode::kInvalidArgument, "Invalid attribute name specified.")
          .with("ArgumentName", "x-amz-object-attributes")
          .with("ArgumentValue", std::string(name));
    }
  }
  if (!out.any()) {
    throw S3Error(S3ErrorCode::kInvalidArgument,
                  "The x-amz-object-attributes header specifying the attributes to be retrieved "
                  "is either missing or empty")
        .with("ArgumentName", "x-amz-object-attributes");
  }
  return out;
}

std::string render_object_attributes(const store::ObjectVersion& v,
                                     const ObjectAttributeSet& wanted,
                                     const PartPageRequest& page) {
  XmlResponse doc("GetObjectAttributesOutput");
  auto root = doc.root();
  // Unlike the ETag header, this one comes without quotes.
  if (wanted.etag) add_element(root, "ETag", v.etag);
  const auto& checksums = v.attributes.checksums;
  if (wanted.checksum && !checksums.empty()) {
    auto node = root.append_child("Checksum");
    for (const auto& [algorithm, value] : checksums) {
      add_element(node, ("Checksum" + algorithm).c_str(), value);
    }
    if (!v.attributes.checksum_type.empty()) {
      add_element(node, "ChecksumType", v.attributes.checksum_type);
    }
  }
  if (wanted.object_parts && is_multipart(v)) {
    auto parts = root.append_child("ObjectParts");
    add_element(parts, "PartsCount", static_cast<uint64_t>(v.segments.size()));
    add_element(parts, "PartNumberMarker", static_cast<uint64_t>(page.marker));
    add_element(parts, "MaxParts", static_cast<uint64_t>(page.max_parts));
    // As S3 does for general purpose buckets, the parts themselves are listed
    // only for an object uploaded with an additional checksum.
    const std::string algorithm = checksums.size() == 1 ? checksums.begin()->first : std::string();
    int listed = 0;
    int last = 0;
    bool truncated = false;
    std::vector<const store::BlobSegment*> selected;
    for (const auto& segment : v.segments) {
      if (segment.part_number <= page.marker) continue;
      if (listed == page.max_parts) {
        truncated = true;
        break;
      }
      selected.push_back(&segment);
      last = segment.part_number;
      ++listed;
    }
    add_element(parts, "IsTruncated", truncated);
    if (truncated) add_element(parts, "NextPartNumberMarker", static_cast<uint64_t>(last));
    if (!algorithm.empty()) {
      for (const auto* segment : selected) {
        auto part = parts.append_child("Part");
        add_element(part, "PartNumber", static_cast<uint64_t>(segment->part_number));
        add_element(part, "Size", segment->size);
        if (!segment->part_checksum.empty()) {
          add_element(part, ("Checksum" + algorithm).c_str(), segment->part_checksum);
        }
      }
    }
  }
  if (wanted.storage_class) add_element(root, "StorageClass", std::string_view("STANDARD"));
  if (wanted.object_size) add_element(root, "ObjectSize", v.size);
  return doc.str();
}

awaitable<void> handle_get_object_attributes(RequestContext& ctx) {
  // S3 asks for both permissions: the attributes one (the row's action) and
  // the one that reads the object.
  std::string version_id = version_id_param(ctx.query);
  authorize(ctx, version_id.empty() ? "s3:GetObject" : "s3:GetObjectVersion", ctx.bucket, ctx.key);
  auto wanted = parse_object_attributes(ctx.header("x-amz-object-attributes"));
  PartPageRequest page;
  page.max_parts =
      std::min(non_negative_header(ctx, "x-amz-max-parts", kMaxPartsPerPage), kMaxPartsPerPage);
  page.marker = non_negative_header(ctx, "x-amz-part-number-marker", 0);

  auto v = value_or_throw(ctx.store().get_version(ctx.bucket, ctx.key, version_id));
  const bool versioned = v.bucket_versioning != store::VersioningState::kUnversioned;
  if (v.is_delete_marker) throw delete_marker_error(v, ctx.key, !version_id.empty());
  auto head = ctx.response_head(http::status::ok);
  head.set(http::field::last_modified, format_http_date(v.last_modified_ns / 1'000'000'000));
  if (versioned) head.set("x-amz-version-id", v.version_id);
  co_await send_xml(ctx, std::move(head), render_object_attributes(v, wanted, page));
}

}  // namespace moss::s3
