// ListObjects inside a snapshot folder (snapshot_handlers.cpp): a listing
// whose prefix starts with "<model>/tags/<tag>/" of a tag that resolves to a
// snapshot (or "<model>/snapshots/<identity>/") lists the snapshot's files
// under that folder, with their pinned sizes and ETags.
#pragma once

#include <optional>

#include "moss/store/object_store.h"
#include "s3/request_context.h"

namespace moss::s3 {

// The page, or nullopt when the prefix is in no snapshot folder.
std::optional<store::ListPage> list_snapshot_folder(RequestContext& ctx,
                                                    const store::ListQuery& q);

}  // namespace moss::s3
