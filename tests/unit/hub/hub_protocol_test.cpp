// The Hub protocol's pieces: request paths, commit ids, LFS oids, JSON shapes.
#include "moss/hub/hub_protocol.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "moss/models/snapshot.h"
#include "moss/util/digest.h"
#include "moss/util/hex.h"

namespace moss::hub {
namespace {


TEST(HubPath, ResolveTakesOneOrTwoSegmentRepositories) {
  auto two = parse_hub_path("/meta-llama/Meta-Llama-3-8B/resolve/main/sub/config.json");
  ASSERT_TRUE(two);
  EXPECT_EQ(two->endpoint, HubEndpoint::kResolve);
  EXPECT_EQ(two->repo, "meta-llama/Meta-Llama-3-8B");
  EXPECT_EQ(two->revision, "main");
  EXPECT_EQ(two->path, "sub/config.json");

  auto one = parse_hub_path("/gpt2/resolve/v1.0/model.safetensors");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->repo, "gpt2");
  EXPECT_EQ(one->revision, "v1.0");

  auto raw = parse_hub_path("/org/m/raw/main/README.md");
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->endpoint, HubEndpoint::kResolve);
}

TEST(HubPath, SegmentsArePercentDecoded) {
  auto p = parse_hub_path("/org/m/resolve/refs%2Fpr%2F1/a%20b.json");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->revision, "refs/pr/1");
  EXPECT_EQ(p->path, "a b.json");
  EXPECT_FALSE(parse_hub_path("/org/m/resolve/main/%zz"));
}

// parse_hub_path first rejects, on the raw bytes, paths that cannot be the
// Hub's; an escaped endpoint word must still reach the decoding parser.
TEST(HubPath, EscapedEndpointWordsAreDecodedBeforeTheShapeIsJudged) {
  auto resolve = parse_hub_path("/org/m/%72esolve/main/config.json");
  ASSERT_TRUE(resolve);
  EXPECT_EQ(resolve->endpoint, HubEndpoint::kResolve);
  EXPECT_EQ(resolve->path, "config.json");
  auto api = parse_hub_path("/%61pi/models/org/m");
  ASSERT_TRUE(api);
  EXPECT_EQ(api->endpoint, HubEndpoint::kModelInfo);
  EXPECT_EQ(api->repo, "org/m");
}

TEST(HubPath, ObjectKeysWithoutAnEndpointWordAreNotHubPaths) {
  EXPECT_FALSE(parse_hub_path("/bench/small.bin"));
  EXPECT_FALSE(parse_hub_path("/models/llama/2024-03-20/model.gguf"));
  EXPECT_FALSE(parse_hub_path("/org/m/x/resolve/main/f"));  // the word is third or later
  EXPECT_FALSE(parse_hub_path("/"));
  EXPECT_FALSE(parse_hub_path("no-leading-slash/resolve/main/f"));
}

TEST(HubPath, ApiModelsEndpoints) {
  auto info = parse_hub_path("/api/models/org/m");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->endpoint, HubEndpoint::kModelInfo);
  EXPECT_EQ(info->repo, "org/m");
  EXPECT_EQ(info->revision, "");

  auto one = parse_hub_path("/api/models/gpt2/revision/main");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->endpoint, HubEndpoint::kModelInfo);
  EXPECT_EQ(one->repo, "gpt2");
  EXPECT_EQ(one->revision, "main");

  auto tree = parse_hub_path("/api/models/org/m/tree/main/tokenizer/");
  ASSERT_TRUE(tree);
  EXPECT_EQ(tree->endpoint, HubEndpoint::kTree);
  EXPECT_EQ(tree->revision, "main");
  EXPECT_EQ(tree->path, "tokenizer");

  auto paths = parse_hub_path("/api/models/org/m/paths-info/abc");
  ASSERT_TRUE(paths);
  EXPECT_EQ(paths->endpoint, HubEndpoint::kPathsInfo);

  auto refs = parse_hub_path("/api/models/org/m/refs");
  ASSERT_TRUE(refs);
  EXPECT_EQ(refs->endpoint, HubEndpoint::kRefs);
}

TEST(HubPath, DatasetsSpacesAndOtherApisAreUnsupported) {
  for (const char* path : {"/api/datasets/org/d", "/api/whoami-v2", "/api/models",
                           "/api/models/org/m/commits/main", "/datasets/org/d/resolve/main/x"}) {
    auto p = parse_hub_path(path);
    ASSERT_TRUE(p) << path;
    EXPECT_EQ(p->endpoint, HubEndpoint::kUnsupported) << path;
  }
}

TEST(HubPath, OtherShapesAreNoHubPaths) {
  for (const char* path : {"/bucket", "/bucket/key", "/bucket/a/b/c", "/org/m/resolve/main",
                           "/org/m/resolve/main/", "/org/m/resolve//x"}) {
    EXPECT_FALSE(parse_hub_path(path)) << path;
  }
}

