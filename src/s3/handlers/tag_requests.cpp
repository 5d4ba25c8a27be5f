#include "s3/handlers/tag_requests.h"

#include "moss/models/tag_key.h"
#include "moss/util/etag.h"
#include "s3/errors.h"
#include "s3/model_errors.h"
#include "s3/payload/checksum_headers.h"
#include "s3/payload/payload_reader.h"

namespace moss::s3 {

std::string header_safe(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c >= 0x7f || c == '%' || c == '>') {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string client_id(const RequestContext& ctx) {
  if (ctx.has_header("x-moss-client-id")) return std::string(ctx.header("x-moss-client-id"));
  return std::string(ctx.ex.remote_address());
}

models::TagChange tag_change(const RequestContext& ctx) {
  models::TagChange change;
  change.actor = ctx.auth.key.access_key_id;
  change.client_id = client_id(ctx);
  if (ctx.has_header("if-match")) {
    change.pre.if_match = std::string(unquote_etag(ctx.header("if-match")));
  }
  if (ctx.has_header("if-none-match")) {
    if (ctx.header("if-none-match") != "*") {
      throw S3Error(S3ErrorCode::kNotImplemented, "If-None-Match on a write supports only \"*\".")
          .with("Header", "If-None-Match");
    }
    change.pre.if_none_match_any = true;
  }
  return change;
}

std::string audit_targets_text(const std::string& targets_json) {
  if (targets_json.empty()) return "";
  auto targets = models::targets_from_json(targets_json);
  if (!targets) return targets_json;
  const bool weighted = targets->size() > 1 || (targets->size() == 1 && (*targets)[0].weight > 1);
  std::string text;
  for (const auto& t : *targets) {
    if (!text.empty()) text += ' ';
    text += t.target;
    if (weighted) text += "=" + std::to_string(t.weight);
  }
  return text;
}

void note_tag_change(RequestContext& ctx, const std::string& bucket, const std::string& model,
                     const std::string& tag, const std::string& new_etag) {
  ctx.audit.bucket = bucket;
  ctx.audit.key = models::tag_object_key(model, tag);
  // A few entries suffice: the change was recorded a moment ago.
  constexpr int kRecentEntries = 16;
  auto entries = ctx.registry().history(bucket, model, tag, kRecentEntries);
  if (!entries) return;  // the event still says who changed which tag
  for (const auto& e : *entries) {
    const bool ours = new_etag.empty()
                          ? e.action == "delete" && e.actor == ctx.auth.key.access_key_id
                          : e.new_etag == new_etag;
    if (ours) {
      ctx.audit.old_target = audit_targets_text(e.old_targets);
      ctx.audit.new_target = audit_targets_text(e.new_targets);
      return;
    }
  }
}

namespace {

// The tag a source key names; NoSuchKey when the key is not MODEL:TAG.
models::TagKey source_tag_key(std::string_view key) {
  auto tag = models::parse_tag_key(key);
  if (!tag) throw S3Error(S3ErrorCode::kNoSuchKey).with("Key", std::string(key));
  return std::move(*tag);
}

}  // namespace

store::ObjectVersion tag_source_version(RequestContext& ctx, std::string_view bucket,
                                        std::string_view key) {
  const models::TagKey tag = source_tag_key(key);
  auto resolved = value_or_throw(ctx.registry().resolve(bucket, tag.model, tag.tag, client_id(ctx)),
                                 /*tag_as_key=*/true);
  // A snapshot tag is a folder: its files are the sources, not the tag.
  if (resolved.snapshot) throw S3Error(S3ErrorCode::kNoSuchKey).with("Key", std::string(key));
  return std::move(resolved.file);
}

store::OpenedObject open_tag_source(RequestContext& ctx, std::string_view bucket,
                                    std::string_view key) {
  const models::TagKey tag = source_tag_key(key);
  return value_or_throw(ctx.registry().open(bucket, tag.model, tag.tag, client_id(ctx)),
                        /*tag_as_key=*/true)
      .opened;
}

awaitable<std::string> read_tag_request_body(RequestContext& ctx) {
  auto checksum = parse_checksum_request(ctx.request());
  PayloadReader body(ctx.ex, ctx.auth);
  if (body.declared_size() && *body.declared_size() > models::kMaxTagRequestBytes) {
    throw S3Error(S3ErrorCode::kInvalidArgument, "A tag request body is at most 64 KiB.");
  }
  std::string text = co_await body.read_all(models::kMaxTagRequestBytes);
  std::map<DigestAlgorithm, std::string> digests;
  if (checksum.algorithm) digests[*checksum.algorithm] = digest(*checksum.algorithm, text);
  verify_checksums(checksum, digest(DigestAlgorithm::kMd5, text), digests, body.trailers());
  co_return text;
}

}  // namespace moss::s3
