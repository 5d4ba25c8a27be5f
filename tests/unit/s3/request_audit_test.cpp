// Which requests leave an audit event, and the event they leave
// (s3/request_audit.h): pure, without a server.
#include "s3/request_audit.h"

#include <gtest/gtest.h>

#include <string>

#include "moss/models/tag_target.h"
#include "s3/handlers/tag_requests.h"

namespace moss::s3 {
namespace {

AuditedRequest tag_read() {
  AuditedRequest r;
  r.op = Operation::kGetTag;
  r.time_ns = 1796499598123456789;
  r.key_name = "ci";
  r.access_key_id = "AKIDCI";
  r.remote = "10.0.0.7";
  r.client_id_header = "runner-17";
  r.bucket = "models";
  r.key = "llama/tags/latest";
  r.status = 200;
  r.bytes_sent = 4096;
  r.request_id = "REQ1";
  r.notes.object_served = true;
  r.notes.tag_chain = {"latest", "v2", "2024-03-20/w.gguf"};
  r.notes.resolved_key = "llama/2024-03-20/w.gguf";
  r.notes.version_id = "null";
  r.notes.sha256 = std::string(64, 'a');
  return r;
}

TEST(RequestAuditTest, OnlyModelReadsAndTagChangesLeaveEvents) {
  EXPECT_EQ(audit_kind(Operation::kGetObject), kAuditKindRead);
  EXPECT_EQ(audit_kind(Operation::kGetTag), kAuditKindRead);
  EXPECT_EQ(audit_kind(Operation::kPutTag), kAuditKindTagChange);
  EXPECT_EQ(audit_kind(Operation::kDeleteTag), kAuditKindTagChange);
  EXPECT_EQ(audit_kind(Operation::kRegistryPutTag), kAuditKindTagChange);
  EXPECT_EQ(audit_kind(Operation::kRegistryDeleteTag), kAuditKindTagChange);
  EXPECT_EQ(audit_kind(Operation::kRegistryTagRollback), kAuditKindTagChange);
  for (Operation op : {Operation::kHeadObject, Operation::kHeadTag, Operation::kGetTagDocument,
                       Operation::kRegistryGetTag, Operation::kPutObject, Operation::kListObjects,
                       Operation::kRegistryAudit, Operation::kUnknown}) {
    EXPECT_TRUE(audit_kind(op).empty()) << static_cast<int>(op);
    AuditedRequest r = tag_read();
    r.op = op;
    EXPECT_FALSE(audit_event_for(r).has_value()) << static_cast<int>(op);
  }
}

TEST(RequestAuditTest, AReadThroughATagCarriesEveryField) {
  auto event = audit_event_for(tag_read());
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->kind, "read");
  EXPECT_EQ(event->time_ns, 1796499598123456789);
  EXPECT_EQ(event->key_name, "ci");
  EXPECT_EQ(event->access_key_id, "AKIDCI");
  EXPECT_EQ(event->remote, "10.0.0.7");
  EXPECT_EQ(event->client_id, "runner-17");
  EXPECT_EQ(event->bucket, "models");
  EXPECT_EQ(event->key, "llama/tags/latest");
  EXPECT_EQ(event->tag_chain, (std::vector<std::string>{"latest", "v2", "2024-03-20/w.gguf"}));
  EXPECT_EQ(event->resolved_key, "llama/2024-03-20/w.gguf");
  EXPECT_EQ(event->version_id, "null");
  EXPECT_EQ(event->sha256, std::string(64, 'a'));
  EXPECT_EQ(event->bytes_sent, 4096u);
  EXPECT_EQ(event->status, 200);
  EXPECT_EQ(event->request_id, "REQ1");
  EXPECT_TRUE(event->old_target.empty());
}

TEST(RequestAuditTest, AFailedReadCountsNoBytesOfItsErrorDocument) {
  AuditedRequest r = tag_read();
  r.status = 404;
  r.bytes_sent = 250;  // the XML error body
  r.notes = {};
  auto event = audit_event_for(r);
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->status, 404);
  EXPECT_EQ(event->bytes_sent, 0u);
  EXPECT_EQ(event->key, "llama/tags/latest");
}

TEST(RequestAuditTest, ALongClientIdIsCut) {
  AuditedRequest r = tag_read();
  r.client_id_header = std::string(kMaxAuditClientIdBytes + 100, 'x');
  EXPECT_EQ(audit_event_for(r)->client_id.size(), kMaxAuditClientIdBytes);
}

TEST(RequestAuditTest, ARegistryTagChangeNamesTheTagItChanged) {
  AuditedRequest r;
  r.op = Operation::kRegistryPutTag;
  r.bucket = "_moss";
  r.key = "v1/tag";
  r.status = 200;
  r.bytes_sent = 900;  // the tag document, not model bytes
  r.notes.bucket = "models";
  r.notes.key = "llama/tags/latest";
  r.notes.old_target = "v1";
  r.notes.new_target = "v2=10 v1=90";
  auto event = audit_event_for(r);
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->kind, "tag-change");
  EXPECT_EQ(event->bucket, "models");
  EXPECT_EQ(event->key, "llama/tags/latest");
  EXPECT_EQ(event->old_target, "v1");
  EXPECT_EQ(event->new_target, "v2=10 v1=90");
  EXPECT_EQ(event->bytes_sent, 0u);
}

TEST(RequestAuditTest, TagTargetsReadAsTheCliWritesThem) {
  EXPECT_EQ(audit_targets_text(""), "");
  models::TagTarget v2{"v2", 1};
  EXPECT_EQ(audit_targets_text(models::targets_to_json({v2})), "v2");
  models::TagTarget w2{"v2", 10};
  models::TagTarget w1{"v1", 90};
  EXPECT_EQ(audit_targets_text(models::targets_to_json({w2, w1})), "v2=10 v1=90");
}

}  // namespace
}  // namespace moss::s3
