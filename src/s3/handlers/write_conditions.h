// S3's conditional writes: If-Match and If-None-Match on PutObject, CopyObject
// and CompleteMultipartUpload, each with "*" or an ETag
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html).
//
// A conditional write is checked twice: against the key as it is when the
// request arrives, before any body is read (a doomed upload is refused at
// once: 412 PreconditionFailed, or 404 NoSuchKey for If-Match on no object),
// and again inside the metadata transaction that commits it. A write that
// passed the first check and fails the second lost a race to a concurrent
// writer: 409 ConditionalRequestConflict, as S3 answers it.
#pragma once

#include "moss/store/metadata_store.h"
#include "moss/store/store_error.h"
#include "s3/errors.h"
#include "s3/request_context.h"

namespace moss::s3 {

// The request's If-Match / If-None-Match, ETags unquoted.
store::WritePreconditions write_preconditions(const RequestContext& ctx);

// The first check, against the current version of ctx.key. Throws
// PreconditionFailed or NoSuchKey.
void check_write_preconditions(RequestContext& ctx, const store::WritePreconditions& pre);

// The S3 error for a commit that failed with `error`: a precondition that
// failed in the transaction after the first check passed is
// ConditionalRequestConflict; anything else maps as usual.
S3Error commit_error(const RequestContext& ctx, const store::WritePreconditions& pre,
                     const store::StoreError& error);

}  // namespace moss::s3
