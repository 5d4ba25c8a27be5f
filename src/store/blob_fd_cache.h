// Open descriptors of recently read blobs, so that serving a popular object
// does not cost an open(2) and a close(2) per request. A blob never changes
// once linked, so a cached descriptor always reads the right bytes; removing
// a blob drops its descriptor so the disk space is freed. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "moss/util/unique_fd.h"

namespace moss::store {

class BlobFdCache {
 public:
  // Returns the cached descriptor of `sha256`, or opens it with `open` and
  // caches it. `open` returns an invalid descriptor (errno set) on failure,
  // which is passed through and not cached.
  SharedFd get(const std::string& sha256, const std::function<UniqueFd()>& open);
  // Forgets `sha256`; a descriptor opened concurrently is not cached either.
  void forget(const std::string& sha256);

 private:
  static constexpr size_t kShards = 16;
  static constexpr size_t kEntriesPerShard = 64;
  struct Shard {
    std::mutex mutex;
    std::list<std::pair<std::string, SharedFd>> lru;  // most recent first
    std::unordered_map<std::string, std::list<std::pair<std::string, SharedFd>>::iterator> index;
    uint64_t removals = 0;  // bumped by forget(); an open that spans one is not cached
  };
  Shard& shard_for(const std::string& sha256);
  std::array<Shard, kShards> shards_;
};

}  // namespace moss::store
