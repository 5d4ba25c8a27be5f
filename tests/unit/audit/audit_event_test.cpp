#include "moss/audit/audit_event.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "unit/audit/audit_test_files.h"

namespace moss {
namespace {

using testing::kTestNow;
using testing::read_event;

TEST(AuditEvent, LineIsOneObjectWithNoRawNewlineInside) {
  AuditEvent event = read_event(kTestNow, "llama/x.gguf");
  event.client_id = "evil\nclient\r\n{\"forged\":true}";
  event.key = "line\nbreak";
  std::string line = audit_event_line(event);
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
  EXPECT_EQ(line.find('\r'), std::string::npos);
  auto parsed = parse_audit_event(std::string_view(line).substr(0, line.size() - 1));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->client_id, event.client_id);
  EXPECT_EQ(parsed->key, event.key);
}

TEST(AuditEvent, QuotesAndBackslashesSurviveTheRoundTrip) {
  AuditEvent event = read_event(kTestNow, R"(we"ird\key/"x".bin)");
  event.remote = R"(\\server\")";
  auto parsed = parse_audit_event(audit_event_line(event));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->key, event.key);
  EXPECT_EQ(parsed->remote, event.remote);
}

TEST(AuditEvent, InvalidUtf8IsReplacedInsteadOfThrowing) {
  AuditEvent event = read_event(kTestNow, "model/\xff\xfe.bin");
  event.client_id = "ok-\xc3";  // a sequence cut short
  std::string line;
  ASSERT_NO_THROW(line = audit_event_line(event));
  auto parsed = parse_audit_event(line);
  ASSERT_TRUE(parsed);
  EXPECT_NE(parsed->key.find("\xEF\xBF\xBD"), std::string::npos);  // U+FFFD
  EXPECT_EQ(parsed->key.find('\xff'), std::string::npos);
  EXPECT_TRUE(parsed->key.starts_with("model/"));
  EXPECT_TRUE(parsed->key.ends_with(".bin"));
  EXPECT_TRUE(parsed->client_id.starts_with("ok-"));
  EXPECT_NE(parsed->client_id, event.client_id);
}

TEST(AuditEvent, EveryFieldRoundTrips) {
  AuditEvent event = read_event(kTestNow + 123456789, "llama-3-8b:v2", "alice");
  event.tag_chain = {"v2", "2024-03-20/llama.gguf"};
  event.resolved_key = "llama-3-8b/2024-03-20/llama.gguf";
  event.bytes_sent = 16ull << 30;
  event.status = 206;
  auto parsed = parse_audit_event(audit_event_line(event));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, event);
}

TEST(AuditEvent, TimeIsRenderedAsRfc3339WithNanoseconds) {
  auto json = audit_event_to_json(read_event(kTestNow + 5, "m/f"));
  EXPECT_EQ(json["time"], "2024-12-05T19:39:58.000000005Z");
  EXPECT_EQ(json["time_ns"], kTestNow + 5);
}

TEST(AuditEvent, OnlyTagChangesCarryOldAndNewTargets) {
  EXPECT_EQ(audit_event_line(read_event(kTestNow, "m/f")).find("old_target"), std::string::npos);

  AuditEvent change = read_event(kTestNow, "llama:prod");
  change.kind = std::string(kAuditKindTagChange);
  change.old_target = "llama/v1.gguf";
  change.new_target = "";  // deleted
  auto json = audit_event_to_json(change);
  EXPECT_EQ(json["old_target"], "llama/v1.gguf");
  EXPECT_EQ(json["new_target"], "");
  auto parsed = parse_audit_event(audit_event_line(change));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->old_target, "llama/v1.gguf");
  EXPECT_EQ(parsed->kind, "tag-change");
}

TEST(AuditEvent, LinesThatAreNotEventsAreRejected) {
  EXPECT_FALSE(parse_audit_event("not json"));
  EXPECT_FALSE(parse_audit_event("[1,2]"));
  EXPECT_FALSE(parse_audit_event("{}"));
  EXPECT_FALSE(parse_audit_event(R"({"time_ns":"yesterday"})"));
  EXPECT_FALSE(parse_audit_event(R"({"time_ns":1,"tag_chain":"v2"})"));
  EXPECT_FALSE(parse_audit_event(R"({"time_ns":1,"tag_chain":[1]})"));
  EXPECT_FALSE(parse_audit_event(R"({"time_ns":1,"bytes_sent":-5})"));
  EXPECT_FALSE(parse_audit_event(R"({"time_ns":1,"key":7})"));
  EXPECT_FALSE(parse_audit_event(R"({"time_ns":1)"));  // torn
  auto minimal = parse_audit_event(R"({"time_ns":42})");
  ASSERT_TRUE(minimal);
  EXPECT_EQ(minimal->time_ns, 42);
  EXPECT_TRUE(minimal->key.empty());
}

TEST(AuditEvent, LineIsTheJsonObjectDumpedByteForByte) {
  // The line is written field by field for speed; the JSON object is the
  // reference it must match exactly, whatever the strings hold.
  AuditEvent plain = read_event(kTestNow + 7, "llama/x.gguf");
  AuditEvent chained = read_event(-1, "llama:prod", "");
  chained.tag_chain = {"prod", "v\"2", ""};
  chained.bytes_sent = UINT64_MAX;
  chained.status = 0;
  AuditEvent change = read_event(kTestNow, "m:t");
  change.kind = std::string(kAuditKindTagChange);
  change.old_target = "a\\b";
  AuditEvent hostile = read_event(kTestNow, std::string("nul\0del\x7f\x01\x1f\b\f/\xff\xc3", 15));
  hostile.remote = "\xe2\x82";  // a cut three-byte sequence
  hostile.client_id = "caf\xc3\xa9 \xf0\x9f\xa6\x99 \t" + std::string(300, 'x');
  hostile.request_id = "\xed\xa0\x80";  // a UTF-16 surrogate, not UTF-8
  AuditEvent empty;
  for (const AuditEvent& event : {plain, chained, change, hostile, empty}) {
    EXPECT_EQ(
        audit_event_line(event),
        audit_event_to_json(event).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
            "\n");
  }
}

TEST(AuditEvent, LinesAppendedToABatchFollowWhatItHolds) {
  AuditEvent first = read_event(kTestNow, "m/a");
  AuditEvent second = read_event(kTestNow + 1, "m/\"b\"");
  std::string batch = "{\"earlier\":1}\n";
  append_audit_event_line(batch, first);
  append_audit_event_line(batch, second);
  EXPECT_EQ(batch, "{\"earlier\":1}\n" + audit_event_line(first) + audit_event_line(second));
}

TEST(AuditEvent, AnOverlongClientIdIsCut) {
  AuditEvent event = read_event(kTestNow, "m/f");
  event.client_id = std::string(10000, 'c');
  auto parsed = parse_audit_event(audit_event_line(event));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->client_id, std::string(kMaxAuditClientIdBytes, 'c'));
}

}  // namespace
}  // namespace moss
