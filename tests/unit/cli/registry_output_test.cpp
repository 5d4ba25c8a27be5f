#include "moss/cli/registry_output.h"

#include <gtest/gtest.h>

namespace moss::cli {
namespace {

using nlohmann::json;

json tag_document() {
  return json::parse(R"({
    "bucket": "models", "model": "llama-3-8b", "tag": "latest", "etag": "\"9c1e\"",
    "targets": [{"target": "v2", "weight": 1, "kind": "tag"}],
    "resolved": {"key": "llama-3-8b/2024-03-20/llama-3-8b.Q5_K_M.gguf", "version_id": "null",
                 "sha256": "ab12", "size": 4920000000, "etag": "\"e\"",
                 "chain": ["latest", "v2", "2024-03-20/llama-3-8b.Q5_K_M.gguf"],
                 "metadata": {"format": "gguf", "parsed": true, "architecture": "llama",
                              "parameter_count": 8030000000, "file_type_name": "Q5_K_M",
                              "context_length": 8192}},
    "updated": "2024-03-20T10:00:00.000Z", "updated_by": "ci-publisher"})");
}

TEST(FormatTargets, PlainAndWeighted) {
  EXPECT_EQ(format_targets(json::parse(R"([{"target": "v2", "weight": 1}])")), "v2");
  EXPECT_EQ(format_targets(
                json::parse(R"([{"target": "v2", "weight": 10}, {"target": "v1", "weight": 90}])")),
            "v2=10 v1=90");
  EXPECT_EQ(format_targets(json()), "-");
}

TEST(FormatTag, ShowsTargetsWhatItServesAndWho) {
  EXPECT_EQ(format_tag(tag_document()),
            "llama-3-8b:latest -> v2\n"
            "  serves   llama-3-8b/2024-03-20/llama-3-8b.Q5_K_M.gguf (4.58 GiB)\n"
            "  chain    latest > v2 > 2024-03-20/llama-3-8b.Q5_K_M.gguf\n"
            "  sha256   ab12\n"
            "  model    llama 8.03B params Q5_K_M ctx 8192\n"
            "  etag     \"9c1e\"\n"
            "  updated  2024-03-20T10:00:00.000Z by ci-publisher\n");
}

TEST(FormatTag, UnresolvedTagSaysWhy) {
  json doc = tag_document();
  doc["resolved"] = nullptr;
  doc["error"] = "target v2 was deleted";
  EXPECT_NE(format_tag(doc).find("serves   nothing: target v2 was deleted"), std::string::npos);
}

TEST(TagField, ValuesForScripts) {
  EXPECT_EQ(tag_field(tag_document(), "sha256"), "ab12");
  EXPECT_EQ(tag_field(tag_document(), "key"), "llama-3-8b/2024-03-20/llama-3-8b.Q5_K_M.gguf");
  EXPECT_EQ(tag_field(tag_document(), "size"), "4920000000");
  EXPECT_EQ(tag_field(tag_document(), "etag"), "\"9c1e\"");
  EXPECT_EQ(tag_field(tag_document(), "target"), "v2");
  json unresolved = tag_document();
  unresolved["resolved"] = nullptr;
  EXPECT_FALSE(tag_field(unresolved, "sha256"));
  EXPECT_EQ(tag_field(unresolved, "etag"), "\"9c1e\"");
}

TEST(FormatTagTable, OneRowPerTagWithPathsRelativeToTheModel) {
  json model = {{"name", "llama-3-8b"}, {"tags", json::array({tag_document()})}};
  EXPECT_EQ(format_tag_table(model),
            "TAG     TARGET  SERVES                             SIZE      UPDATED\n"
            "latest  v2      2024-03-20/llama-3-8b.Q5_K_M.gguf  4.58 GiB  "
            "2024-03-20T10:00:00.000Z\n");
  EXPECT_EQ(format_tag_table(json::object()), "no tags\n");
}

TEST(FormatHistory, ChangesNewestFirst) {
  json doc = json::parse(R"({"model": "m", "history": [
    {"seq": 2, "time": "T2", "actor": "ci", "action": "set",
     "old_targets": [{"target": "v1", "weight": 1}], "new_targets": [{"target": "v2", "weight": 1}],
     "resolved": {"key": "m/b.gguf"}},
    {"seq": 1, "time": "T1", "actor": "ci", "action": "create", "old_targets": null,
     "new_targets": [{"target": "v1", "weight": 1}], "resolved": null}]})");
  EXPECT_EQ(format_history(doc),
            "SEQ  TIME  BY  ACTION  CHANGE\n"
            "2    T2    ci  set     v1 -> v2  [b.gguf]\n"
            "1    T1    ci  create  (none) -> v1\n");
}

TEST(FormatModels, NamesTagsFilesAndTotalSize) {
  json doc = json::parse(R"({"models": [{"name": "m", "tags": [{"tag": "latest"}, {"tag": "v1"}],
                                         "files": [{"size": 1024}, {"size": 1024}]}]})");
  EXPECT_EQ(format_models(doc),
            "MODEL  TAGS       FILES  SIZE\n"
            "m      latest,v1  2      2.00 KiB\n");
  EXPECT_EQ(format_models(json::object()), "no models\n");
}

