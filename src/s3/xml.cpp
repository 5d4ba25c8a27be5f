#include "s3/xml.h"

#include "s3/errors.h"

namespace moss::s3 {
namespace {

// pugixml escapes &, <, > and the control characters XML 1.0 cannot hold
// (as &#NN;), but writes a carriage return as it is, which every reader then
// turns into a line feed (XML's end-of-line rule): a key holding one would
// come back changed. A character reference survives that rule.
class CarriageReturnEscaper : public pugi::xml_writer {
 public:
  explicit CarriageReturnEscaper(std::string& out) : out_(out) {}
  void write(const void* data, size_t size) override {
    std::string_view text(static_cast<const char*>(data), size);
    for (char c : text) {
      if (c == '\r') {
        out_ += "&#13;";
      } else {
        out_ += c;
      }
    }
  }

 private:
  std::string& out_;
};

// Text is taken exactly as sent: whitespace-only text (a key of one space)
// is kept, nothing is trimmed. Line ends are normalized as XML requires (a
// carriage return is sent as &#13; to survive that, as S3 documents).
constexpr unsigned kRequestParseFlags =
    pugi::parse_cdata | pugi::parse_escapes | pugi::parse_eol | pugi::parse_ws_pcdata;

}  // namespace

std::string serialize_xml(const pugi::xml_document& doc) {
  std::string out;
  CarriageReturnEscaper writer(out);
  doc.save(writer, "", pugi::format_raw, pugi::encoding_utf8);
  return out;
}

XmlResponse::XmlResponse(const char* root_name) {
  auto decl = doc_.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  root_ = doc_.append_child(root_name);
  root_.append_attribute("xmlns") = kS3Namespace;
}

std::string XmlResponse::str() const { return serialize_xml(doc_); }

pugi::xml_node add_element(pugi::xml_node parent, const char* name, std::string_view value) {
  auto node = parent.append_child(name);
  node.append_child(pugi::node_pcdata).set_value(std::string(value).c_str());
  return node;
}

pugi::xml_node add_element(pugi::xml_node parent, const char* name, uint64_t value) {
  return add_element(parent, name, std::to_string(value));
}

pugi::xml_node add_element(pugi::xml_node parent, const char* name, bool value) {
  return add_element(parent, name, value ? std::string_view("true") : std::string_view("false"));
}

std::string_view local_name(const pugi::xml_node& node) {
  std::string_view name = node.name();
  auto colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node child(const pugi::xml_node& parent, std::string_view name) {
  for (auto c : parent.children()) {
    if (c.type() == pugi::node_element && local_name(c) == name) return c;
  }
  return {};
}

std::string child_text(const pugi::xml_node& parent, std::string_view name) {
  return child(parent, name).text().get();
}

pugi::xml_document parse_request_xml(std::string_view body, const char* expected_root) {
  pugi::xml_document doc;
  auto result = doc.load_buffer(body.data(), body.size(), kRequestParseFlags, pugi::encoding_utf8);
  if (!result) throw S3Error(S3ErrorCode::kMalformedXML);
  auto root = doc.document_element();
  if (!root || local_name(root) != expected_root) throw S3Error(S3ErrorCode::kMalformedXML);
  return doc;
}

}  // namespace moss::s3
