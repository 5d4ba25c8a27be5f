// The revision a Hub listing (model info, tree, paths-info) shows
// (docs/hub-mirror.md, "Listings of a cold mirror"). A server that does not
// mirror, or mirrors offline, shows what it holds. A mirroring server shows a
// revision it does not hold, or holds only some files of, as the upstream
// states it (its commit, files, sizes, LFS SHA-256s and git oids), without
// fetching a file: each is fetched when it is asked for. A revision the
// mirror holds whole, or one moss holds of its own (no mirror's commit tag),
// is shown from the store; so is a mirrored one when the upstream cannot be
// reached.
#pragma once

#include <string_view>

#include "hub/hub_revision.h"
#include "moss/hub_mirror/hub_upstream.h"

namespace moss::s3 {

// Call after authorizing the read: it may ask the upstream.
awaitable<HubRevision> listed_hub_revision(RequestContext& ctx, std::string_view revision);

// An upstream revision as a Hub revision: its commit and files (path order).
HubRevision revision_from_upstream(const hub_mirror::UpstreamRevision& upstream);

}  // namespace moss::s3
