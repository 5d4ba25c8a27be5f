#include "small_body_cache.h"

namespace moss::store {

SmallBodyCache::SmallBodyCache(size_t budget_bytes)
    : budget_bytes_(budget_bytes), shard_budget_bytes_(budget_bytes / kShards) {}

SmallBodyCache::Shard& SmallBodyCache::shard_for(const std::string& sha256) {
  return shards_[std::hash<std::string>{}(sha256) % kShards];
}

std::shared_ptr<const std::string> SmallBodyCache::find(const std::string& sha256) {
  if (shard_budget_bytes_ == 0) return nullptr;
  Shard& shard = shard_for(sha256);
  MutexLock lock(shard.mutex);
  auto it = shard.index.find(sha256);
  if (it == shard.index.end()) {
    ++shard.misses;
    return nullptr;
  }
  ++shard.hits;
  shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
  return it->second->second;
}

void SmallBodyCache::insert(const std::string& sha256, std::shared_ptr<const std::string> body) {
  if (!body || body->size() > kMaxBodyBytes || body->size() > shard_budget_bytes_) return;
  Shard& shard = shard_for(sha256);
  MutexLock lock(shard.mutex);
  if (shard.index.count(sha256)) return;  // another request read it first
  shard.bytes += body->size();
  shard.lru.emplace_front(sha256, std::move(body));
  shard.index.emplace(sha256, shard.lru.begin());
  while (shard.bytes > shard_budget_bytes_) {
    shard.bytes -= shard.lru.back().second->size();
    shard.index.erase(shard.lru.back().first);
    shard.lru.pop_back();
  }
}

SmallBodyCache::Stats SmallBodyCache::stats() {
  Stats total;
  for (Shard& shard : shards_) {
    MutexLock lock(shard.mutex);
    total.hits += shard.hits;
    total.misses += shard.misses;
    total.bytes += shard.bytes;
    total.entries += shard.index.size();
  }
  return total;
}

}  // namespace moss::store
