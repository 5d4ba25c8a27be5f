#include "moss/models/tag_target.h"

#include <gtest/gtest.h>

namespace moss::models {
namespace {

TEST(ParseTargetRequest, ABareTargetIgnoresSurroundingWhitespace) {
  auto r = parse_target_request("  2024-03-20/llama-3-8b.Q5_K_M.gguf\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].target, "2024-03-20/llama-3-8b.Q5_K_M.gguf");
  EXPECT_EQ((*r)[0].weight, 1u);
}

TEST(ParseTargetRequest, JsonWithOneTarget) {
  auto r = parse_target_request(R"({"target": "v2"})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].target, "v2");
}

TEST(ParseTargetRequest, JsonWithWeightedTargets) {
  auto r = parse_target_request(
      R"({"targets": [{"target": "v2", "weight": 10}, {"target": "v1", "weight": 90}]})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].target, "v2");
  EXPECT_EQ((*r)[0].weight, 10u);
  EXPECT_EQ((*r)[1].target, "v1");
  EXPECT_EQ((*r)[1].weight, 90u);
}

TEST(ParseTargetRequest, AMissingWeightIsOne) {
  auto r = parse_target_request(R"({"targets": [{"target": "a"}, {"target": "b", "weight": 3}]})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].weight, 1u);
}

TEST(ParseTargetRequest, WeightsMustBePositiveIntegers) {
  for (const char* body : {
           R"({"targets": [{"target": "a", "weight": 0}]})",
           R"({"targets": [{"target": "a", "weight": -5}]})",
           R"({"targets": [{"target": "a", "weight": 2.5}]})",
           R"({"targets": [{"target": "a", "weight": "10"}]})",
           R"({"targets": [{"target": "a", "weight": 1000001}]})",
       }) {
    auto r = parse_target_request(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().code, ModelErrc::kInvalidArgument) << body;
  }
}

TEST(ParseTargetRequest, MalformedDocumentsAreInvalidArguments) {
  for (const char* body : {
           R"({"target": )",
           R"({})",
           R"({"target": "a", "targets": []})",
           R"({"targets": []})",
           R"({"targets": ["a"]})",
           R"({"targets": [{"weight": 1}]})",
           R"({"target": 7})",
           R"({"targets": [{"target": "a"}, {"target": "a"}]})",
       }) {
    auto r = parse_target_request(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().code, ModelErrc::kInvalidArgument) << body;
  }
}

TEST(ParseTargetRequest, TooManyTargetsAreRefused) {
  std::string body = R"({"targets": [)";
  for (size_t i = 0; i <= kMaxTagTargets; ++i) {
    body += (i ? "," : "") + std::string(R"({"target": "t)") + std::to_string(i) + "\"}";
  }
  body += "]}";
  auto r = parse_target_request(body);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ModelErrc::kInvalidArgument);
}

TEST(ParseTargetRequest, BadTargetPathsAreInvalidTagTargets) {
  for (const char* body : {"", "   \n", "/abs/path.gguf", "../other/model.gguf", "a//b.gguf",
                           "a/./b.gguf", "dir//", "/", R"({"target": "x\u0001y"})"}) {
    auto r = parse_target_request(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().code, ModelErrc::kInvalidTagTarget) << body;
  }
  EXPECT_FALSE(parse_target_request(std::string(kMaxTargetBytes + 1, 'a')).ok());
}

TEST(ParseTargetRequest, ATrailingSlashNamesADirectory) {
  auto r = parse_target_request("2024-03-20/\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].target, "2024-03-20/");
  EXPECT_TRUE(names_directory((*r)[0].target));
  EXPECT_FALSE(names_directory("2024-03-20/x.gguf"));
}

TEST(TargetsJson, RoundTripsKindsPinsAndWeights) {
  std::vector<TagTarget> targets = {
      {"v2", 10, TargetKind::kTag, "", ""},
      {"2024-01-15/x.gguf", 90, TargetKind::kFile, "3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrH", "ab12"},
  };
  auto back = targets_from_json(targets_to_json(targets));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, targets);
}

}  // namespace
}  // namespace moss::models
