#include "moss/store/lifecycle_policy.h"

#include <gtest/gtest.h>

namespace moss::store {
namespace {

constexpr int64_t kHour = 3'600'000'000'000;
constexpr int64_t kDay = kNanosPerDay;
// 2014-01-15T00:00:00Z, the day of S3's own rounding example.
constexpr int64_t kJan15 = int64_t{1389744000} * 1'000'000'000;

TEST(LifecycleDue, RoundsUpToTheNextMidnightUtcAsS3Does) {
  // Written 2014-01-15 10:30 UTC, 3 days: due 2014-01-19 00:00 UTC.
  EXPECT_EQ(lifecycle_due_ns(kJan15 + 10 * kHour + kHour / 2, 3), kJan15 + 4 * kDay);
  // Exactly at midnight: due exactly N days later.
  EXPECT_EQ(lifecycle_due_ns(kJan15, 3), kJan15 + 3 * kDay);
  EXPECT_EQ(lifecycle_due_ns(kJan15 + 1, 1), kJan15 + 2 * kDay);
}

TEST(LifecycleDue, ATimePastInt64NanosecondsIsNeverDueNotWrappedIntoThePast) {
  // Today plus about 86,700 days is past 2262: the sum no longer fits.
  const int64_t today = int64_t{1'760'000'000} * 1'000'000'000;
  EXPECT_EQ(lifecycle_due_ns(today, 100'000), kNeverDueNs);
  EXPECT_EQ(lifecycle_due_ns(today, INT32_MAX), kNeverDueNs);
  EXPECT_EQ(lifecycle_due_ns(kNeverDueNs - kHour, 1), kNeverDueNs);
  // Rounding up to midnight must not wrap either.
  EXPECT_EQ(lifecycle_due_ns(kNeverDueNs - kDay - 1, 1), kNeverDueNs);
  // Still exact just below the limit.
  EXPECT_EQ(lifecycle_due_ns(today, 80'000) - today, 80'001 * kDay - today % kDay);
}

LifecycleRule noncurrent_rule(int days, std::optional<int> keep = std::nullopt,
                              std::string prefix = "") {
  LifecycleRule r;
  r.id = "r";
  r.prefix = std::move(prefix);
  r.noncurrent_days = days;
  r.newer_noncurrent_versions = keep;
  return r;
}

// Versions of "k" newest first: the latest written at `t0 + n` days, each older one a day
// earlier; each noncurrent one became noncurrent when the next was written.
std::vector<ObjectVersion> history(int n, int64_t t0, bool latest_is_marker = false) {
  std::vector<ObjectVersion> out;
  for (int i = 0; i < n; ++i) {
    ObjectVersion v;
    v.key = "k";
    v.version_id = "v" + std::to_string(n - i);
    v.is_latest = i == 0;
    v.is_delete_marker = i == 0 && latest_is_marker;
    v.last_modified_ns = t0 + (n - i) * kDay;
    v.noncurrent_since_ns = i == 0 ? 0 : t0 + (n - i + 1) * kDay;
    out.push_back(v);
  }
  return out;
}

std::vector<std::string> ids(const std::vector<ExpiryTarget>& targets) {
  std::vector<std::string> out;
  for (const auto& t : targets) out.push_back(t.version_id);
  return out;
}

TEST(PlanKeyExpiries, NewerNoncurrentVersionsKeepsTheNewestNoncurrentOnes) {
  auto versions = history(5, kJan15);  // v5 latest; v4..v1 noncurrent
  auto targets = plan_key_expiries({noncurrent_rule(1, 2)}, versions, kJan15 + 100 * kDay);
  EXPECT_EQ(ids(targets), (std::vector<std::string>{"v2", "v1"}));
  for (const auto& t : targets) EXPECT_EQ(t.kind, ExpiryKind::kNoncurrentVersion);
}

TEST(PlanKeyExpiries, NoncurrentDaysCountFromWhenTheVersionBecameNoncurrent) {
  auto versions = history(3, kJan15);  // v2 noncurrent since Jan 18 00:00, v1 since Jan 17
  auto rules = std::vector<LifecycleRule>{noncurrent_rule(2)};
  EXPECT_TRUE(plan_key_expiries(rules, versions, kJan15 + 4 * kDay - 1).empty());
  EXPECT_EQ(ids(plan_key_expiries(rules, versions, kJan15 + 4 * kDay)),
            (std::vector<std::string>{"v1"}));
  EXPECT_EQ(ids(plan_key_expiries(rules, versions, kJan15 + 5 * kDay)),
            (std::vector<std::string>{"v2", "v1"}));
}

TEST(PlanKeyExpiries, RulesApplyOnlyToKeysWithTheirPrefixAndWhenEnabled) {
  auto versions = history(3, kJan15);
  EXPECT_TRUE(
      plan_key_expiries({noncurrent_rule(1, std::nullopt, "other/")}, versions, kJan15 + 99 * kDay)
          .empty());
  auto disabled = noncurrent_rule(1);
  disabled.enabled = false;
  EXPECT_TRUE(plan_key_expiries({disabled}, versions, kJan15 + 99 * kDay).empty());
  EXPECT_EQ(plan_key_expiries({noncurrent_rule(1, std::nullopt, "k")}, versions, kJan15 + 99 * kDay)
                .size(),
            2u);
}

TEST(PlanKeyExpiries, ExpirationExpiresTheCurrentVersionOnItsDay) {
  auto versions = history(1, kJan15);  // v1 written Jan 16 00:00
  LifecycleRule r;
  r.expiration_days = 1;
  EXPECT_TRUE(plan_key_expiries({r}, versions, kJan15 + 2 * kDay - 1).empty());
  auto targets = plan_key_expiries({r}, versions, kJan15 + 2 * kDay);
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0].kind, ExpiryKind::kCurrentVersion);
  EXPECT_EQ(targets[0].version_id, "v1");

  LifecycleRule dated;
  dated.expiration_date_ns = kJan15 + 30 * kDay;
  EXPECT_TRUE(plan_key_expiries({dated}, versions, kJan15 + 30 * kDay - 1).empty());
  EXPECT_EQ(plan_key_expiries({dated}, versions, kJan15 + 30 * kDay).size(), 1u);
}

TEST(PlanKeyExpiries, ExpiredObjectDeleteMarkerRemovesAMarkerLeftAlone) {
  LifecycleRule r;
  r.expired_object_delete_marker = true;
  auto alone = history(1, kJan15, true);
  auto targets = plan_key_expiries({r}, alone, kJan15 + 2 * kDay);
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0].kind, ExpiryKind::kExpiredDeleteMarker);
  // A marker with versions behind it stays.
  EXPECT_TRUE(plan_key_expiries({r}, history(2, kJan15, true), kJan15 + 99 * kDay).empty());
  // ... unless the same run expires them all.
  r.noncurrent_days = 1;
  auto all = plan_key_expiries({r}, history(3, kJan15, true), kJan15 + 99 * kDay);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all.back().kind, ExpiryKind::kExpiredDeleteMarker);
}

TEST(PlanKeyExpiries, ExpirationDaysAlsoRemovesAnOldEnoughLoneMarker) {
  LifecycleRule r;
  r.expiration_days = 3;
  auto alone = history(1, kJan15, true);  // marker written Jan 16 00:00
  EXPECT_TRUE(plan_key_expiries({r}, alone, kJan15 + 4 * kDay - 1).empty());
  auto targets = plan_key_expiries({r}, alone, kJan15 + 4 * kDay);
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0].kind, ExpiryKind::kExpiredDeleteMarker);
}

