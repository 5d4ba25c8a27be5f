// Open descriptors of recently read blobs, so that serving a popular object
// does not cost an open(2) and a close(2) per request. A blob never changes
// once linked, so a cached descriptor always reads the right bytes; removing
// a blob drops its descriptor so the disk space is freed. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <list>
#include <string>
#include <unordered_map>

#include "moss/util/mutex.h"
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
    Mutex mutex;
    std::list<std::pair<std::string, SharedFd>> lru GUARDED_BY(mutex);  // most recent first
    std::unordered_map<std::string, std::list<std::pair<std::string, SharedFd>>::iterator> index
        GUARDED_BY(mutex);
    // Bumped by forget(); an open that spans one is not cached.
    uint64_t removals GUARDED_BY(mutex) = 0;
  };
  Shard& shard_for(const std::string& sha256);
  std::array<Shard, kShards> shards_;
};

}  // namespace moss::store
