#include "s3/request_audit.h"

#include <algorithm>

namespace moss::s3 {

std::string_view audit_kind(Operation op) {
  switch (op) {
    case Operation::kGetObject:
    case Operation::kGetTag:
    case Operation::kGetSnapshotFile:
    case Operation::kHubGetFile:
      return kAuditKindRead;
    case Operation::kPutTag:
    case Operation::kDeleteTag:
    case Operation::kRegistryPutTag:
    case Operation::kRegistryDeleteTag:
    case Operation::kRegistryTagRollback:
      return kAuditKindTagChange;
    default:
      return {};
  }
}

std::optional<AuditEvent> audit_event_for(const AuditedRequest& request) {
  const std::string_view kind = audit_kind(request.op);
  if (kind.empty()) return std::nullopt;
  const AuditNotes& notes = request.notes;
  AuditEvent event;
  event.time_ns = request.time_ns;
  event.kind = std::string(kind);
  event.key_name = request.key_name;
  event.access_key_id = request.access_key_id;
  event.remote = request.remote;
  event.client_id = request.client_id_header.substr(
      0, std::min(request.client_id_header.size(), kMaxAuditClientIdBytes));
  event.bucket = notes.bucket ? *notes.bucket : request.bucket;
  event.key = notes.key ? *notes.key : request.key;
  event.tag_chain = notes.tag_chain;
  event.resolved_key = notes.resolved_key;
  event.version_id = notes.version_id;
  event.sha256 = notes.sha256;
  event.bytes_sent = kind == kAuditKindRead && notes.object_served ? request.bytes_sent : 0;
  event.status = request.status;
  event.request_id = request.request_id;
  if (kind == kAuditKindTagChange) {
    event.old_target = notes.old_target;
    event.new_target = notes.new_target;
  }
  return event;
}

}  // namespace moss::s3
