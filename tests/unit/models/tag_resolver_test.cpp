#include "moss/models/tag_resolver.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace moss::models {
namespace {

TagTarget tag(std::string name, uint64_t weight = 1) {
  return TagTarget{std::move(name), weight, TargetKind::kTag, "", ""};
}
TagTarget file(const std::string& path, uint64_t weight = 1) {
  return TagTarget{path, weight, TargetKind::kFile, "null", "sha-" + path};
}

TagLookup lookup_in(const TagGraph& graph) {
  return
      [&graph](
          const std::string& name) -> Result<std::optional<std::vector<TagTarget>>, std::string> {
        auto it = graph.find(name);
        if (it == graph.end()) return std::optional<std::vector<TagTarget>>();
        return std::optional<std::vector<TagTarget>>(it->second);
      };
}

// latest -> v2 -> 2024-03-20/x.gguf; v1 -> 2024-01-15/x.gguf
TagGraph docs_layout() {
  return {{"latest", {tag("v2")}},
          {"v2", {file("2024-03-20/x.gguf")}},
          {"v1", {file("2024-01-15/x.gguf")}}};
}

// t0 -> t1 -> ... -> t<n-1> -> file: n hops from t0.
TagGraph chain_of(int hops) {
  TagGraph g;
  for (int i = 0; i < hops - 1; ++i)
    g["t" + std::to_string(i)] = {tag("t" + std::to_string(i + 1))};
  g["t" + std::to_string(hops - 1)] = {file("f.gguf")};
  return g;
}

TEST(ResolveTag, FollowsAChainToTheFileAndReportsIt) {
  auto graph = docs_layout();
  auto r = resolve_tag(lookup_in(graph), "llama", "latest", "pod-1");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->chain, (std::vector<std::string>{"latest", "v2", "2024-03-20/x.gguf"}));
  EXPECT_EQ(r->pinning_tag, "v2");
  EXPECT_EQ(r->file.target, "2024-03-20/x.gguf");
  EXPECT_EQ(r->file.sha256, "sha-2024-03-20/x.gguf");
  EXPECT_TRUE(r->chosen_target.empty());
}

TEST(ResolveTag, MissingTagIsNoSuchTagAndADanglingTargetIsReported) {
  TagGraph graph = {{"latest", {tag("gone")}}};
  auto missing = resolve_tag(lookup_in(graph), "m", "nope", "c");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ResolveErrc::kNoSuchTag);
  auto dangling = resolve_tag(lookup_in(graph), "m", "latest", "c");
  ASSERT_FALSE(dangling.ok());
  EXPECT_EQ(dangling.error().code, ResolveErrc::kDanglingTarget);
}

TEST(ResolveTag, ACycleIsReportedNotFollowedForever) {
  TagGraph graph = {{"a", {tag("b")}}, {"b", {tag("c")}}, {"c", {tag("a")}}};
  auto r = resolve_tag(lookup_in(graph), "m", "a", "c");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ResolveErrc::kCycle);
  TagGraph self = {{"a", {tag("a")}}};
  EXPECT_EQ(resolve_tag(lookup_in(self), "m", "a", "c").error().code, ResolveErrc::kCycle);
}

TEST(ResolveTag, EightHopsResolveNineDoNot) {
  auto eight = chain_of(kMaxTagHops);
  auto ok = resolve_tag(lookup_in(eight), "m", "t0", "c");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->chain.size(), static_cast<size_t>(kMaxTagHops + 1));
  auto nine = chain_of(kMaxTagHops + 1);
  auto r = resolve_tag(lookup_in(nine), "m", "t0", "c");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ResolveErrc::kChainTooLong);
}

TEST(ResolveTag, AFailedLookupIsReportedAsSuch) {
  TagLookup failing =
      [](const std::string&) -> Result<std::optional<std::vector<TagTarget>>, std::string> {
    return fail(std::string("disk on fire"));
  };
  auto r = resolve_tag(failing, "m", "latest", "c");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ResolveErrc::kLookupFailed);
  EXPECT_EQ(r.error().message, "disk on fire");
}

TEST(ResolveTag, AWeightedTagReportsItsChoiceAndFollowsIt) {
  TagGraph graph = docs_layout();
  graph["canary"] = {tag("v2", 50), tag("v1", 50)};
  auto r = resolve_tag(lookup_in(graph), "llama", "canary", "pod-7");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->chosen_target == "v2" || r->chosen_target == "v1");
  EXPECT_EQ(r->chain[1], r->chosen_target);
  EXPECT_EQ(r->chain.size(), 3u);
}

TEST(ChooseWeighted, TenNinetySplitOverAThousandClientsIsWithinTolerance) {
  const std::vector<TagTarget> targets = {tag("v2", 10), tag("v1", 90)};
  int first = 0;
  for (int i = 0; i < 1000; ++i) {
    if (choose_weighted("client-" + std::to_string(i), "llama/tags/canary", targets) == 0) ++first;
  }
  // Binomial(1000, 0.1): mean 100, standard deviation 9.5; 4 sigma either side.
  EXPECT_GE(first, 62);
  EXPECT_LE(first, 138);
}

