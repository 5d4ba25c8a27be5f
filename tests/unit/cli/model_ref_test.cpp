#include "moss/cli/model_ref.h"

#include <gtest/gtest.h>

namespace moss::cli {
namespace {

TEST(ParseModelRef, ModelAndTag) {
  auto ref = parse_model_ref("llama-3-8b:latest", "");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->model, "llama-3-8b");
  EXPECT_EQ(ref->tag, "latest");
}

TEST(ParseModelRef, ModelPathMayHoldSlashes) {
  auto ref = parse_model_ref("meta-llama/llama-3-8b:v2", "");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->model, "meta-llama/llama-3-8b");
  EXPECT_EQ(ref->tag, "v2");
}

TEST(ParseModelRef, MissingTagTakesTheDefault) {
  auto ref = parse_model_ref("llama-3-8b", "latest");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->tag, "latest");
}

TEST(ParseModelRef, MissingTagWithoutDefaultIsRefused) {
  std::string why;
  EXPECT_FALSE(parse_model_ref("llama-3-8b", "", &why));
  EXPECT_NE(why.find("MODEL:TAG"), std::string::npos);
}

TEST(ParseModelRef, AColonBeforeASlashBelongsToTheModel) {
  auto ref = parse_model_ref("org:team/llama", "latest");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->model, "org:team/llama");
  EXPECT_EQ(ref->tag, "latest");
}

TEST(ParseModelRef, EmptyPartsAreRefused) {
  EXPECT_FALSE(parse_model_ref("llama:", "latest"));
  EXPECT_FALSE(parse_model_ref(":latest", "latest"));
  EXPECT_FALSE(parse_model_ref("", "latest"));
  EXPECT_FALSE(parse_model_ref("/llama:v1", "latest"));
  EXPECT_FALSE(parse_model_ref("llama/:v1", "latest"));
}

TEST(ParseTarget, PlainTargetWeighsOne) {
  auto t = parse_target("v2");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->target, "v2");
  EXPECT_EQ(t->weight, 1);
}

TEST(ParseTarget, WeightAfterTheLastEquals) {
  auto t = parse_target("v2=10");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->target, "v2");
  EXPECT_EQ(t->weight, 10);
}

TEST(ParseTarget, FilePathTargetsAreKeptWhole) {
  auto t = parse_target("2024-03-20/llama-3-8b.Q5_K_M.gguf");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->target, "2024-03-20/llama-3-8b.Q5_K_M.gguf");
}

TEST(ParseTarget, BadWeightsAreRefused) {
  std::string why;
  EXPECT_FALSE(parse_target("v2=0", &why));
  EXPECT_NE(why.find("positive integer"), std::string::npos);
  EXPECT_FALSE(parse_target("v2=-1"));
  EXPECT_FALSE(parse_target("v2=1.5"));
  EXPECT_FALSE(parse_target("v2="));
  EXPECT_FALSE(parse_target("=10"));
}

TEST(ParseTargets, SeveralTargetsMustAllBeWeighted) {
  auto targets = parse_targets({"v2=10", "v1=90"});
  ASSERT_TRUE(targets);
  ASSERT_EQ(targets->size(), 2u);
  EXPECT_EQ((*targets)[1].target, "v1");
  EXPECT_EQ((*targets)[1].weight, 90);
  std::string why;
  EXPECT_FALSE(parse_targets({"v2", "v1=90"}, &why));
  EXPECT_NE(why.find("weight"), std::string::npos);
}

TEST(ParseTargets, RepeatedOrNoTargetsAreRefused) {
  EXPECT_FALSE(parse_targets({"v2=10", "v2=90"}));
  EXPECT_FALSE(parse_targets({}));
}

TEST(Dates, ValidCalendarDatesOnly) {
  EXPECT_TRUE(is_valid_date("2024-03-20"));
  EXPECT_TRUE(is_valid_date("2024-02-29"));
  EXPECT_FALSE(is_valid_date("2023-02-29"));
  EXPECT_FALSE(is_valid_date("2024-13-01"));
  EXPECT_FALSE(is_valid_date("2024-3-20"));
  EXPECT_FALSE(is_valid_date("20240320"));
  EXPECT_FALSE(is_valid_date("2024-03-2x"));
}

TEST(Dates, UtcDateOfUnixTime) {
  EXPECT_EQ(utc_date(0), "1970-01-01");
  EXPECT_EQ(utc_date(1710929999), "2024-03-20");  // 2024-03-20T10:19:59Z
}

TEST(DatedKey, ModelDateAndTheFileBasename) {
  EXPECT_EQ(dated_key("llama-3-8b", "2024-03-20", "./build/llama-3-8b.Q5_K_M.gguf"),
            "llama-3-8b/2024-03-20/llama-3-8b.Q5_K_M.gguf");
  EXPECT_EQ(dated_path("2024-03-20", "model.gguf"), "2024-03-20/model.gguf");
}

}  // namespace
}  // namespace moss::cli