TEST(FormatModel, MarksATagPinningAnOlderVersionThanTheFilesCurrentOne) {
  json doc = json::parse(R"({"bucket": "models", "name": "m",
    "tags": [{"tag": "old", "targets": [{"target": "d/a.gguf", "weight": 1}],
              "resolved": {"key": "m/d/a.gguf", "sha256": "aaaaaaaaaaaaaaaa", "version_id": "null"}},
             {"tag": "new", "targets": [{"target": "d/a.gguf", "weight": 1}],
              "resolved": {"key": "m/d/a.gguf", "sha256": "bbbbbbbbbbbbbbbb", "version_id": "null"}}],
    "files": [{"key": "m/d/a.gguf", "path": "d/a.gguf", "size": 1, "version_id": "null",
               "sha256": "bbbbbbbbbbbbbbbb"}]})");
  const std::string text = format_model(doc);
  EXPECT_NE(text.find("old  -> d/a.gguf  d/a.gguf  ! pins an older version (sha256 aaaaaaaaaaaa); "
                      "the file's current one is sha256 bbbbbbbbbbbb"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("new  -> d/a.gguf  d/a.gguf  !"), std::string::npos) << text;
}

TEST(FormatModel, ShowsASnapshotTagsFilesAndWeights) {
  json doc = json::parse(R"({"bucket": "models", "name": "m",
    "tags": [{"tag": "latest", "targets": [{"target": "d/", "weight": 1}],
              "resolved": {"snapshot": {"id": "0123456789abcdef0123", "short_id": "0123456789ab",
                "file_count": 3, "size": 3072, "config": {"architectures": ["LlamaForCausalLM"]},
                "files": [
                  {"path": "config.json", "size": 1024, "sha256": "cccccccccccccccc"},
                  {"path": "model-00001-of-00002.safetensors", "size": 1024, "sha256": "dd",
                   "metadata": {"format": "safetensors", "parsed": true, "parameter_count": 1000,
                                "dtypes": {"BF16": 2}}},
                  {"path": "model-00002-of-00002.safetensors", "size": 1024, "sha256": "ee",
                   "metadata": {"format": "safetensors", "parsed": true, "parameter_count": 500,
                                "dtypes": {"BF16": 1}}}]}}}],
    "files": []})");
  const std::string text = format_model(doc);
  EXPECT_NE(text.find("latest  -> d/  snapshot 0123456789ab (3 files, 3.00 KiB)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("architecture  LlamaForCausalLM"), std::string::npos) << text;
  EXPECT_NE(text.find("weights       2 files, 1.5K params, dtype BF16"), std::string::npos)
      << text;
  EXPECT_NE(text.find("model-00002-of-00002.safetensors"), std::string::npos) << text;
}

TEST(FormatModel, MarksTheSnapshotFilesOverwrittenOrDeletedSinceTagging) {
  json doc = json::parse(R"({"bucket": "models", "name": "m",
    "tags": [{"tag": "latest", "targets": [{"target": "d/", "weight": 1}],
              "resolved": {"snapshot": {"id": "0123456789abcdef0123", "short_id": "0123456789ab",
                "file_count": 3, "size": 3,
                "files": [
                  {"path": "config.json", "key": "m/d/config.json", "size": 1,
                   "version_id": "null", "sha256": "aaaaaaaaaaaaaaaa"},
                  {"path": "kept.json", "key": "m/d/kept.json", "size": 1,
                   "version_id": "null", "sha256": "cccccccccccccccc"},
                  {"path": "gone.json", "key": "m/d/gone.json", "size": 1,
                   "version_id": "null", "sha256": "dddddddddddddddd"}]}}}],
    "files": [{"key": "m/d/config.json", "path": "d/config.json", "size": 1,
               "version_id": "null", "sha256": "bbbbbbbbbbbbbbbb"},
              {"key": "m/d/kept.json", "path": "d/kept.json", "size": 1,
               "version_id": "null", "sha256": "cccccccccccccccc"}]})");
  const std::string text = format_model(doc);
  EXPECT_NE(text.find("latest  -> d/  snapshot 0123456789ab (3 files, 3 B)  ! 2 files pin an "
                      "older version than the current one (marked below)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("config.json  1 B  sha256 aaaaaaaaaaaa    ! pins an older version (sha256 "
                      "aaaaaaaaaaaa); the file's current one is sha256 bbbbbbbbbbbb"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("gone.json    1 B  sha256 dddddddddddd    ! pins a version of a file "
                      "deleted since"),
            std::string::npos)
      << text;
  const size_t kept = text.find("    kept.json");
  ASSERT_NE(kept, std::string::npos) << text;
  EXPECT_EQ(text.substr(kept, text.find('\n', kept) - kept).find('!'), std::string::npos) << text;
}

TEST(FormatModel, TagsAndFilesWithMetadata) {
  json doc = json::parse(R"({"bucket": "models", "name": "m",
    "tags": [{"tag": "latest", "targets": [{"target": "v1", "weight": 1}],
              "resolved": {"key": "m/d/a.gguf"}}],
    "files": [{"key": "m/d/a.gguf", "path": "d/a.gguf", "size": 2048,
               "sha256": "0123456789abcdef", "metadata": {"format": "gguf", "parsed": true,
               "architecture": "llama", "parameter_count": 1500}}]})");
  EXPECT_EQ(format_model(doc),
            "m (bucket models)\n\ntags:\n  latest  -> v1  d/a.gguf\n\nfiles:\n"
            "  d/a.gguf  2.00 KiB  sha256 0123456789ab  llama 1.5K params\n");
}

TEST(FormatMetadata, UnparsedFilesSayWhy) {
  EXPECT_EQ(format_metadata(json::parse(R"({"format": "gguf", "parsed": false,
                                            "error": "bad magic"})")),
            "unparsed: bad magic");
  EXPECT_EQ(format_metadata(json()), "");
}

}  // namespace
}  // namespace moss::cli