TEST(ChooseWeighted, IsStableAcrossRepeatsAndDependsOnTheTag) {
  const std::vector<TagTarget> targets = {tag("a", 1), tag("b", 1), tag("c", 1)};
  std::vector<size_t> first_pass;
  for (int i = 0; i < 1000; ++i) {
    first_pass.push_back(choose_weighted("c" + std::to_string(i), "m/tags/t", targets));
  }
  for (int repeat = 0; repeat < 3; ++repeat) {
    for (int i = 0; i < 1000; ++i) {
      ASSERT_EQ(choose_weighted("c" + std::to_string(i), "m/tags/t", targets), first_pass[i]);
    }
  }
  int differs = 0;
  for (int i = 0; i < 1000; ++i) {
    if (choose_weighted("c" + std::to_string(i), "m/tags/other", targets) != first_pass[i]) {
      ++differs;
    }
  }
  EXPECT_GT(differs, 500);  // about 2/3 for independent choices among three
}

TEST(ChooseWeighted, RaisingTheFirstWeightOnlyMovesClientsTowardsIt) {
  const std::vector<TagTarget> before = {tag("v2", 10), tag("v1", 90)};
  const std::vector<TagTarget> after = {tag("v2", 30), tag("v1", 70)};
  int moved = 0;
  for (int i = 0; i < 1000; ++i) {
    const std::string client = "pod-" + std::to_string(i);
    size_t was = choose_weighted(client, "m/tags/canary", before);
    size_t is = choose_weighted(client, "m/tags/canary", after);
    if (was == 0) {
      ASSERT_EQ(is, 0u) << client << " left the canary when its weight grew";
    }
    if (was != is) ++moved;
  }
  EXPECT_GT(moved, 120);  // about 20% of the clients
}

TEST(ChooseWeighted, ASingleTargetOrZeroWeightsChooseTheFirst) {
  const std::vector<TagTarget> single{tag("only")};
  const std::vector<TagTarget> all_zero{tag("a", 0), tag("b", 0), tag("c", 0)};
  for (int i = 0; i < 200; ++i) {
    const std::string client = "pod-" + std::to_string(i);
    EXPECT_EQ(choose_weighted(client, "m/tags/t", single), 0u) << client;
    EXPECT_EQ(choose_weighted(client, "m/tags/t", all_zero), 0u) << client;
  }
}

TEST(ChooseWeighted, ATargetOfWeightZeroIsNeverChosen) {
  const std::vector<TagTarget> targets{tag("off", 0), tag("a", 5), tag("also-off", 0),
                                       tag("b", 5), tag("last-off", 0)};
  int chosen[5] = {};
  for (int i = 0; i < 1000; ++i) {
    ++chosen[choose_weighted("pod-" + std::to_string(i), "m/tags/t", targets)];
  }
  EXPECT_EQ(chosen[0], 0);
  EXPECT_EQ(chosen[2], 0);
  EXPECT_EQ(chosen[4], 0);
  EXPECT_GT(chosen[1], 400);  // about half each
  EXPECT_GT(chosen[3], 400);
}

TEST(CheckTagChange, AcceptsTheDocsLayoutAndMovingLatest) {
  auto graph = docs_layout();
  EXPECT_TRUE(check_tag_change(graph, "latest", {tag("v1")}).ok());
  EXPECT_TRUE(check_tag_change(graph, "canary", {tag("v2", 10), tag("v1", 90)}).ok());
}

TEST(CheckTagChange, RefusesATargetTagThatDoesNotExist) {
  auto r = check_tag_change(docs_layout(), "latest", {tag("v9")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ResolveErrc::kDanglingTarget);
}

TEST(CheckTagChange, RefusesACycleThroughAnyWeightedBranch) {
  auto graph = docs_layout();
  // v2 -> latest would loop: latest -> v2 -> latest.
  auto r = check_tag_change(graph, "v2", {tag("latest")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ResolveErrc::kCycle);
  // Only one branch of a weighted tag loops: still refused.
  auto weighted = check_tag_change(graph, "v2", {file("f.gguf", 99), tag("latest", 1)});
  ASSERT_FALSE(weighted.ok());
  EXPECT_EQ(weighted.error().code, ResolveErrc::kCycle);
  EXPECT_EQ(check_tag_change(graph, "v1", {tag("v1")}).error().code, ResolveErrc::kCycle);
}

TEST(CheckTagChange, RefusesAChainTooLongFromTheTagOrFromATagLeadingToIt) {
  auto graph = chain_of(kMaxTagHops);  // t0 .. t7 -> file: 8 hops from t0
  // A new tag in front of t0 would be 9 hops.
  auto front = check_tag_change(graph, "head", {tag("t0")});
  ASSERT_FALSE(front.ok());
  EXPECT_EQ(front.error().code, ResolveErrc::kChainTooLong);
  // Moving the last tag onto a new tag lengthens every chain through it.
  graph["extra"] = {file("g.gguf")};
  auto behind = check_tag_change(graph, "t7", {tag("extra")});
  ASSERT_FALSE(behind.ok());
  EXPECT_EQ(behind.error().code, ResolveErrc::kChainTooLong);
  // Pointing the last tag at another file keeps the length.
  EXPECT_TRUE(check_tag_change(graph, "t7", {file("h.gguf")}).ok());
}

TEST(CheckTagChange, TagsThatDoNotReachTheChangedTagAreNotJudged) {
  auto graph = docs_layout();
  graph["broken"] = {tag("deleted-since")};  // dangling, unrelated to the change
  EXPECT_TRUE(check_tag_change(graph, "latest", {tag("v1")}).ok());
}

}  // namespace
}  // namespace moss::models
