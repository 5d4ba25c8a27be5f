// Sending an opened object version as the answer to GET or HEAD: conditional
// headers, Range and ?partNumber=N, x-amz-checksum-mode, response-* overrides,
// then the bytes straight from the blob files. GetObject and a GET of a model
// tag (which serves the file the tag resolves to) share it.
#pragma once

#include <string_view>

#include "moss/store/object_store.h"
#include "s3/handlers/conditional.h"
#include "s3/request_context.h"

namespace moss::s3 {

// Serves `opened` (not a delete marker). `head` is the response head to use,
// carrying whatever headers the caller adds (x-amz-version-id, x-moss-*);
// the object's own headers are added to it. HEAD sends the head only.
// `entity_tag` (unquoted) replaces the version's ETag, in the answer and in
// If-Match / If-None-Match: the Hugging Face Hub API names a file by its SHA-256.
awaitable<void> serve_object(RequestContext& ctx, const store::OpenedObject& opened,
                             ResponseHead head, std::string_view entity_tag = {});

// The If-* headers of the request, with a prefix ("x-amz-copy-source-") or without.
Preconditions read_preconditions(const RequestContext& ctx, std::string_view prefix);

// x-amz-checksum-<algorithm> (and -type) of the stored whole-object checksum.
void add_checksum_headers(ResponseHead& head, const store::ObjectAttributes& attributes);

}  // namespace moss::s3
