// A payload into a BlobWriter through a ring of buffers, the writer's lanes
// (BlobWriter::write_lane: MD5, SHA-256, the file) each on a strand of the
// blocking pool. While one buffer is read from the network, the ones before
// it go through the lanes, each lane at its own pace, so a single-stream
// upload runs at the pace of its slowest lane (MD5). A copy that hashed and
// wrote one buffer at a time waited at every buffer for the slowest piece of
// work on it, and MD5 sat idle while the disk finished a write.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "moss/s3/exchange.h"
#include "moss/store/blob_store.h"
#include "s3/payload/payload_reader.h"

namespace moss::s3 {

// Copies the whole payload into `writer` through a ring of buffers of
// `buffer_size` bytes, which grows from two to at most `max_buffers` while the
// lanes fall behind the network (the buffers past two come from a budget the
// process shares), and hands the writer back once every lane has had every
// byte. Throws S3Error EntityTooLarge past `limit` bytes, the S3 form of a
// lane's storage error, or what reading the payload threw, always after the
// last lane has let go of its buffer. Should the coroutine be destroyed while
// lanes still run, they keep the buffers and the writer alive until they are
// done (the writer is then discarded).
awaitable<std::unique_ptr<store::BlobWriter>> copy_through_lanes(
    PayloadReader& body, std::unique_ptr<store::BlobWriter> writer, size_t buffer_size,
    size_t max_buffers, uint64_t limit, boost::asio::thread_pool& pool);

}  // namespace moss::s3
