// How an access key appears as an S3 <Owner>: a stable canonical id derived
// from the key id (never the key id itself) and the key's name.
#pragma once

#include <pugixml.hpp>
#include <string>
#include <string_view>

#include "moss/s3/credentials.h"

namespace moss::s3 {

std::string canonical_owner_id(std::string_view access_key_id);
// <Owner><ID>..</ID><DisplayName>..</DisplayName></Owner> for a key id and name.
void add_owner(pugi::xml_node parent, std::string_view access_key_id, std::string_view name);
inline void add_owner(pugi::xml_node parent, const AccessKey& key) {
  add_owner(parent, key.access_key_id, key.name);
}

}  // namespace moss::s3
