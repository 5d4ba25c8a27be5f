// Immutable content-addressed blob storage. A blob is written once to a private
// temporary file, sealed (fsync'd), and then linked under its SHA-256; identical
// bodies are stored once. Blobs are never modified in place, so a reader holding
// an open descriptor always sees complete bytes.
//
// Reference counting lives in the metadata store; ObjectStore decides when a
// blob is linked or removed. All methods are thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "moss/store/store_error.h"
#include "moss/util/digest.h"
#include "moss/util/unique_fd.h"

namespace moss::store {

// A fully written, fsync'd temporary blob, not yet visible under its hash.
// Destroying it without linking removes the temporary file.
class SealedBlob {
 public:
  virtual ~SealedBlob() = default;
  virtual const std::string& sha256_hex() const = 0;
  virtual uint64_t size() const = 0;
  virtual const std::string& md5_hex() const = 0;
  // Raw digests of the extra algorithms requested at create time.
  virtual const std::map<DigestAlgorithm, std::string>& digests() const = 0;
  // A read-only descriptor of the sealed bytes, for a look at them before they
  // are linked and committed (a model file's header). The descriptor stays
  // valid after linking; opening is only possible before.
  virtual StoreResult<UniqueFd> open_read() const = 0;
};

class BlobWriter {
 public:
  // Buffers aligned to this (and full chunks of a multiple of it) let a
  // writer skip the page cache; anything else still works, more slowly.
  static constexpr size_t kPreferredAlignment = 4096;
  // Below this many bytes a chunk costs less to hash and write on one thread
  // than to hand its lanes to others (write() and s3/payload/blob_lanes.h).
  static constexpr size_t kLanesApartFrom = 64 * 1024;

  virtual ~BlobWriter() = default;  // an unsealed writer removes its temp file
  virtual StoreResult<void> write(std::span<const uint8_t> data) = 0;
  // write() is the work of lanes with no state in common (a digest each, the
  // file): write(data) runs every lane on data. A caller holding several
  // chunks may instead run the lanes at the same time, each at its own pace,
  // provided every lane is given every chunk in order and no chunk changes
  // until every lane has had it (s3/payload/blob_lanes.h does). Lanes are
  // numbered from 0 to lane_count() - 1.
  virtual size_t lane_count() const = 0;
  virtual StoreResult<void> write_lane(size_t lane, std::span<const uint8_t> data) = 0;
  // Flushes to stable storage and hands the result over; the writer is spent.
  virtual StoreResult<std::unique_ptr<SealedBlob>> seal() = 0;
  virtual uint64_t bytes_written() const = 0;
  // A read-only descriptor of the file being written, for a reader that
  // follows the writer (a Hub mirror serving an upstream transfer while it
  // arrives): bytes [0, bytes_written()) can be read at their offsets. The
  // descriptor stays valid after seal, link or removal of the file.
  virtual StoreResult<UniqueFd> open_read() const = 0;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;
  // `extra_digests` are computed while writing, besides SHA-256 and MD5.
  virtual StoreResult<std::unique_ptr<BlobWriter>> create(
      std::vector<DigestAlgorithm> extra_digests) = 0;
  // Makes the sealed blob visible under its hash (a no-op if an identical blob
  // is already there) and durable (directory fsync'd).
  virtual StoreResult<void> link(SealedBlob& blob) = 0;
  virtual StoreResult<SharedFd> open_blob(const std::string& sha256_hex) const = 0;
  virtual StoreResult<void> remove(const std::string& sha256_hex) = 0;
  // Every linked blob's hash (startup sweep of blobs the metadata does not know).
  virtual StoreResult<std::vector<std::string>> list_all() const = 0;
  // When the blob was last linked (link() of identical bytes counts): the
  // garbage collection of shared storage spares blobs linked recently.
  // kNoSuchKey when it is not there.
  virtual StoreResult<int64_t> linked_at_ns(const std::string& sha256_hex) const = 0;
  // Bytes a new blob may still take (what an unprivileged writer may use), or
  // nullopt when the store cannot tell: an upload whose declared size is
  // larger is refused before its first byte.
  virtual std::optional<uint64_t> available_bytes() const { return std::nullopt; }
};

}  // namespace moss::store
