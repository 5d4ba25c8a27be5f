#include "s3/request_audit.h"

#include <utility>

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

std::optional<AuditEvent> audit_event_for(AuditedRequest request) {
  const std::string_view kind = audit_kind(request.op);
  if (kind.empty()) return std::nullopt;
  AuditNotes& notes = request.notes;
  AuditEvent event;
  event.time_ns = request.time_ns;
  event.kind = std::string(kind);
  event.key_name = std::move(request.key_name);
  event.access_key_id = std::move(request.access_key_id);
  event.remote = std::move(request.remote);
  if (request.client_id_header.size() > kMaxAuditClientIdBytes) {
    request.client_id_header.resize(kMaxAuditClientIdBytes);
  }
  event.client_id = std::move(request.client_id_header);
  event.bucket = notes.bucket ? std::move(*notes.bucket) : std::move(request.bucket);
  event.key = notes.key ? std::move(*notes.key) : std::move(request.key);
  event.tag_chain = std::move(notes.tag_chain);
  event.resolved_key = std::move(notes.resolved_key);
  event.version_id = std::move(notes.version_id);
  event.sha256 = std::move(notes.sha256);
  event.bytes_sent = kind == kAuditKindRead && notes.object_served ? request.bytes_sent : 0;
  event.status = request.status;
  event.request_id = std::move(request.request_id);
  if (kind == kAuditKindTagChange) {
    event.old_target = std::move(notes.old_target);
    event.new_target = std::move(notes.new_target);
  }
  return event;
}

}  // namespace moss::s3
