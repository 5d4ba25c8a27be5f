// S3 XML bodies through pugixml: building responses and reading the small
// request documents (DeleteObjects, CompleteMultipartUpload, configurations).
#pragma once

#include <pugixml.hpp>
#include <string>
#include <string_view>

namespace moss::s3 {

inline constexpr const char* kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

// A response document with an XML declaration and a root element in the S3 namespace.
class XmlResponse {
 public:
  explicit XmlResponse(const char* root_name);
  pugi::xml_node root() { return root_; }
  std::string str() const;

 private:
  pugi::xml_document doc_;
  pugi::xml_node root_;
};

// The document as S3 sends it: no indentation, UTF-8, text escaped so that
// any reader gets it back exactly (control characters and carriage returns
// as character references).
std::string serialize_xml(const pugi::xml_document& doc);

// Appends <name>value</name> to `parent` and returns the new element.
pugi::xml_node add_element(pugi::xml_node parent, const char* name, std::string_view value);
pugi::xml_node add_element(pugi::xml_node parent, const char* name, uint64_t value);
pugi::xml_node add_element(pugi::xml_node parent, const char* name, bool value);

// Parses a request body; throws S3Error MalformedXML when it is not well formed
// or its root element is not `expected_root` (namespace prefixes ignored).
// Text content is kept exactly, whitespace-only text included.
pugi::xml_document parse_request_xml(std::string_view body, const char* expected_root);

// The element name without a namespace prefix ("s3:Key" -> "Key").
std::string_view local_name(const pugi::xml_node& node);
// The first child element named `name` (ignoring prefixes), or an empty node.
pugi::xml_node child(const pugi::xml_node& parent, std::string_view name);
std::string child_text(const pugi::xml_node& parent, std::string_view name);

}  // namespace moss::s3
