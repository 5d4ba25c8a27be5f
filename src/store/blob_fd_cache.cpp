#include "blob_fd_cache.h"

#include <cerrno>

namespace moss::store {

BlobFdCache::Shard& BlobFdCache::shard_for(const std::string& sha256) {
  return shards_[std::hash<std::string>{}(sha256) % kShards];
}

SharedFd BlobFdCache::get(const std::string& sha256, const std::function<UniqueFd()>& open) {
  Shard& shard = shard_for(sha256);
  uint64_t removals_before;
  {
    MutexLock lock(shard.mutex);
    auto it = shard.index.find(sha256);
    if (it != shard.index.end()) {
      shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
      return it->second->second;
    }
    removals_before = shard.removals;
  }
  UniqueFd fd = open();
  if (!fd.valid()) return SharedFd();
  SharedFd shared(std::move(fd));
  int saved_errno = errno;
  {
    MutexLock lock(shard.mutex);
    // A forget() while the file was being opened may have been for this very
    // blob; caching the descriptor would then keep a deleted file's space.
    if (shard.removals == removals_before && !shard.index.count(sha256)) {
      shard.lru.emplace_front(sha256, shared);
      shard.index.emplace(sha256, shard.lru.begin());
      if (shard.lru.size() > kEntriesPerShard) {
        shard.index.erase(shard.lru.back().first);
        shard.lru.pop_back();
      }
    }
  }
  errno = saved_errno;
  return shared;
}

void BlobFdCache::forget(const std::string& sha256) {
  Shard& shard = shard_for(sha256);
  MutexLock lock(shard.mutex);
  ++shard.removals;
  auto it = shard.index.find(sha256);
  if (it == shard.index.end()) return;
  shard.lru.erase(it->second);
  shard.index.erase(it);
}

}  // namespace moss::store