TEST(HubPath, LlamaCppManifests) {
  auto p = parse_hub_path("/v2/org/tiny-gguf/manifests/Q8_0");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->endpoint, HubEndpoint::kManifest);
  EXPECT_EQ(p->repo, "org/tiny-gguf");
  EXPECT_EQ(p->path, "Q8_0");
}

TEST(GgufForQuant, PicksTheFileOfTheQuantizationOrTheDefault) {
  const std::vector<HubFile> files = {{"README.md", 1, ""},
                                      {"m.Q8_0-00002-of-00002.gguf", 1, ""},
                                      {"m.Q8_0-00001-of-00002.gguf", 1, ""},
                                      {"m.Q4_K_M.gguf", 1, ""},
                                      {"m.f16.gguf", 1, ""}};
  EXPECT_EQ(gguf_for_quant(files, "q8_0")->path, "m.Q8_0-00001-of-00002.gguf");
  EXPECT_EQ(gguf_for_quant(files, "F16")->path, "m.f16.gguf");
  EXPECT_EQ(gguf_for_quant(files, "latest")->path, "m.Q4_K_M.gguf");
  EXPECT_EQ(gguf_for_quant(files, "Q2_K"), nullptr);
  EXPECT_EQ(gguf_for_quant({{"only.gguf", 1, ""}}, "")->path, "only.gguf");
}

TEST(HubRevisions, AliasesAndCommitIds) {
  EXPECT_TRUE(is_default_revision_alias("main"));
  EXPECT_TRUE(is_default_revision_alias("HEAD"));
  EXPECT_FALSE(is_default_revision_alias("latest"));
  EXPECT_TRUE(is_commit_id(std::string(40, 'a')));
  EXPECT_FALSE(is_commit_id(std::string(40, 'A')));
  EXPECT_FALSE(is_commit_id(std::string(64, 'a')));
}

TEST(CommitId, IsTheShortSnapshotIdentityAndIgnoresOrder) {
  const std::vector<HubFile> files = {{"b.bin", 3, sha256_hex("bbb")},
                                      {"a.json", 1, sha256_hex("a")}};
  const std::string expected = models::snapshot_short_id(
      models::snapshot_identity({{"a.json", sha256_hex("a")}, {"b.bin", sha256_hex("bbb")}}));
  EXPECT_EQ(commit_id(files), expected);
  EXPECT_EQ(commit_id({files[1], files[0]}), expected);
  EXPECT_EQ(expected.size(), 40u);
  EXPECT_NE(commit_id({{"a.json", 1, sha256_hex("A")}, files[0]}), expected);
}

TEST(LfsPointerOid, IsTheGitBlobSha1OfThePointer) {
  const HubFile file{"m.bin", 5, sha256_hex("hello")};
  const std::string pointer =
      "version https://git-lfs.github.com/spec/v1\noid sha256:" + file.sha256 + "\nsize 5\n";
  const std::string blob =
      "blob " + std::to_string(pointer.size()) + std::string(1, '\0') + pointer;
  EXPECT_EQ(lfs_pointer_oid(file), to_hex(digest(DigestAlgorithm::kSha1, blob)));
}

TEST(Entries, AnUpstreamGitFileIsListedWithItsBlobIdAndNoLfsFields) {
  HubFile file{"config.json", 12, "", false, "1111111111111111111111111111111111111111"};
  const auto entry = file_entry(file);
  EXPECT_EQ(entry["oid"], file.blob_id);
  EXPECT_FALSE(entry.contains("lfs"));
  const auto listed = sibling(file, true);
  EXPECT_EQ(listed["blobId"], file.blob_id);
  EXPECT_FALSE(listed.contains("lfs"));
  // An upstream LFS file keeps the upstream's git oid beside its SHA-256.
  file = {"m.bin", 5, sha256_hex("hello"), true, "2222222222222222222222222222222222222222"};
  EXPECT_EQ(file_entry(file)["oid"], file.blob_id);
  EXPECT_EQ(file_entry(file)["lfs"]["oid"], file.sha256);
}

TEST(Entries, FileEntriesReadBackAsTheFile) {
  const HubFile file{"dir/m.bin", 1234, sha256_hex("x")};
  const auto entry = file_entry(file);
  EXPECT_EQ(entry["type"], "file");
  EXPECT_EQ(entry["lfs"]["oid"], file.sha256);
  EXPECT_EQ(entry["size"], 1234);
  auto parsed = parse_file_entry(entry);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->path, file.path);
  EXPECT_EQ(parsed->size, file.size);
  EXPECT_EQ(parsed->sha256, file.sha256);

  auto from_sibling = parse_file_entry(sibling(file, true));
  ASSERT_TRUE(from_sibling);
  EXPECT_EQ(from_sibling->sha256, file.sha256);
  EXPECT_EQ(sibling(file, false), nlohmann::json({{"rfilename", "dir/m.bin"}}));
  EXPECT_FALSE(parse_file_entry(sibling(file, false)));
  EXPECT_FALSE(parse_file_entry(folder_entry("dir", "0")));
}

}  // namespace
}  // namespace moss::hub
