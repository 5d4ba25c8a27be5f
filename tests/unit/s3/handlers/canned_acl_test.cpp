#include "s3/handlers/canned_acl.h"

#include <gtest/gtest.h>

#include <pugixml.hpp>

#include "s3/errors.h"

namespace moss::s3 {
namespace {

RequestHead head_with(std::initializer_list<std::pair<const char*, const char*>> fields) {
  RequestHead head;
  for (const auto& [name, value] : fields) head.set(name, value);
  return head;
}

std::string error_code_of(const RequestHead& head) {
  try {
    requested_public_read(head);
  } catch (const S3Error& e) {
    return std::string(e.info().code);
  }
  return "";
}

TEST(CannedAcl, PrivateAndPublicReadAreHonoured) {
  EXPECT_EQ(requested_public_read(head_with({})), std::nullopt);
  EXPECT_EQ(requested_public_read(head_with({{"x-amz-acl", "private"}})), false);
  EXPECT_EQ(requested_public_read(head_with({{"x-amz-acl", "public-read"}})), true);
}

TEST(CannedAcl, OtherCannedAclsAndGrantsAreNotImplemented) {
  for (const char* acl : {"public-read-write", "authenticated-read", "aws-exec-read",
                          "bucket-owner-read", "bucket-owner-full-control", "log-delivery-write"}) {
    EXPECT_EQ(error_code_of(head_with({{"x-amz-acl", acl}})), "NotImplemented") << acl;
  }
  EXPECT_EQ(error_code_of(head_with({{"x-amz-grant-read", "uri=x"}})), "NotImplemented");
  EXPECT_EQ(
      error_code_of(head_with({{"x-amz-acl", "private"}, {"x-amz-grant-full-control", "id=x"}})),
      "NotImplemented");
}

TEST(CannedAcl, AValueThatIsNoCannedAclIsInvalidArgument) {
  EXPECT_EQ(error_code_of(head_with({{"x-amz-acl", "Public-Read"}})), "InvalidArgument");
  EXPECT_EQ(error_code_of(head_with({{"x-amz-acl", ""}})), "InvalidArgument");
}

TEST(CannedAcl, PolicyGrantsTheOwnerFullControlAndAllUsersReadWhenPublic) {
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(access_control_policy("AKID", "ci", true).c_str()));
  auto grants = doc.select_nodes("/AccessControlPolicy/AccessControlList/Grant");
  ASSERT_EQ(grants.size(), 2u);
  EXPECT_STREQ(grants[0].node().child("Permission").text().get(), "FULL_CONTROL");
  EXPECT_STREQ(grants[0].node().child("Grantee").child("DisplayName").text().get(), "ci");
  EXPECT_STREQ(grants[0].node().child("Grantee").child("ID").text().get(),
               doc.select_node("/AccessControlPolicy/Owner/ID").node().text().get());
  EXPECT_STREQ(grants[1].node().child("Permission").text().get(), "READ");
  EXPECT_STREQ(grants[1].node().child("Grantee").child("URI").text().get(),
               "http://acs.amazonaws.com/groups/global/AllUsers");

  pugi::xml_document private_doc;
  ASSERT_TRUE(private_doc.load_string(access_control_policy("AKID", "ci", false).c_str()));
  EXPECT_EQ(private_doc.select_nodes("/AccessControlPolicy/AccessControlList/Grant").size(), 1u);
}

}  // namespace
}  // namespace moss::s3
