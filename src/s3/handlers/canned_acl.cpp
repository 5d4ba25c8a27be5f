#include "s3/handlers/canned_acl.h"

#include <array>

#include "s3/errors.h"
#include "s3/handlers/owner.h"
#include "s3/xml.h"

namespace moss::s3 {
namespace {

// S3's canned ACLs moss does not implement.
constexpr std::array kOtherCannedAcls = {
    "public-read-write", "authenticated-read",        "aws-exec-read",
    "bucket-owner-read", "bucket-owner-full-control", "log-delivery-write",
};

constexpr std::array kGrantHeaders = {
    "x-amz-grant-read",      "x-amz-grant-write",        "x-amz-grant-read-acp",
    "x-amz-grant-write-acp", "x-amz-grant-full-control",
};

constexpr const char* kAllUsers = "http://acs.amazonaws.com/groups/global/AllUsers";

void add_grant(pugi::xml_node list, const char* type, const char* permission,
               std::string_view id_or_uri, std::string_view name) {
  auto grant = list.append_child("Grant");
  auto grantee = grant.append_child("Grantee");
  grantee.append_attribute("xmlns:xsi") = "http://www.w3.org/2001/XMLSchema-instance";
  grantee.append_attribute("xsi:type") = type;
  if (std::string_view(type) == "Group") {
    add_element(grantee, "URI", id_or_uri);
  } else {
    add_element(grantee, "ID", id_or_uri);
    add_element(grantee, "DisplayName", name);
  }
  add_element(grant, "Permission", std::string_view(permission));
}

}  // namespace

std::optional<bool> requested_public_read(const RequestHead& head) {
  for (const char* grant : kGrantHeaders) {
    if (head.find(grant) != head.end()) {
      throw S3Error(S3ErrorCode::kNotImplemented,
                    "Explicit grants (x-amz-grant-*) are not implemented; use x-amz-acl: private "
                    "or public-read.")
          .with("Header", grant);
    }
  }
  if (head.find("x-amz-acl") == head.end()) return std::nullopt;
  const std::string_view acl = head["x-amz-acl"];
  if (acl == "private") return false;
  if (acl == "public-read") return true;
  for (const char* other : kOtherCannedAcls) {
    if (acl == other) {
      throw S3Error(S3ErrorCode::kNotImplemented,
                    "The canned ACL " + std::string(acl) +
                        " is not implemented; moss honours private and public-read.")
          .with("Header", "x-amz-acl");
    }
  }
  throw S3Error(S3ErrorCode::kInvalidArgument)
      .with("ArgumentName", "x-amz-acl")
      .with("ArgumentValue", std::string(acl));
}

std::string access_control_policy(std::string_view owner_id, std::string_view owner_name,
                                  bool public_read) {
  XmlResponse doc("AccessControlPolicy");
  add_owner(doc.root(), owner_id, owner_name);
  auto list = doc.root().append_child("AccessControlList");
  add_grant(list, "CanonicalUser", "FULL_CONTROL", canonical_owner_id(owner_id), owner_name);
  if (public_read) add_grant(list, "Group", "READ", kAllUsers, {});
  return doc.str();
}

}  // namespace moss::s3
