// Model metadata taken when a model file is stored: the upload handlers ask
// for it after the bytes are sealed and before the version is committed
// (models/model_file.h says what is read and how it is bounded).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "moss/store/blob_store.h"
#include "moss/store/object_types.h"
#include "s3/request_context.h"

namespace moss::s3 {

// NewVersion::model_metadata for `key`: empty unless the key names a model
// file (.gguf, .safetensors); else its header parsed, or marked unparsed with
// the reason. Reads on the blocking pool; a bad or unreadable file never fails
// the upload.
awaitable<std::string> describe_sealed_upload(RequestContext& ctx, std::string_view key,
                                              const store::SealedBlob& blob);
// The same for an object made of stored blobs (a completed multipart upload).
awaitable<std::string> describe_stored_segments(RequestContext& ctx, std::string_view key,
                                                const std::vector<store::BlobSegment>& segments);

}  // namespace moss::s3
