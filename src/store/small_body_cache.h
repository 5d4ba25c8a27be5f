// The bytes of recently read small blobs, kept in memory so that serving a
// small object again costs no read from the page cache. A blob is named by
// the SHA-256 of its bytes and never changes once linked, so a cached body is
// always the right one, on every replica, for as long as it is kept. Bounded
// by bytes (least recently read out first); thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include "moss/util/mutex.h"

namespace moss::store {

class SmallBodyCache {
 public:
  // The largest body kept: a small GET's whole object. Larger ones go out
  // with sendfile(2), which copies nothing into the process.
  static constexpr size_t kMaxBodyBytes = 64 * 1024;

  // At most `budget_bytes` of bodies in all; 0 keeps none.
  explicit SmallBodyCache(size_t budget_bytes);

  size_t budget_bytes() const { return budget_bytes_; }

  // The cached bytes of `sha256`, or null (a hit or a miss in stats()).
  std::shared_ptr<const std::string> find(const std::string& sha256);
  // Keeps `body` as the bytes of `sha256` (a body over kMaxBodyBytes, or
  // over a shard's share of the budget, is not kept).
  void insert(const std::string& sha256, std::shared_ptr<const std::string> body);

  // For /metrics: what find() answered since the cache was made, and what is kept now.
  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    size_t bytes = 0;
    size_t entries = 0;
  };
  Stats stats();

 private:
  static constexpr size_t kShards = 16;
  using Entry = std::pair<std::string, std::shared_ptr<const std::string>>;
  struct Shard {
    Mutex mutex;
    std::list<Entry> lru GUARDED_BY(mutex);  // most recently read first
    std::unordered_map<std::string, std::list<Entry>::iterator> index GUARDED_BY(mutex);
    size_t bytes GUARDED_BY(mutex) = 0;
    // Counted under the lock find() takes anyway: no extra atomic per request.
    uint64_t hits GUARDED_BY(mutex) = 0;
    uint64_t misses GUARDED_BY(mutex) = 0;
  };
  Shard& shard_for(const std::string& sha256);

  const size_t budget_bytes_;
  const size_t shard_budget_bytes_;
  std::array<Shard, kShards> shards_;
};

}  // namespace moss::store
