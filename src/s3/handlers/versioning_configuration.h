// The document of PutBucketVersioning and GetBucketVersioning. Pure logic.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "moss/store/object_types.h"

namespace moss::s3 {

// The state a <VersioningConfiguration> asks for; nullopt when it names no
// Status (S3 then changes nothing). Throws S3Error: MalformedXML when the
// document is not well-formed, has another root, an unknown or repeated
// element, or a Status other than Enabled / Suspended (a bucket never returns
// to unversioned) or an MfaDelete other than Enabled / Disabled;
// NotImplemented for MfaDelete Enabled (moss has no MFA devices).
std::optional<store::VersioningState> parse_versioning_configuration(std::string_view xml);

// What GetBucketVersioning answers: an empty <VersioningConfiguration/> for a
// bucket that was never versioned, else its Status.
std::string render_versioning_configuration(store::VersioningState state);

}  // namespace moss::s3
