// GetObjectAttributes: the x-amz-object-attributes header, the document for
// plain and multipart objects (parts paged by marker and max-parts), and the
// operation through S3Service::handle (versions, delete markers, errors).
#include "s3/handlers/object_attributes.h"

#include <gtest/gtest.h>

#include "moss/util/uri.h"
#include "s3/errors.h"
#include "unit/support/s3_error_testing.h"
#include "unit/support/service_fixture.h"

namespace moss::testing {
namespace {

using Strings = std::vector<std::string>;
using s3::error_code_of;
using s3::ObjectAttributeSet;
using s3::parse_object_attributes;
using s3::PartPageRequest;
using s3::render_object_attributes;

std::string xpath_text(const std::string& xml, const char* xpath) {
  pugi::xml_document doc;
  EXPECT_TRUE(doc.load_string(xml.c_str()));
  return doc.select_node(xpath).node().text().get();
}

Strings xpath_all(const std::string& xml, const char* xpath) {
  pugi::xml_document doc;
  EXPECT_TRUE(doc.load_string(xml.c_str()));
  Strings out;
  for (const auto& node : doc.select_nodes(xpath)) out.emplace_back(node.node().text().get());
  return out;
}

TEST(ParseObjectAttributes, ReadsEveryNameWithOrWithoutSpaces) {
  auto all = parse_object_attributes("ETag, Checksum,ObjectParts ,StorageClass,ObjectSize");
  EXPECT_TRUE(all.etag && all.checksum && all.object_parts && all.storage_class && all.object_size);
  auto one = parse_object_attributes("ObjectSize");
  EXPECT_TRUE(one.object_size);
  EXPECT_FALSE(one.etag || one.checksum || one.object_parts || one.storage_class);
}

TEST(ParseObjectAttributes, UnknownOrMissingNamesAreInvalidArgument) {
  EXPECT_EQ(error_code_of([] { parse_object_attributes("ETag,Owner"); }), "InvalidArgument");
  EXPECT_EQ(error_code_of([] { parse_object_attributes("etag"); }), "InvalidArgument");
  EXPECT_EQ(error_code_of([] { parse_object_attributes(""); }), "InvalidArgument");
  EXPECT_EQ(error_code_of([] { parse_object_attributes(" , "); }), "InvalidArgument");
}

store::ObjectVersion multipart_version(int parts) {
  store::ObjectVersion v;
  v.etag = "0123456789abcdef0123456789abcdef-" + std::to_string(parts);
  for (int n = 1; n <= parts; ++n) {
    v.segments.push_back({"sha" + std::to_string(n), static_cast<uint64_t>(100 * n), n, "etag",
                          "part-checksum-" + std::to_string(n)});
    v.size += 100 * n;
  }
  v.attributes.checksums["SHA256"] = "whole-checksum-" + std::to_string(parts);
  v.attributes.checksum_type = "COMPOSITE";
  return v;
}

ObjectAttributeSet everything() {
  return parse_object_attributes("ETag,Checksum,ObjectParts,StorageClass,ObjectSize");
}

TEST(RenderObjectAttributes, PlainObjectHasNoParts) {
  store::ObjectVersion v;
  v.etag = "5d41402abc4b2a76b9719d911017c592";
  v.size = 5;
  v.segments.push_back({"sha", 5, 0, "", ""});
  auto xml = render_object_attributes(v, everything(), {});
  EXPECT_EQ(xpath_text(xml, "/GetObjectAttributesOutput/ETag"), v.etag);  // no quotes
  EXPECT_EQ(xpath_text(xml, "/GetObjectAttributesOutput/ObjectSize"), "5");
  EXPECT_EQ(xpath_text(xml, "/GetObjectAttributesOutput/StorageClass"), "STANDARD");
  EXPECT_EQ(xml.find("ObjectParts"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("<Checksum>"), std::string::npos) << xml;
}

TEST(RenderObjectAttributes, OnlyWhatWasAskedFor) {
  auto xml =
      render_object_attributes(multipart_version(2), parse_object_attributes("ObjectSize"), {});
  EXPECT_EQ(xpath_text(xml, "/GetObjectAttributesOutput/ObjectSize"), "300");
  EXPECT_EQ(xml.find("ETag"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("ObjectParts"), std::string::npos) << xml;
}

TEST(RenderObjectAttributes, MultipartObjectListsItsPartsWithTheirChecksums) {
  auto xml = render_object_attributes(multipart_version(3), everything(), {});
  EXPECT_EQ(xpath_text(xml, "//Checksum/ChecksumSHA256"), "whole-checksum-3");
  EXPECT_EQ(xpath_text(xml, "//Checksum/ChecksumType"), "COMPOSITE");
  EXPECT_EQ(xpath_text(xml, "//ObjectParts/PartsCount"), "3");
  EXPECT_EQ(xpath_text(xml, "//ObjectParts/IsTruncated"), "false");
  EXPECT_EQ(xpath_all(xml, "//ObjectParts/Part/PartNumber"), (Strings{"1", "2", "3"}));
  EXPECT_EQ(xpath_all(xml, "//ObjectParts/Part/Size"), (Strings{"100", "200", "300"}));
  EXPECT_EQ(xpath_all(xml, "//ObjectParts/Part/ChecksumSHA256"),
            (Strings{"part-checksum-1", "part-checksum-2", "part-checksum-3"}));
}

TEST(RenderObjectAttributes, PartsArePagedByMarkerAndMaxParts) {
  auto v = multipart_version(5);
  auto first = render_object_attributes(v, everything(), PartPageRequest{0, 2});
  EXPECT_EQ(xpath_all(first, "//ObjectParts/Part/PartNumber"), (Strings{"1", "2"}));
  EXPECT_EQ(xpath_text(first, "//ObjectParts/IsTruncated"), "true");
  EXPECT_EQ(xpath_text(first, "//ObjectParts/NextPartNumberMarker"), "2");
  EXPECT_EQ(xpath_text(first, "//ObjectParts/MaxParts"), "2");
  auto last = render_object_attributes(v, everything(), PartPageRequest{4, 2});
  EXPECT_EQ(xpath_all(last, "//ObjectParts/Part/PartNumber"), (Strings{"5"}));
  EXPECT_EQ(xpath_text(last, "//ObjectParts/IsTruncated"), "false");
  EXPECT_EQ(xpath_text(last, "//ObjectParts/PartNumberMarker"), "4");
  EXPECT_EQ(last.find("NextPartNumberMarker"), std::string::npos);
}

TEST(RenderObjectAttributes, PartsWithoutAChecksumAreCountedNotListed) {
  auto v = multipart_version(2);
  v.attributes.checksums.clear();
  v.attributes.checksum_type.clear();
  auto xml = render_object_attributes(v, everything(), {});
  EXPECT_EQ(xpath_text(xml, "//ObjectParts/PartsCount"), "2");
  EXPECT_TRUE(xpath_all(xml, "//ObjectParts/Part").empty()) << xml;
}

class GetObjectAttributesTest : public ServiceFixture {
 protected:
  GetObjectAttributesTest() { create_bucket("models"); }
  Response attributes(const std::string& target, const std::string& names) {
    return request(bhttp::verb::get, target, {{"x-amz-object-attributes", names}});
  }
};

TEST_F(GetObjectAttributesTest, PlainObject) {
  ASSERT_EQ(put_object("models", "a.bin", "hello").status, 200);
  auto res = attributes("/models/a.bin?attributes", "ETag,ObjectSize,StorageClass");
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.xml("/GetObjectAttributesOutput/ETag"), "5d41402abc4b2a76b9719d911017c592");
  EXPECT_EQ(res.xml("/GetObjectAttributesOutput/ObjectSize"), "5");
  EXPECT_FALSE(res.header("Last-Modified").empty());
  EXPECT_FALSE(res.has_header("x-amz-version-id"));
}

TEST_F(GetObjectAttributesTest, NamedVersionAndDeleteMarker) {
  ASSERT_EQ(request(bhttp::verb::put, "/models?versioning", {},
                    "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>")
                .status,
            200);
  auto first = put_object("models", "v.bin", "first");
  ASSERT_EQ(put_object("models", "v.bin", "second!").status, 200);
  const std::string first_id = first.header("x-amz-version-id");
  auto old = attributes("/models/v.bin?attributes&versionId=" + aws_uri_encode(first_id, true),
                        "ObjectSize");
  EXPECT_EQ(old.xml("/GetObjectAttributesOutput/ObjectSize"), "5");
  EXPECT_EQ(old.header("x-amz-version-id"), first_id);

  ASSERT_EQ(request(bhttp::verb::delete_, "/models/v.bin").status, 204);
  auto gone = attributes("/models/v.bin?attributes", "ObjectSize");
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.error_code(), "NoSuchKey");
  EXPECT_EQ(gone.header("x-amz-delete-marker"), "true");
}

TEST_F(GetObjectAttributesTest, MissingKeyAndMissingHeader) {
  EXPECT_EQ(attributes("/models/none?attributes", "ETag").error_code(), "NoSuchKey");
  ASSERT_EQ(put_object("models", "a.bin", "x").status, 200);
  EXPECT_EQ(request(bhttp::verb::get, "/models/a.bin?attributes").error_code(), "InvalidArgument");
}

}  // namespace
}  // namespace moss::testing
