// The audit trail's view of a request (docs/audit.md): which requests leave an
// event, and the event they leave. Handlers note what they learned while
// serving (the tag chain, the file served, a tag's old and new targets) in
// RequestContext::audit; S3Service::handle builds the event once the response
// has ended, so its status and bytes are the final ones.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "moss/audit/audit_event.h"
#include "s3/route_table.h"

namespace moss::s3 {

// What a handler learned for the audit event.
struct AuditNotes {
  // A read: set once the object's head is about to be sent (its bytes count).
  bool object_served = false;
  std::vector<std::string> tag_chain;  // empty for a plain object
  std::string resolved_key;
  std::string version_id;
  std::string sha256;
  // The registry API names the tag by parameters: the bucket and tag key it
  // addressed ("llama/tags/latest"), in place of the request's own.
  std::optional<std::string> bucket;
  std::optional<std::string> key;
  // A tag change: the targets before and after ("v2", "v2=10 v1=90"; "" none).
  std::string old_target;
  std::string new_target;
};

// Everything the event of one request is built from.
struct AuditedRequest {
  Operation op = Operation::kUnknown;
  int64_t time_ns = 0;  // when it arrived
  std::string key_name;
  std::string access_key_id;
  std::string remote;
  std::string client_id_header;  // x-moss-client-id as sent; empty when absent
  std::string bucket;
  std::string key;
  int status = 0;
  uint64_t bytes_sent = 0;  // response body bytes, error documents included
  std::string request_id;
  AuditNotes notes;
};

// "read" for GET of an object or a tag (not HEAD, not ?moss-tag), "tag-change"
// for PUT/DELETE of a tag key and the registry's tag PUT, DELETE and rollback;
// empty for every other operation.
std::string_view audit_kind(Operation op);

// The event `request` leaves, nullopt when its operation leaves none. Failed
// requests leave one too, with their status; bytes_sent counts only the bytes
// of a served object (an error document is not model bytes). Taken by value:
// its strings move into the event (one event per model read).
std::optional<AuditEvent> audit_event_for(AuditedRequest request);

}  // namespace moss::s3
