#include "moss/audit/audit_query.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "audit/audit_files.h"
#include "unit/audit/audit_test_files.h"
#include "unit/store/temp_dir.h"

namespace moss {
namespace {

using testing::kSecond;
using testing::kTestNow;
using testing::read_event;

std::vector<std::string> keys_of(const AuditQueryResult& result) {
  std::vector<std::string> keys;
  for (const auto& e : result.events) keys.push_back(e.key);
  return keys;
}

class AuditQuery : public ::testing::Test {
 protected:
  std::string current() const { return audit_files::current_file_path(dir_.path()); }
  std::string rotated(int64_t at_ns, uint64_t sequence) const {
    return dir_.path() + "/" + audit_files::rotated_file_name(at_ns, sequence);
  }
  AuditQueryResult query(AuditFilter filter) const { return query_audit_log(dir_.path(), filter); }

  testing::TempDir dir_;
};

TEST_F(AuditQuery, ModelMatchesTheAskedForOrResolvedKeyUnderIt) {
  AuditEvent by_tag = read_event(kTestNow, "llama-3-8b:v2");
  by_tag.resolved_key = "llama-3-8b/2024/model.gguf";
  AuditEvent direct = read_event(kTestNow + 1, "llama-3-8b/2024/model.gguf");
  AuditEvent sibling = read_event(kTestNow + 2, "llama-3-8b-instruct/model.gguf");
  AuditEvent bare = read_event(kTestNow + 3, "llama-3-8b");
  testing::append_events(current(), {by_tag, direct, sibling, bare});
  AuditFilter filter;
  filter.model = "llama-3-8b";
  filter.order = AuditOrder::kOldestFirst;
  EXPECT_EQ(keys_of(query(filter)),
            (std::vector<std::string>{"llama-3-8b:v2", "llama-3-8b/2024/model.gguf"}));
}

TEST_F(AuditQuery, TagMatchesAnyStepOfTheChain) {
  AuditEvent via_latest = read_event(kTestNow, "m:latest");
  via_latest.tag_chain = {"latest", "v2", "m/2.gguf"};
  AuditEvent via_v2 = read_event(kTestNow + 1, "m:v2");
  via_v2.tag_chain = {"v2", "m/2.gguf"};
  AuditEvent v1 = read_event(kTestNow + 2, "m:v1");
  v1.tag_chain = {"v1", "m/1.gguf"};
  testing::append_events(current(), {via_latest, via_v2, v1});
  AuditFilter filter;
  filter.tag = "v2";
  EXPECT_EQ(keys_of(query(filter)), (std::vector<std::string>{"m:v2", "m:latest"}));
}

TEST_F(AuditQuery, KeyFilterMatchesNameOrAccessKeyId) {
  testing::append_events(
      current(), {read_event(kTestNow, "m/a", "alice"), read_event(kTestNow + 1, "m/b", "bob"),
                  read_event(kTestNow + 2, "m/c", "alice")});
  AuditFilter by_name;
  by_name.key_name = "alice";
  EXPECT_EQ(keys_of(query(by_name)), (std::vector<std::string>{"m/c", "m/a"}));
  AuditFilter by_id;
  by_id.key_name = "AKIAbob";
  EXPECT_EQ(keys_of(query(by_id)), (std::vector<std::string>{"m/b"}));
}

TEST_F(AuditQuery, SinceAndUntilBoundTheTime) {
  testing::append_events(
      current(), {read_event(kTestNow - 2 * kSecond, "m/old"), read_event(kTestNow, "m/now"),
                  read_event(kTestNow + 2 * kSecond, "m/later")});
  AuditFilter filter;
  filter.since_ns = kTestNow;
  EXPECT_EQ(keys_of(query(filter)), (std::vector<std::string>{"m/later", "m/now"}));
  filter.until_ns = kTestNow + 2 * kSecond;  // exclusive
  EXPECT_EQ(keys_of(query(filter)), (std::vector<std::string>{"m/now"}));
}

TEST_F(AuditQuery, ReadsRotatedFilesAndTheCurrentOneInWriteOrder) {
  testing::append_events(rotated(kTestNow + 10 * kSecond, 1),
                         {read_event(kTestNow, "m/1"), read_event(kTestNow + 1, "m/2")});
  testing::append_events(rotated(kTestNow + 20 * kSecond, 2), {read_event(kTestNow + 11, "m/3")});
  testing::append_events(current(), {read_event(kTestNow + 21, "m/4")});
  AuditFilter filter;
  filter.order = AuditOrder::kOldestFirst;
  EXPECT_EQ(keys_of(query(filter)), (std::vector<std::string>{"m/1", "m/2", "m/3", "m/4"}));
  filter.order = AuditOrder::kNewestFirst;
  EXPECT_EQ(keys_of(query(filter)), (std::vector<std::string>{"m/4", "m/3", "m/2", "m/1"}));
}

TEST_F(AuditQuery, SinceSkipsFilesRotatedBeforeIt) {
  // This file's event claims a time after the file's rotation, which the
  // writer never produces; seeing it left out shows the file was not opened.
  testing::append_events(rotated(kTestNow - 3600 * kSecond, 1),
                         {read_event(kTestNow + 5 * kSecond, "m/impossible")});
  testing::append_events(current(), {read_event(kTestNow + 6 * kSecond, "m/real")});
  AuditFilter filter;
  filter.since_ns = kTestNow;
  EXPECT_EQ(keys_of(query(filter)), (std::vector<std::string>{"m/real"}));
}

TEST_F(AuditQuery, MalformedAndOverlongLinesAreSkippedAndCounted) {
  testing::append_events(current(), {read_event(kTestNow, "m/1")});
  testing::append_text(current(), "garbage\n{\"time_ns\":\"x\"}\n\n");
  testing::append_text(current(), std::string(kMaxAuditLineBytes + 10, 'z') + "\n");
  testing::append_events(current(), {read_event(kTestNow + 1, "m/2")});
  AuditFilter filter;
  filter.order = AuditOrder::kOldestFirst;
  auto result = query(filter);
  EXPECT_EQ(keys_of(result), (std::vector<std::string>{"m/1", "m/2"}));
  EXPECT_EQ(result.malformed_lines, 3u);  // the empty line is not counted
}

TEST_F(AuditQuery, AnUnterminatedLastLineIsLeftForTheNextQuery) {
  testing::append_events(current(), {read_event(kTestNow, "m/1")});
  std::string next = audit_event_line(read_event(kTestNow + 1, "m/2"));
  testing::append_text(current(), next.substr(0, next.size() / 2));  // a write in progress
  auto result = query({});
  EXPECT_EQ(keys_of(result), (std::vector<std::string>{"m/1"}));
  EXPECT_EQ(result.malformed_lines, 0u);
}

TEST_F(AuditQuery, NewestFirstLimitKeepsTheNewestAcrossFiles) {
  testing::append_events(rotated(kTestNow + 10 * kSecond, 1),
                         {read_event(kTestNow, "m/1"), read_event(kTestNow + 1, "m/2")});
  testing::append_events(current(), {read_event(kTestNow + 11 * kSecond, "m/3"),
                                     read_event(kTestNow + 12 * kSecond, "m/4")});
  AuditFilter filter;
  filter.limit = 3;
  auto result = query(filter);
  EXPECT_EQ(keys_of(result), (std::vector<std::string>{"m/4", "m/3", "m/2"}));
  EXPECT_TRUE(result.truncated);
  filter.limit = 4;
  result = query(filter);
  EXPECT_EQ(result.events.size(), 4u);
  EXPECT_FALSE(result.truncated);
}

TEST_F(AuditQuery, OldestFirstLimitKeepsTheOldest) {
  std::vector<AuditEvent> events;
  for (int i = 0; i < 10; ++i) events.push_back(read_event(kTestNow + i, "m/" + std::to_string(i)));
  testing::append_events(current(), events);
  AuditFilter filter;
  filter.order = AuditOrder::kOldestFirst;
  filter.limit = 2;
  auto result = query(filter);
  EXPECT_EQ(keys_of(result), (std::vector<std::string>{"m/0", "m/1"}));
  EXPECT_TRUE(result.truncated);
  filter.limit = 0;  // clamped to one
  result = query(filter);
  EXPECT_EQ(keys_of(result), (std::vector<std::string>{"m/0"}));
  EXPECT_TRUE(result.truncated);
}

TEST_F(AuditQuery, AMissingDirectoryHasNoEvents) {
  auto result = query_audit_log(dir_.path() + "/never-made", {});
  EXPECT_TRUE(result.events.empty());
  EXPECT_FALSE(result.truncated);
}

TEST_F(AuditQuery, JsonRenderingListsEventsAndTruncation) {
  AuditQueryResult result;
  result.events = {read_event(kTestNow, "m/1", "alice")};
  result.truncated = true;
  result.malformed_lines = 2;
  auto doc = nlohmann::json::parse(render_audit_json(result));
  ASSERT_EQ(doc["events"].size(), 1u);
  EXPECT_EQ(doc["events"][0]["key"], "m/1");
  EXPECT_EQ(doc["events"][0]["key_name"], "alice");
  EXPECT_EQ(doc["events"][0]["time"], "2024-12-05T19:39:58.000000000Z");
  EXPECT_EQ(doc["truncated"], true);
  EXPECT_EQ(doc["malformed_lines"], 2);
}

TEST_F(AuditQuery, TableShowsOneRowPerEventAndNoControlCharacters) {
  AuditEvent event = read_event(kTestNow, "llama:v2", "alice");
  event.resolved_key = "llama/2024/model.gguf";
  event.client_id = "evil\x1b[2Jclient";
  AuditEvent anonymous = read_event(kTestNow + 1, "llama/x", "");
  anonymous.access_key_id = "";
  anonymous.client_id = "";
  AuditQueryResult result;
  result.events = {event, anonymous};
  result.truncated = true;
  const std::string table = render_audit_table(result);
  EXPECT_EQ(table.find('\x1b'), std::string::npos);
  EXPECT_NE(table.find("evil?[2Jclient"), std::string::npos);
  EXPECT_NE(table.find("TIME"), std::string::npos);
  EXPECT_NE(table.find("2024-12-05T19:39:58Z"), std::string::npos);
  EXPECT_NE(table.find("models/llama:v2"), std::string::npos);
  EXPECT_NE(table.find("llama/2024/model.gguf"), std::string::npos);
  EXPECT_NE(table.find("9f86d081884c "), std::string::npos);  // the hash cut to 12 characters
  EXPECT_EQ(table.find("9f86d081884c7"), std::string::npos);
  EXPECT_NE(table.find("4096"), std::string::npos);
  EXPECT_NE(table.find("only the first 2"), std::string::npos);
  auto lines = std::count(table.begin(), table.end(), '\n');
  EXPECT_EQ(lines, 4);  // header, two rows, the truncation note
}

TEST_F(AuditQuery, TagChangesShowTheTargetMove) {
  AuditEvent change = read_event(kTestNow, "llama:prod", "alice");
  change.kind = std::string(kAuditKindTagChange);
  change.old_target = "llama/v1.gguf";
  change.new_target = "llama/v2.gguf";
  AuditQueryResult result;
  result.events = {change};
  EXPECT_NE(render_audit_table(result).find("llama/v1.gguf -> llama/v2.gguf"), std::string::npos);
  AuditFilter reads;
  reads.kind = "read";
  EXPECT_FALSE(audit_event_matches(change, reads));
}

}  // namespace
}  // namespace moss
