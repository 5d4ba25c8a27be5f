// The revision a Hub listing shows (hub_listed_revision.h).
#include "hub/hub_listed_revision.h"

#include <algorithm>

#include "hub/hub_upstream_fetch.h"
#include "moss/hub_mirror/hub_mirror.h"
#include "moss/util/offload.h"
#include "moss/util/time_format.h"
#include "s3/errors.h"

namespace moss::s3 {
namespace {

bool is_missing(const S3Error& e) {
  return e.code() == S3ErrorCode::kRepoNotFound || e.code() == S3ErrorCode::kRevisionNotFound;
}

// What a held revision lacks of the upstream's: a file it does not hold.
bool holds_all_of(const HubRevision& held, const hub_mirror::UpstreamRevision& upstream) {
  if (held.commit != upstream.commit) return false;
  for (const auto& file : upstream.files) {
    const bool held_file = std::any_of(held.files.begin(), held.files.end(),
                                       [&](const hub::HubFile& f) { return f.path == file.path; });
    if (!held_file) return false;
  }
  return true;
}

}  // namespace

HubRevision revision_from_upstream(const hub_mirror::UpstreamRevision& upstream) {
  HubRevision rev;
  rev.commit = upstream.commit;
  rev.mirrored = true;
  if (auto seconds = parse_iso8601(upstream.last_modified)) {
    rev.modified_ns = *seconds * 1'000'000'000;
  }
  for (const auto& file : upstream.files) {
    rev.files.push_back(
        {file.path, file.size, file.lfs_sha256, !file.lfs_sha256.empty(), file.blob_id});
  }
  std::sort(rev.files.begin(), rev.files.end(),
            [](const hub::HubFile& a, const hub::HubFile& b) { return a.path < b.path; });
  rev.chain = {"hf://" + upstream.repo + "@" + upstream.revision, upstream.commit};
  return rev;
}

awaitable<HubRevision> listed_hub_revision(RequestContext& ctx, std::string_view revision) {
  std::optional<HubRevision> held;
  try {
    held = resolve_hub_revision(ctx, revision);
  } catch (const S3Error& e) {
    if (!is_missing(e) || !may_fetch_from_upstream(ctx)) throw;
  }
  if (!may_fetch_from_upstream(ctx) || (held && !held->mirrored)) co_return std::move(*held);
  hub_mirror::HubMirror& mirror = *ctx.service.hub_mirror;
  const std::string repo = ctx.hub.repo;
  const std::string name =
      revision.empty() || hub::is_default_revision_alias(revision) ? "main" : std::string(revision);
  auto upstream =
      co_await offload(ctx.service.long_work_pool(), [&] { return mirror.revision(repo, name); });
  if (!upstream) {
    // Unreachable or refusing: what is held is still true.
    if (held) co_return std::move(*held);
    throw upstream_refusal(upstream.error());
  }
  if (held && holds_all_of(*held, *upstream)) co_return std::move(*held);
  co_return revision_from_upstream(*upstream);
}

}  // namespace moss::s3
