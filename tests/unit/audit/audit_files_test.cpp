#include "audit/audit_files.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "unit/audit/audit_test_files.h"
#include "unit/store/temp_dir.h"

namespace moss::audit_files {
namespace {

using moss::testing::kSecond;
using moss::testing::kTestNow;

void touch(const std::string& path) { moss::testing::append_text(path, ""); }

std::vector<std::string> names_of(const std::vector<RotatedFile>& files) {
  std::vector<std::string> names;
  for (const auto& f : files) names.push_back(std::filesystem::path(f.path).filename().string());
  return names;
}

TEST(AuditFiles, RotatedNameCarriesTimeAndSequence) {
  const std::string name = rotated_file_name(kTestNow + 999'999'999, 42);
  EXPECT_EQ(name, "audit-20241205T193958Z-000042.jsonl");
  auto parsed = parse_rotated_file_name(name);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->rotated_at_ns, kTestNow);  // to the second
  EXPECT_EQ(parsed->sequence, 42u);
  EXPECT_FALSE(parse_rotated_file_name("audit.jsonl"));
  EXPECT_FALSE(parse_rotated_file_name("audit-20241305T193958Z-000001.jsonl"));  // month 13
  EXPECT_FALSE(parse_rotated_file_name("audit-20241205T193958Z-.jsonl"));
  EXPECT_FALSE(parse_rotated_file_name("audit-20241205T193958Z-000001.jsonl.tmp"));
}

TEST(AuditFiles, ListingSkipsOtherFilesAndOrdersBySequence) {
  moss::testing::TempDir dir;
  touch(dir.path() + "/" + rotated_file_name(kTestNow, 10));
  touch(dir.path() + "/" + rotated_file_name(kTestNow - 3600 * kSecond, 9));
  touch(dir.path() + "/" +
        rotated_file_name(kTestNow - 7200 * kSecond, 100));  // clock stepped back
  touch(dir.path() + "/audit.jsonl");
  touch(dir.path() + "/notes.txt");
  EXPECT_EQ(names_of(list_rotated_files(dir.path())),
            (std::vector<std::string>{"audit-20241205T183958Z-000009.jsonl",
                                      "audit-20241205T193958Z-000010.jsonl",
                                      "audit-20241205T173958Z-000100.jsonl"}));
  EXPECT_TRUE(list_rotated_files(dir.path() + "/missing").empty());
}

TEST(AuditFiles, RetentionRemovesFilesRotatedBeforeTheWindow) {
  moss::testing::TempDir dir;
  const int64_t day = 86400 * kSecond;
  touch(dir.path() + "/" + rotated_file_name(kTestNow - 40 * day, 1));
  touch(dir.path() + "/" + rotated_file_name(kTestNow - 31 * day, 2));
  touch(dir.path() + "/" + rotated_file_name(kTestNow - 29 * day, 3));
  touch(dir.path() + "/" + rotated_file_name(kTestNow, 4));
  touch(dir.path() + "/audit.jsonl");
  EXPECT_EQ(remove_expired_files(dir.path(), kTestNow, std::chrono::hours(24 * 30), 0), 2u);
  auto left = list_rotated_files(dir.path());
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].sequence, 3u);
  EXPECT_EQ(left[1].sequence, 4u);
  EXPECT_TRUE(std::filesystem::exists(current_file_path(dir.path())));
  // A zero retention keeps files of any age.
  EXPECT_EQ(remove_expired_files(dir.path(), kTestNow + 1000 * day, std::chrono::seconds(0), 0),
            0u);
}

TEST(AuditFiles, RetentionKeepsAtMostMaxFilesNewestFirst) {
  moss::testing::TempDir dir;
  for (uint64_t seq = 1; seq <= 5; ++seq) {
    touch(dir.path() + "/" + rotated_file_name(kTestNow, seq));
  }
  EXPECT_EQ(remove_expired_files(dir.path(), kTestNow, std::chrono::hours(24), 2), 3u);
  auto left = list_rotated_files(dir.path());
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].sequence, 4u);
  EXPECT_EQ(left[1].sequence, 5u);
}

}  // namespace
}  // namespace moss::audit_files
