#include "store/small_body_cache.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace moss::store {
namespace {

std::shared_ptr<const std::string> body(size_t size, char fill) {
  return std::make_shared<const std::string>(size, fill);
}

// Names that land in one shard, so that one shard's share of the budget
// (budget / 16) is what the test fills.
std::vector<std::string> names_in_one_shard(size_t count) {
  std::vector<std::string> names;
  const size_t target = std::hash<std::string>{}("name-0") % 16;
  for (int i = 0; names.size() < count; ++i) {
    std::string name = "name-" + std::to_string(i);
    if (std::hash<std::string>{}(name) % 16 == target) names.push_back(name);
  }
  return names;
}

TEST(SmallBodyCacheTest, FindsWhatWasInserted) {
  SmallBodyCache cache(1 << 20);
  EXPECT_EQ(cache.find("a"), nullptr);
  auto bytes = body(100, 'x');
  cache.insert("a", bytes);
  EXPECT_EQ(cache.find("a"), bytes);
  EXPECT_EQ(cache.find("b"), nullptr);
}

TEST(SmallBodyCacheTest, CountsHitsMissesAndWhatItKeeps) {
  SmallBodyCache cache(1 << 20);
  EXPECT_EQ(cache.find("a"), nullptr);
  cache.insert("a", body(100, 'x'));
  cache.insert("b", body(250, 'y'));
  ASSERT_NE(cache.find("a"), nullptr);
  ASSERT_NE(cache.find("b"), nullptr);
  ASSERT_NE(cache.find("a"), nullptr);
  EXPECT_EQ(cache.find("c"), nullptr);
  const auto stats = cache.stats();
  EXPECT_EQ(stats.hits, 3u);
  EXPECT_EQ(stats.misses, 2u);
  EXPECT_EQ(stats.bytes, 350u);
  EXPECT_EQ(stats.entries, 2u);
}

TEST(SmallBodyCacheTest, AZeroBudgetKeepsNothing) {
  SmallBodyCache cache(0);
  cache.insert("a", body(1, 'x'));
  EXPECT_EQ(cache.find("a"), nullptr);
}

TEST(SmallBodyCacheTest, KeepsNoBodyLargerThanTheLimit) {
  SmallBodyCache cache(64 << 20);
  cache.insert("big", body(SmallBodyCache::kMaxBodyBytes + 1, 'x'));
  EXPECT_EQ(cache.find("big"), nullptr);
  cache.insert("edge", body(SmallBodyCache::kMaxBodyBytes, 'x'));
  EXPECT_NE(cache.find("edge"), nullptr);
}

TEST(SmallBodyCacheTest, StaysWithinItsBudgetDroppingTheLeastRecentlyRead) {
  // 16 shards of 4,000 bytes; bodies of 1,000 bytes: four fit in a shard.
  SmallBodyCache cache(16 * 4000);
  const auto names = names_in_one_shard(6);
  for (size_t i = 0; i < 4; ++i) cache.insert(names[i], body(1000, 'a'));
  ASSERT_NE(cache.find(names[0]), nullptr);  // read again: now the most recent
  cache.insert(names[4], body(1000, 'b'));   // one must go: names[1]
  EXPECT_EQ(cache.find(names[1]), nullptr);
  EXPECT_NE(cache.find(names[0]), nullptr);
  EXPECT_NE(cache.find(names[2]), nullptr);
  EXPECT_NE(cache.find(names[3]), nullptr);
  EXPECT_NE(cache.find(names[4]), nullptr);
  cache.insert(names[5], body(3500, 'c'));  // needs the room of four
  EXPECT_NE(cache.find(names[5]), nullptr);
  int kept = 0;
  for (size_t i = 0; i < 5; ++i) kept += cache.find(names[i]) != nullptr;
  EXPECT_EQ(kept, 0);
}

TEST(SmallBodyCacheTest, AHolderKeepsItsBytesAfterTheyAreDropped) {
  SmallBodyCache cache(16 * 1000);
  const auto names = names_in_one_shard(2);
  cache.insert(names[0], body(1000, 'a'));
  auto held = cache.find(names[0]);
  cache.insert(names[1], body(1000, 'b'));  // drops names[0]
  EXPECT_EQ(cache.find(names[0]), nullptr);
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(*held, std::string(1000, 'a'));
}

TEST(SmallBodyCacheTest, ConcurrentReadersAndWritersSeeWholeBodies) {
  SmallBodyCache cache(16 * 10'000);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 5000; ++i) {
        const std::string name = "n" + std::to_string(i % 97);
        if (auto found = cache.find(name)) {
          ASSERT_EQ(*found, std::string(found->size(), static_cast<char>('a' + i % 97 % 26)));
        } else {
          cache.insert(name, body(100 + (i + t) % 900, static_cast<char>('a' + i % 97 % 26)));
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
}

}  // namespace
}  // namespace moss::store
