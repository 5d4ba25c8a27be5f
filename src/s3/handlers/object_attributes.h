// GetObjectAttributes: which attributes a request asks for
// (x-amz-object-attributes) and the XML answer, apart from the handler so
// both can be tested without a server.
#pragma once

#include <string>
#include <string_view>

#include "moss/store/object_types.h"

namespace moss::s3 {

struct ObjectAttributeSet {
  bool etag = false;
  bool checksum = false;
  bool object_parts = false;
  bool storage_class = false;
  bool object_size = false;
  bool any() const { return etag || checksum || object_parts || storage_class || object_size; }
};

// "ETag,Checksum,ObjectParts,StorageClass,ObjectSize" (any subset, spaces
// allowed). An unknown name, or none at all, is InvalidArgument.
ObjectAttributeSet parse_object_attributes(std::string_view header);

// Which parts an ObjectParts answer lists: those numbered above `marker`, at
// most `max_parts` of them.
struct PartPageRequest {
  int marker = 0;
  int max_parts = 1000;
};

// The GetObjectAttributesOutput document for version `v` (not a delete marker).
std::string render_object_attributes(const store::ObjectVersion& v,
                                     const ObjectAttributeSet& wanted, const PartPageRequest& page);

}  // namespace moss::s3
