// The S3 operation handlers, one family per source file:
//   bucket_handlers.cpp    buckets and their configuration
//   list_handlers.cpp      ListObjects (v1, v2)
//   object_handlers.cpp    PutObject, GetObject, HeadObject, DeleteObject, CopyObject
//   object_attributes.cpp  GetObjectAttributes
//   delete_objects.cpp     DeleteObjects
//   multipart_handlers.cpp CreateMultipartUpload, UploadPart, UploadPartCopy,
//                          AbortMultipartUpload
//   complete_multipart_upload.cpp  CompleteMultipartUpload
//   multipart_listings.cpp ListParts, ListMultipartUploads
//   tag_handlers.cpp       model tags addressed as objects: PUT, GET/HEAD, ?moss-tag, DELETE
//   snapshot_handlers.cpp  the files of a snapshot tag read as a folder
//   versioning_handlers.cpp GetBucketVersioning, PutBucketVersioning, ListObjectVersions
//   lifecycle_handlers.cpp Get/Put/DeleteBucketLifecycle, and POST /_moss/lifecycle/run
//   acl_handlers.cpp       Get/PutBucketAcl, Get/PutObjectAcl (canned ACLs)
//   cors_preflight.cpp     OPTIONS
// (The registry API's are in registry/registry_handlers.h.) The route table
// (s3/route_table.cpp) names the handler of each operation. Each handler sends
// exactly one response or throws S3Error before sending.
#pragma once

#include "s3/request_context.h"

namespace moss::s3 {

awaitable<void> handle_list_buckets(RequestContext& ctx);
awaitable<void> handle_create_bucket(RequestContext& ctx);
awaitable<void> handle_delete_bucket(RequestContext& ctx);
awaitable<void> handle_head_bucket(RequestContext& ctx);
awaitable<void> handle_get_bucket_location(RequestContext& ctx);

awaitable<void> handle_list_objects(RequestContext& ctx);  // v1 and v2

awaitable<void> handle_put_object(RequestContext& ctx);
awaitable<void> handle_copy_object(RequestContext& ctx);
awaitable<void> handle_get_object(RequestContext& ctx);  // GET and HEAD
awaitable<void> handle_get_object_attributes(RequestContext& ctx);
awaitable<void> handle_delete_object(RequestContext& ctx);
awaitable<void> handle_delete_objects(RequestContext& ctx);

awaitable<void> handle_create_multipart_upload(RequestContext& ctx);
awaitable<void> handle_upload_part(RequestContext& ctx);
awaitable<void> handle_upload_part_copy(RequestContext& ctx);
awaitable<void> handle_complete_multipart_upload(RequestContext& ctx);
awaitable<void> handle_abort_multipart_upload(RequestContext& ctx);
awaitable<void> handle_list_parts(RequestContext& ctx);
awaitable<void> handle_list_multipart_uploads(RequestContext& ctx);

awaitable<void> handle_put_tag(RequestContext& ctx);
awaitable<void> handle_get_tag(RequestContext& ctx);  // GET, HEAD and ?moss-tag
awaitable<void> handle_delete_tag(RequestContext& ctx);
// GET and HEAD of "<model>/tags/<tag>/<path>" and "<model>/snapshots/<id>/<path>".
awaitable<void> handle_get_snapshot_file(RequestContext& ctx);

awaitable<void> handle_get_bucket_versioning(RequestContext& ctx);
awaitable<void> handle_put_bucket_versioning(RequestContext& ctx);
awaitable<void> handle_list_object_versions(RequestContext& ctx);
awaitable<void> handle_put_bucket_lifecycle(RequestContext& ctx);
awaitable<void> handle_get_bucket_lifecycle(RequestContext& ctx);
awaitable<void> handle_delete_bucket_lifecycle(RequestContext& ctx);
awaitable<void> handle_run_lifecycle(RequestContext& ctx);

awaitable<void> handle_get_bucket_acl(RequestContext& ctx);
awaitable<void> handle_put_bucket_acl(RequestContext& ctx);
awaitable<void> handle_get_object_acl(RequestContext& ctx);
awaitable<void> handle_put_object_acl(RequestContext& ctx);

awaitable<void> handle_cors_preflight(RequestContext& ctx);

}  // namespace moss::s3
