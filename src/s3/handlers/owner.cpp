#include "s3/handlers/owner.h"

#include "moss/util/digest.h"
#include "s3/xml.h"

namespace moss::s3 {

std::string canonical_owner_id(std::string_view access_key_id) {
  return sha256_hex(std::string("moss-owner:") + std::string(access_key_id));
}

void add_owner(pugi::xml_node parent, std::string_view access_key_id, std::string_view name) {
  auto owner = parent.append_child("Owner");
  add_element(owner, "ID", canonical_owner_id(access_key_id));
  add_element(owner, "DisplayName", name);
}

}  // namespace moss::s3
