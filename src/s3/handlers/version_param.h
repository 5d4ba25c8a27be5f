// Version ids as requests name them: ?versionId= on GET, HEAD and DELETE,
// and x-amz-copy-source: /bucket/key?versionId=.
#pragma once

#include <string>
#include <string_view>

#include "moss/util/uri.h"

namespace moss::s3 {

// Throws InvalidArgument ("Invalid version id specified") unless `id` is
// "null" or a version id this server makes; an unknown well-formed id is
// the store's NoSuchVersion instead.
void check_version_id(std::string_view id, std::string_view argument_name);

// The request's versionId, checked; empty when there is none. Present but
// empty is InvalidArgument, as S3 answers it.
std::string version_id_param(const QueryParams& query);

}  // namespace moss::s3
