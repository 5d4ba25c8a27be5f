#include "s3/handlers/write_conditions.h"

#include "moss/util/etag.h"
#include "s3/errors.h"
#include "s3/store_errors.h"

namespace moss::s3 {
namespace {

std::optional<std::string> condition_header(const RequestContext& ctx, std::string_view name) {
  if (!ctx.has_header(name)) return std::nullopt;
  const std::string_view value = ctx.header(name);
  if (value.empty()) {
    throw S3Error(S3ErrorCode::kInvalidArgument,
                  "The " + std::string(name) + " header must be \"*\" or an entity tag.")
        .with("ArgumentName", std::string(name))
        .with("ArgumentValue", "");
  }
  return value == "*" ? std::string("*") : std::string(opaque_etag(value));
}

}  // namespace

store::WritePreconditions write_preconditions(const RequestContext& ctx) {
  store::WritePreconditions pre;
  pre.if_match = condition_header(ctx, "if-match");
  pre.if_none_match = condition_header(ctx, "if-none-match");
  return pre;
}

void check_write_preconditions(RequestContext& ctx, const store::WritePreconditions& pre) {
  if (!pre.any()) return;
  auto current = ctx.store().get_version(ctx.bucket, ctx.key);
  if (!current && current.error().code != store::StoreErrc::kNoSuchKey) {
    throw to_s3_error(current.error());
  }
  const auto violated = store::violated_precondition(pre, current ? &*current : nullptr);
  if (!violated) return;
  if (*violated == store::StoreErrc::kNoSuchKey) {
    throw S3Error(S3ErrorCode::kNoSuchKey).with("Key", ctx.key);
  }
  throw S3Error(S3ErrorCode::kPreconditionFailed)
      .with("Condition", pre.if_match ? "If-Match" : "If-None-Match");
}

S3Error commit_error(const RequestContext& ctx, const store::WritePreconditions& pre,
                     const store::StoreError& error) {
  if (pre.any() && (error.code == store::StoreErrc::kPreconditionFailed ||
                    error.code == store::StoreErrc::kNoSuchKey)) {
    return S3Error(S3ErrorCode::kConditionalRequestConflict).with("Key", ctx.key);
  }
  return to_s3_error(error);
}

}  // namespace moss::s3
