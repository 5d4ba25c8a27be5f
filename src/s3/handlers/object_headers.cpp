#include "s3/handlers/object_headers.h"

#include <algorithm>
#include <string_view>

#include "moss/util/ascii.h"
#include "moss/util/time_format.h"
#include "s3/errors.h"

namespace moss::s3 {
namespace {

constexpr size_t kMaxUserMetadataBytes = 2048;

// A value a response will carry as a header: InvalidArgument if it could not.
void check_header_value(std::string_view name, std::string_view value) {
  if (has_control_character(value)) {
    throw S3Error(S3ErrorCode::kInvalidArgument,
                  std::string(name) + " holds a control character, which no header may carry.")
        .with("ArgumentName", std::string(name));
  }
}

}  // namespace

std::string strip_aws_chunked(std::string_view value) {
  // Each token with the separator before it (", " between tokens; leading
  // whitespace for the first), so what is kept is kept byte for byte.
  struct Token {
    std::string_view separator;
    std::string_view text;
  };
  std::vector<Token> tokens;
  bool removed = false;
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string_view::npos) comma = value.size();
    std::string_view raw = value.substr(start, comma - start);
    size_t lead = 0;
    while (lead < raw.size() && (raw[lead] == ' ' || raw[lead] == '\t')) ++lead;
    const size_t separator_start = start == 0 ? 0 : start - 1;  // the comma, if any
    Token token{value.substr(separator_start, start + lead - separator_start), raw.substr(lead)};
    if (ascii_lowercase(trim_ascii_space(token.text)) == "aws-chunked") {
      removed = true;
    } else {
      tokens.push_back(token);
    }
    start = comma + 1;
  }
  if (!removed) return std::string(value);
  std::string out;
  for (const auto& token : tokens) {
    if (!out.empty()) out += token.separator;
    out += token.text;
  }
  // What a removed last token leaves behind: a separator with nothing after it.
  return std::string(trim_ascii_space(out));
}

store::ObjectAttributes attributes_from_request(const RequestHead& head) {
  store::ObjectAttributes a;
  a.content_type = std::string(head[http::field::content_type]);
  if (a.content_type.empty()) a.content_type = "binary/octet-stream";
  a.content_encoding = strip_aws_chunked(head[http::field::content_encoding]);
  a.content_disposition = std::string(head[http::field::content_disposition]);
  a.content_language = std::string(head[http::field::content_language]);
  a.cache_control = std::string(head[http::field::cache_control]);
  a.expires = std::string(head[http::field::expires]);
  // The parser already refuses control characters in a request head; checked
  // again because every one of these is echoed on GET and HEAD.
  for (const std::string* value : {&a.content_type, &a.content_encoding, &a.content_disposition,
                                   &a.content_language, &a.cache_control, &a.expires}) {
    check_header_value("a stored header", *value);
  }
  size_t meta_bytes = 0;
  for (const auto& field : head) {
    std::string name = ascii_lowercase(field.name_string());
    if (!name.starts_with("x-amz-meta-")) continue;
    std::string short_name = name.substr(11);
    meta_bytes += short_name.size() + field.value().size();
    check_header_value(name, field.value());
    a.user_metadata.emplace_back(std::move(short_name), std::string(field.value()));
  }
  if (meta_bytes > kMaxUserMetadataBytes) {
    throw S3Error(S3ErrorCode::kMetadataTooLarge)
        .with("Size", std::to_string(meta_bytes))
        .with("MaxSizeAllowed", std::to_string(kMaxUserMetadataBytes));
  }
  return a;
}

void add_object_headers(ResponseHead& head, const store::ObjectVersion& v) {
  const auto& a = v.attributes;
  // Quoted in a buffer on the stack (an ETag is 32 hex digits, "-N" more
  // for a multipart upload): Beast copies the value anyway, and a quoted
  // temporary string was an allocation on every read.
  char quoted[128];
  if (v.etag.size() + 2 <= sizeof quoted) {
    quoted[0] = '"';
    std::copy(v.etag.begin(), v.etag.end(), quoted + 1);
    quoted[v.etag.size() + 1] = '"';
    head.set(http::field::etag, std::string_view(quoted, v.etag.size() + 2));
  } else {
    head.set(http::field::etag, "\"" + v.etag + "\"");
  }
  head.set(http::field::last_modified, format_http_date(v.last_modified_ns / 1'000'000'000));
  head.set(http::field::accept_ranges, "bytes");
  head.set(http::field::content_type, a.content_type.empty()
                                          ? std::string_view("binary/octet-stream")
                                          : std::string_view(a.content_type));
  if (!a.content_encoding.empty()) head.set(http::field::content_encoding, a.content_encoding);
  if (!a.content_disposition.empty()) {
    head.set(http::field::content_disposition, a.content_disposition);
  }
  if (!a.content_language.empty()) head.set(http::field::content_language, a.content_language);
  if (!a.cache_control.empty()) head.set(http::field::cache_control, a.cache_control);
  if (!a.expires.empty()) head.set(http::field::expires, a.expires);
  for (const auto& [name, value] : a.user_metadata) head.insert("x-amz-meta-" + name, value);
}

void apply_response_overrides(ResponseHead& head, const QueryParams& query) {
  static constexpr std::pair<std::string_view, http::field> kOverrides[] = {
      {"response-content-type", http::field::content_type},
      {"response-content-language", http::field::content_language},
      {"response-expires", http::field::expires},
      {"response-cache-control", http::field::cache_control},
      {"response-content-disposition", http::field::content_disposition},
      {"response-content-encoding", http::field::content_encoding},
  };
  // Most reads carry none: a presigned URL's six parameters are looked at
  // once, not once per override (36 string comparisons, each with a strlen).
  const bool any = std::any_of(query.begin(), query.end(), [](const auto& param) {
    return std::string_view(param.first).starts_with("response-");
  });
  if (!any) return;
  for (const auto& [param, field] : kOverrides) {
    for (const auto& [name, value] : query) {
      if (name != param) continue;
      // Query parameters arrive percent-decoded: %0D%0A would split the response.
      check_header_value(param, value);
      head.set(field, value);
    }
  }
}

}  // namespace moss::s3
