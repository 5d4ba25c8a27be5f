#include "s3/handlers/copy_source.h"

#include <charconv>

#include "moss/util/uri.h"
#include "s3/authorization.h"
#include "s3/errors.h"
#include "s3/names.h"
#include "s3/query_params.h"

namespace moss::s3 {

CopySource parse_copy_source(std::string_view header) {
  std::string_view path = header;
  std::string_view query;
  if (auto q = path.find('?'); q != std::string_view::npos) {
    query = path.substr(q + 1);
    path = path.substr(0, q);
  }
  if (path.starts_with('/')) path.remove_prefix(1);
  auto decoded = percent_decode(path);
  if (!decoded) throw S3Error(S3ErrorCode::kInvalidArgument, "Invalid copy source encoding");
  auto slash = decoded->find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == decoded->size()) {
    throw S3Error(S3ErrorCode::kInvalidArgument,
                  "Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
        .with("ArgumentName", "x-amz-copy-source");
  }
  CopySource source{decoded->substr(0, slash), decoded->substr(slash + 1), {}};
  // The key a request names in its path is checked before routing; this one
  // is named in a header, so it is checked here, the same way.
  if (!is_valid_object_key(source.key)) {
    throw S3Error(S3ErrorCode::kInvalidArgument, "Invalid copy source object key")
        .with("ArgumentName", "x-amz-copy-source");
  }
  if (!query.empty()) {
    auto params = parse_query(query);
    if (!params) throw S3Error(S3ErrorCode::kInvalidArgument, "Invalid copy source encoding");
    if (auto* v = find_param(*params, "versionId")) source.version_id = *v;
  }
  return source;
}

void authorize_copy_source(RequestContext& ctx, const CopySource& source) {
  authorize(ctx, source.version_id.empty() ? "s3:GetObject" : "s3:GetObjectVersion", source.bucket,
            source.key);
}

void refuse_deleted_copy_source(const store::ObjectVersion& src, const CopySource& source) {
  if (!src.is_delete_marker) return;
  if (!source.version_id.empty()) {
    throw S3Error(S3ErrorCode::kInvalidRequest,
                  "The source of a copy request may not specifically refer to a delete marker "
                  "by version id.");
  }
  throw S3Error(S3ErrorCode::kNoSuchKey).with("Key", source.key);
}

ByteRange parse_copy_source_range(std::string_view header, uint64_t object_size) {
  auto number = [](std::string_view text) -> std::optional<uint64_t> {
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
    return v;
  };
  std::string_view spec = header;
  auto dash = spec.find('-');
  std::optional<uint64_t> first, last;
  if (spec.starts_with("bytes=") && dash != std::string_view::npos) {
    first = number(spec.substr(6, dash - 6));
    last = number(spec.substr(dash + 1));
  }
  if (!first || !last || *first > *last) {
    throw S3Error(S3ErrorCode::kInvalidArgument,
                  "The x-amz-copy-source-range value must be of the form bytes=first-last where "
                  "first and last are the zero-based offsets of the first and last bytes to copy")
        .with("ArgumentName", "x-amz-copy-source-range")
        .with("ArgumentValue", std::string(header));
  }
  // A well-formed range that reaches past the source: 400 InvalidRange, as S3
  // answers UploadPartCopy (a GET's unsatisfiable Range is 416).
  if (*last >= object_size) {
    throw S3Error(
        S3ErrorCode::kInvalidCopySourceRange,
        "Range specified is not valid for source object of size: " + std::to_string(object_size))
        .with("ArgumentName", "x-amz-copy-source-range")
        .with("ArgumentValue", std::string(header));
  }
  return ByteRange{*first, *last};
}

}  // namespace moss::s3
