// Model metadata taken when a model file is stored: the upload handlers ask
// for it after the bytes are sealed and before the version is committed
// (model_file.h says what is read and how it is bounded).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "moss/store/blob_store.h"
#include "moss/store/object_store.h"
#include "moss/store/object_types.h"

namespace moss::models {

// NewVersion::model_metadata for `key`: empty unless the key names a model
// file (.gguf, .safetensors); else its header parsed, or marked unparsed with
// the reason. Reads on `blocking`, and only for a model file; a bad or
// unreadable file never fails the upload.
boost::asio::awaitable<std::string> describe_sealed_upload(boost::asio::thread_pool& blocking,
                                                           std::string_view key,
                                                           const store::SealedBlob& blob);
// The same for an object made of stored blobs (a completed multipart upload).
boost::asio::awaitable<std::string> describe_stored_segments(
    boost::asio::thread_pool& blocking, store::ObjectStore& store, std::string_view key,
    const std::vector<store::BlobSegment>& segments);

}  // namespace moss::models
