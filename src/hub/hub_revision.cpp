#include "hub/hub_revision.h"

#include "moss/models/model_registry.h"
#include "moss/models/tag_key.h"
#include "s3/errors.h"
#include "s3/handlers/tag_requests.h"
#include "s3/model_errors.h"

namespace moss::s3 {
namespace {

std::string tag_of(const HubConfig& config, std::string_view revision) {
  if (revision.empty() || hub::is_default_revision_alias(revision)) return config.default_tag;
  return std::string(revision);
}

bool repo_has_tags(RequestContext& ctx) {
  store::TagListQuery q;
  q.model = ctx.hub.repo;
  q.limit = 1;
  auto tags = ctx.store().list_tags(ctx.bucket, q);
  return tags && !tags->empty();
}

S3Error revision_not_found(RequestContext& ctx, std::string_view revision) {
  if (!repo_has_tags(ctx)) {
    return S3Error(S3ErrorCode::kRepoNotFound, "Repository not found: " + ctx.hub.repo + ".");
  }
  return S3Error(S3ErrorCode::kRevisionNotFound, "Invalid rev id: " + std::string(revision) +
                                                     " (no such tag or commit of " + ctx.hub.repo +
                                                     ").");
}

// A file tag's path in its one-file revision.
std::string file_path_in_repo(std::string_view repo, std::string_view key) {
  const std::string prefix = std::string(repo) + "/";
  if (key.starts_with(prefix) && key.size() > prefix.size())
    return std::string(key.substr(prefix.size()));
  const size_t slash = key.rfind('/');
  return std::string(slash == std::string_view::npos ? key : key.substr(slash + 1));
}

std::vector<hub::HubFile> files_of(RequestContext& ctx, const store::SnapshotRecord& snapshot) {
  auto files = value_or_throw(ctx.registry().snapshot_files(ctx.bucket, snapshot));
  std::vector<hub::HubFile> out;
  out.reserve(files.size());
  for (auto& file : files) {
    out.push_back({std::move(file.path), file.version.size, file.version.content_sha256});
  }
  return out;
}

// A snapshot a Hub mirror tagged with the upstream's commit id has that
// commit (hub_revision.h), which differs from the snapshot's own identity when
// the mirror holds only some of the revision's files or the upstream is the
// Hub (whose commits are git's). Only a mirroring server looks.
void name_mirrored_commit(RequestContext& ctx, HubRevision& rev) {
  if (!ctx.service.hub_mirror) return;
  if (hub::is_commit_id(rev.tag)) {
    rev.commit = rev.tag;
    rev.mirrored = true;
    return;
  }
  store::TagListQuery q;
  q.model = ctx.hub.repo;
  q.limit = kMaxHubTags;
  auto tags = ctx.store().list_tags(ctx.bucket, q);
  if (!tags) return;
  for (const auto& record : *tags) {
    if (hub::is_commit_id(record.tag) && record.snapshots.size() == 1 &&
        record.snapshots[0] == rev.snapshot->id) {
      rev.commit = record.tag;
      rev.mirrored = true;
      return;
    }
  }
}

// A revision from a tag's resolution; nullopt when it pins no SHA-256 (a file
// tag set before its bytes were hashed), which no commit id can name.
std::optional<HubRevision> revision_of(RequestContext& ctx, std::string tag,
                                       models::ResolvedTag resolved) {
  HubRevision rev;
  rev.tag = std::move(tag);
  rev.chain = std::move(resolved.chain);
  if (resolved.snapshot) {
    rev.snapshot = std::move(resolved.snapshot);
    rev.files = files_of(ctx, *rev.snapshot);
    rev.commit = models::snapshot_short_id(rev.snapshot->id);
  } else {
    if (resolved.file.content_sha256.empty()) return std::nullopt;
    rev.file = std::move(resolved.file);
    rev.files.push_back(
        {file_path_in_repo(ctx.hub.repo, rev.file.key), rev.file.size, rev.file.content_sha256});
    rev.commit = hub::commit_id(rev.files);
  }
  if (rev.snapshot) name_mirrored_commit(ctx, rev);
  auto record = ctx.store().get_tag(ctx.bucket, models::tag_object_key(ctx.hub.repo, rev.tag));
  if (record) rev.modified_ns = record->updated_ns;
  if (rev.modified_ns == 0 && rev.snapshot) rev.modified_ns = rev.snapshot->created_ns;
  return rev;
}

// Resolving a tag that is not there (or dangles) is "not found"; a store
// that fails is the store's error.
bool is_absence(const models::ModelError& error) {
  using models::ModelErrc;
  return error.code != ModelErrc::kIo && error.code != ModelErrc::kUnavailable &&
         error.code != ModelErrc::kConflict;
}

std::optional<HubRevision> resolve_tag(RequestContext& ctx, const std::string& tag) {
  auto resolved = ctx.registry().resolve(ctx.bucket, ctx.hub.repo, tag, client_id(ctx));
  if (!resolved) {
    if (is_absence(resolved.error())) return std::nullopt;
    throw to_s3_error(resolved.error());
  }
  return revision_of(ctx, tag, std::move(*resolved));
}

// The one-file revision of a file tag whose commit is `commit`.
std::optional<HubRevision> find_file_tag_commit(RequestContext& ctx, std::string_view commit) {
  store::TagListQuery q;
  q.model = ctx.hub.repo;
  q.limit = kMaxHubTags;
  auto tags = ctx.store().list_tags(ctx.bucket, q);
  if (!tags) return std::nullopt;
  for (const auto& record : *tags) {
    if (!record.snapshots.empty()) continue;
    auto rev = resolve_tag(ctx, record.tag);
    if (rev && !rev->snapshot && rev->commit == commit) return rev;
  }
  return std::nullopt;
}

}  // namespace

std::string hub_revision_key(const HubConfig& config, std::string_view repo,
                             std::string_view revision) {
  if (hub::is_commit_id(revision)) {
    return std::string(repo) + "/snapshots/" + std::string(revision);
  }
  return models::tag_object_key(repo, tag_of(config, revision));
}

HubRevision resolve_hub_revision(RequestContext& ctx, std::string_view revision) {
  if (hub::is_commit_id(revision)) {
    models::SnapshotAddress address;
    address.model = ctx.hub.repo;
    address.snapshot_id = std::string(revision);
    auto found =
        value_or_throw(ctx.registry().folder_snapshot(ctx.bucket, address, client_id(ctx)));
    if (found) {
      HubRevision rev;
      rev.snapshot = found->snapshot();
      rev.files = files_of(ctx, *rev.snapshot);
      rev.commit = std::string(revision);
      rev.modified_ns = rev.snapshot->created_ns;
      // A commit the mirror tagged (the snapshot of a whole upstream revision).
      const std::string commit_tag = models::tag_object_key(ctx.hub.repo, revision);
      rev.mirrored = ctx.service.hub_mirror && ctx.store().get_tag(ctx.bucket, commit_tag);
      return rev;
    }
    if (auto rev = find_file_tag_commit(ctx, revision)) return std::move(*rev);
    if (ctx.service.hub_mirror) {
      if (auto rev = resolve_tag(ctx, std::string(revision)); rev && rev->snapshot) {
        return std::move(*rev);
      }
    }
    throw revision_not_found(ctx, revision);
  }
  const std::string tag = tag_of(ctx.config().hub, revision);
  if (auto rev = resolve_tag(ctx, tag)) return std::move(*rev);
  throw revision_not_found(ctx, revision.empty() ? std::string_view("HEAD") : revision);
}

void require_hub_repo(RequestContext& ctx) {
  if (!repo_has_tags(ctx)) {
    throw S3Error(S3ErrorCode::kRepoNotFound, "Repository not found: " + ctx.hub.repo + ".");
  }
}

}  // namespace moss::s3
