// A Hub revision of a repository (docs/huggingface.md, "Revisions"): what a
// request's revision names in the Hub's bucket, with the files it holds and
// its commit id.
//
//   - "main" and "HEAD" name the default tag (--hub-default-tag, "latest");
//   - 40 lowercase hex digits name a commit: the snapshot of that short
//     identity, or else the one-file revision of a file tag with that commit,
//     or else the tag of that name (a Hub mirror tags each upstream commit it
//     holds files of);
//   - anything else names a tag (a branch).
// A snapshot that a tag named by a commit id holds (a mirror's) has that
// commit, the upstream's, whichever tag it is read through.
// A tag naming a directory is its snapshot; a tag naming one file (a GGUF) is
// a revision of that one file, at its path under the model (its base name
// when it lies elsewhere).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "moss/hub/hub_protocol.h"
#include "moss/store/snapshot_types.h"
#include "s3/request_context.h"

namespace moss::s3 {

// The most tags of one repository the Hub API looks at (refs, commits of file tags).
inline constexpr int kMaxHubTags = 10000;

struct HubRevision {
  std::string tag;     // the tag it was read through; for a commit of a file tag, that tag
  std::string commit;  // 40 lowercase hex
  std::optional<store::SnapshotRecord> snapshot;  // a directory revision
  store::ObjectVersion file;                      // a file tag's one file (no snapshot)
  std::vector<hub::HubFile> files;                // path order
  std::vector<std::string> chain;                 // the tag chain, for the audit trail
  int64_t modified_ns = 0;                        // the tag's last change, or the snapshot's
  // Tagged by a Hub mirror: a tag named by a commit id holds the snapshot,
  // and `commit` is that (the upstream's) commit.
  bool mirrored = false;
};

// The key under which policies see what `revision` of `repo` holds, before
// anything is resolved: "<repo>/tags/<tag>" or "<repo>/snapshots/<commit>"
// (the folder views of docs/models.md). A file of it is this + "/" + path.
std::string hub_revision_key(const HubConfig& config, std::string_view repo,
                             std::string_view revision);

// `revision` of ctx.hub.repo in ctx.bucket. Throws RepoNotFound (no tag of
// the model exists), RevisionNotFound, or the store's error.
HubRevision resolve_hub_revision(RequestContext& ctx, std::string_view revision);

// Whether the repository has a tag; RepoNotFound otherwise.
void require_hub_repo(RequestContext& ctx);

}  // namespace moss::s3
