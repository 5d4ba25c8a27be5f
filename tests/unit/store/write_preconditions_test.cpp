#include <gtest/gtest.h>

#include "moss/store/metadata_store.h"

namespace moss::store {
namespace {

ObjectVersion object_with_etag(std::string etag) {
  ObjectVersion v;
  v.etag = std::move(etag);
  return v;
}

ObjectVersion delete_marker() {
  ObjectVersion v;
  v.is_delete_marker = true;
  return v;
}

WritePreconditions if_match(std::string value) {
  WritePreconditions pre;
  pre.if_match = std::move(value);
  return pre;
}

WritePreconditions if_none_match(std::string value) {
  WritePreconditions pre;
  pre.if_none_match = std::move(value);
  return pre;
}

TEST(WritePreconditions, NoConditionAlwaysHolds) {
  const auto current = object_with_etag("e1");
  EXPECT_EQ(violated_precondition({}, nullptr), std::nullopt);
  EXPECT_EQ(violated_precondition({}, &current), std::nullopt);
}

TEST(WritePreconditions, IfMatchWithoutACurrentObjectIsNoSuchKey) {
  const auto marker = delete_marker();
  EXPECT_EQ(violated_precondition(if_match("*"), nullptr), StoreErrc::kNoSuchKey);
  EXPECT_EQ(violated_precondition(if_match("e1"), nullptr), StoreErrc::kNoSuchKey);
  EXPECT_EQ(violated_precondition(if_match("*"), &marker), StoreErrc::kNoSuchKey);
}

TEST(WritePreconditions, IfMatchHoldsForStarOrTheCurrentETagOnly) {
  const auto current = object_with_etag("e1");
  EXPECT_EQ(violated_precondition(if_match("*"), &current), std::nullopt);
  EXPECT_EQ(violated_precondition(if_match("e1"), &current), std::nullopt);
  EXPECT_EQ(violated_precondition(if_match("e2"), &current), StoreErrc::kPreconditionFailed);
}

TEST(WritePreconditions, IfNoneMatchFailsOnlyForAMatchingCurrentObject) {
  const auto current = object_with_etag("e1");
  const auto marker = delete_marker();
  EXPECT_EQ(violated_precondition(if_none_match("*"), &current), StoreErrc::kPreconditionFailed);
  EXPECT_EQ(violated_precondition(if_none_match("e1"), &current), StoreErrc::kPreconditionFailed);
  EXPECT_EQ(violated_precondition(if_none_match("e2"), &current), std::nullopt);
  EXPECT_EQ(violated_precondition(if_none_match("*"), nullptr), std::nullopt);
  EXPECT_EQ(violated_precondition(if_none_match("e1"), &marker), std::nullopt);
}

}  // namespace
}  // namespace moss::store
