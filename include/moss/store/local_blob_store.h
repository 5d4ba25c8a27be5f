// BlobStore on a local filesystem:
//   <data>/blobs/<first two hex digits>/<sha256>   immutable, read-only files
//   <data>/tmp/<random>.part                       blobs being written
// Temporary files are fsync'd before they are renamed into place and the
// directory is fsync'd after, so a linked blob is complete and durable. Nothing
// left in tmp/ at startup belongs to a live request; open() clears it, unless
// the directory is shared by several replicas: then only temporary files
// untouched for a day go (a live upload writes to its file at least every
// --io-timeout). Temporary names carry the host, the process id and random
// bytes, so replicas never pick the same one.
#pragma once

#include <memory>
#include <string>

#include "moss/store/blob_store.h"

namespace moss::store {
class BackgroundUnlink;
class BlobFdCache;
}

namespace moss::store {

class LocalBlobStore final : public BlobStore {
 public:
  // `shared`: other replicas use `data_dir` at the same time.
  static StoreResult<std::unique_ptr<LocalBlobStore>> open(const std::string& data_dir,
                                                           bool shared = false);
  ~LocalBlobStore() override;

  StoreResult<std::unique_ptr<BlobWriter>> create(
      std::vector<DigestAlgorithm> extra_digests) override;
  StoreResult<void> link(SealedBlob& blob) override;
  StoreResult<SharedFd> open_blob(const std::string& sha256_hex) const override;
  StoreResult<void> remove(const std::string& sha256_hex) override;
  StoreResult<std::vector<std::string>> list_all() const override;
  StoreResult<int64_t> linked_at_ns(const std::string& sha256_hex) const override;
  std::optional<uint64_t> available_bytes() const override;

  // Where a blob lives (tests and diagnostics only).
  std::string blob_path(const std::string& sha256_hex) const;
  const std::string& tmp_dir() const { return tmp_dir_; }
  // Returns once the unneeded copies link() handed to a background thread are
  // removed (tests).
  void wait_for_discards();

 private:
  explicit LocalBlobStore(std::string data_dir);
  std::string blobs_dir_;
  std::string tmp_dir_;
  std::string tmp_prefix_;  // <host>-<pid>-
  std::unique_ptr<BlobFdCache> fd_cache_;
  // Last: its destructor removes what is still queued while the rest is whole.
  std::unique_ptr<BackgroundUnlink> discards_;
};

}  // namespace moss::store
