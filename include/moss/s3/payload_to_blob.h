// Streams a request payload into a blob through two buffers: while one is
// hashed and written on the blocking pool (MD5 on yet another core, see
// util/side_by_side.h), the next is read from the network. A single-stream
// upload then runs at the speed of its slowest stage, not the sum of them.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <cstdint>

#include "moss/s3/exchange.h"
#include "moss/s3/payload_reader.h"
#include "moss/store/blob_store.h"

namespace moss::s3 {

// Copies the whole payload; throws S3Error EntityTooLarge past `limit` bytes,
// and the S3 form of a storage error (the caller discards the writer).
awaitable<void> copy_payload_to_blob(PayloadReader& body, store::BlobWriter& writer,
                                     size_t buffer_size, uint64_t limit,
                                     boost::asio::thread_pool& pool);

}  // namespace moss::s3