TEST(PlanKeyExpiries, OverlappingRulesExpireAVersionOnce) {
  auto versions = history(4, kJan15);
  auto targets =
      plan_key_expiries({noncurrent_rule(1), noncurrent_rule(1, 1)}, versions, kJan15 + 99 * kDay);
  EXPECT_EQ(ids(targets), (std::vector<std::string>{"v3", "v2", "v1"}));
}

TEST(UploadExpired, CountsDaysFromInitiation) {
  LifecycleRule r;
  r.prefix = "big/";
  r.abort_upload_days = 2;
  EXPECT_FALSE(upload_expired({r}, "big/a", kJan15 + kHour, kJan15 + 3 * kDay - 1));
  EXPECT_TRUE(upload_expired({r}, "big/a", kJan15 + kHour, kJan15 + 3 * kDay));
  EXPECT_FALSE(upload_expired({r}, "small/a", kJan15, kJan15 + 99 * kDay));
}

TEST(LifecycleDue, RulesOfHugeDayCountsExpireNothingToday) {
  const int64_t today = int64_t{1'760'000'000} * 1'000'000'000;
  LifecycleRule r;
  r.expiration_days = 100'000;
  r.noncurrent_days = 100'000;
  r.abort_upload_days = 100'000;
  auto versions = history(3, today - 10 * kDay);
  EXPECT_TRUE(plan_key_expiries({r}, versions, today).empty());
  EXPECT_FALSE(upload_expired({r}, "k", today - kDay, today));
}

}  // namespace
}  // namespace moss::store
