// The files of a snapshot read as a folder (docs/models.md, "Directory
// tags"): GET and HEAD of "<model>/tags/<tag>/<path>" serve the file the tag's
// snapshot pinned at <path>, and "<model>/snapshots/<identity>/<path>" the
// same from a snapshot named by identity, which does not change when the tag
// moves. Range, conditional requests and presigned URLs behave as on any
// object: the pinned version is served through the same code as GetObject.
// A key that names no snapshot is an ordinary object key.
#include "moss/models/model_registry.h"
#include "moss/models/snapshot.h"
#include "s3/handlers/handlers.h"
#include "s3/handlers/object_serving.h"
#include "s3/handlers/snapshot_listing.h"
#include "s3/handlers/tag_requests.h"
#include "s3/model_errors.h"

namespace moss::s3 {
namespace {

// A snapshot read through a tag whose old snapshot's bytes went away between
// resolving and opening (the tag moved) is resolved once more.
constexpr int kOpenAttempts = 2;

void add_snapshot_headers(ResponseHead& head, const models::FolderSnapshot& found,
                          const store::SnapshotFile& file) {
  const auto& resolved = found.resolved;
  head.set("x-moss-snapshot", found.snapshot().id);
  head.set("x-moss-resolved-key", header_safe(file.version.key));
  head.set("x-moss-resolved-version-id", file.version.version_id);
  head.set("x-moss-content-sha256", file.version.content_sha256);
  if (!resolved.chain.empty()) {
    std::string chain;
    for (const auto& step : resolved.chain) {
      if (!chain.empty()) chain += '>';
      chain += header_safe(step);
    }
    head.set("x-moss-tag-chain", chain);
  }
  if (!resolved.chosen_target.empty()) {
    head.set("x-moss-tag-target", header_safe(resolved.chosen_target));
  }
  if (!found.tag_etag.empty()) head.set("x-moss-tag-etag", "\"" + found.tag_etag + "\"");
}

}  // namespace

awaitable<void> handle_get_snapshot_file(RequestContext& ctx) {
  // A version of an object is asked for by its own key.
  if (ctx.param("versionId")) {
    co_await handle_get_object(ctx);
    co_return;
  }
  const std::string client = client_id(ctx);
  const auto addresses = models::snapshot_addresses(ctx.key, false);
  for (int attempt = 1; attempt <= kOpenAttempts; ++attempt) {
    bool retry = false;
    for (const auto& address : addresses) {
      auto found = value_or_throw(ctx.registry().folder_snapshot(ctx.bucket, address, client),
                                  /*tag_as_key=*/true);
      if (!found) continue;
      auto opened = ctx.registry().open_snapshot_file(ctx.bucket, found->snapshot(), address.path);
      if (!opened) {
        if (opened.error().code != models::ModelErrc::kNoSuchKey) throw to_s3_error(opened.error());
        // No such path in the snapshot, or (through a tag that moved) its bytes are gone.
        retry = !address.tag.empty() && attempt < kOpenAttempts;
        if (retry) break;
        S3Error e(S3ErrorCode::kNoSuchKey);
        e.with("Key", ctx.key).header("x-moss-snapshot", found->snapshot().id);
        throw e;
      }
      const auto& file = opened->file;
      ctx.audit.tag_chain = found->resolved.chain;
      ctx.audit.resolved_key = file.version.key;
      ctx.audit.version_id = file.version.version_id;
      ctx.audit.sha256 = file.version.content_sha256;
      auto head = ctx.response_head(http::status::ok);
      add_snapshot_headers(head, *found, file);
      co_await serve_object(ctx, opened->opened, std::move(head));
      co_return;
    }
    if (!retry) break;
  }
  co_await handle_get_object(ctx);
}

}  // namespace moss::s3

namespace moss::s3 {

std::optional<store::ListPage> list_snapshot_folder(RequestContext& ctx,
                                                    const store::ListQuery& q) {
  const std::string client = client_id(ctx);
  for (const auto& address : models::snapshot_addresses(q.prefix, true)) {
    auto found = value_or_throw(ctx.registry().folder_snapshot(ctx.bucket, address, client),
                                /*tag_as_key=*/true);
    if (!found) continue;
    return value_or_throw(
        ctx.registry().list_snapshot_folder(ctx.bucket, found->snapshot(), address.folder, q));
  }
  return std::nullopt;
}

}  // namespace moss::s3
