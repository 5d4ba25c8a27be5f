// What the model layer reads from a request, shared by the tag handlers (tag
// keys as objects) and the registry API.
#pragma once

#include <string>

#include "moss/models/model_registry.h"
#include "s3/request_context.h"

namespace moss::s3 {

// A key or chain as a response header value: printable ASCII, with control
// bytes, non-ASCII (keys are UTF-8), '%' and the chain separator '>'
// percent-encoded.
std::string header_safe(std::string_view s);

// Whose weighted choice this is: the x-moss-client-id header, else the
// client's address.
std::string client_id(const RequestContext& ctx);

// The access key, the client id, and If-Match (the tag's ETag, quoted or not,
// or "*") / If-None-Match: * (any other If-None-Match is NotImplemented, as
// on PutObject).
models::TagChange tag_change(const RequestContext& ctx);

// Notes a tag change that succeeded for the audit trail: the targets before
// and after, from the tag's history entry (the one whose new ETag is
// `new_etag`; for a deletion, "", the newest deletion by this key).
void note_tag_change(RequestContext& ctx, const std::string& bucket, const std::string& model,
                     const std::string& tag, const std::string& new_etag);

// "v2", or "v2=10 v1=90" for a weighted tag: the targets of a history entry
// (JSON as the store keeps them) as the audit trail shows them; "" for none.
std::string audit_targets_text(const std::string& targets_json);

// A tag key given as a copy source (CopyObject, UploadPartCopy) names the
// file the tag resolves to for this client: its pinned version, or that
// version opened. NoSuchKey when there is no such tag.
store::ObjectVersion tag_source_version(RequestContext& ctx, std::string_view bucket,
                                        std::string_view key);
store::OpenedObject open_tag_source(RequestContext& ctx, std::string_view bucket,
                                    std::string_view key);

// The whole (small) request body, its Content-MD5 / x-amz-checksum-* verified;
// InvalidArgument past models::kMaxTagRequestBytes.
awaitable<std::string> read_tag_request_body(RequestContext& ctx);

}  // namespace moss::s3
