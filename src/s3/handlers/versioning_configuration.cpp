#include "s3/handlers/versioning_configuration.h"

#include "s3/errors.h"
#include "s3/xml.h"

namespace moss::s3 {

std::optional<store::VersioningState> parse_versioning_configuration(std::string_view xml) {
  auto doc = parse_request_xml(xml, "VersioningConfiguration");
  pugi::xml_node status;
  pugi::xml_node mfa_delete;
  for (auto c : doc.document_element().children()) {
    if (c.type() != pugi::node_element) continue;
    auto name = local_name(c);
    pugi::xml_node* slot = name == "Status" ? &status : name == "MfaDelete" ? &mfa_delete : nullptr;
    if (!slot || *slot) throw S3Error(S3ErrorCode::kMalformedXML);
    *slot = c;
  }
  if (mfa_delete) {
    std::string_view value = mfa_delete.text().get();
    if (value == "Enabled") {
      throw S3Error(S3ErrorCode::kNotImplemented, "MFA Delete is not supported by this server.");
    }
    if (value != "Disabled") throw S3Error(S3ErrorCode::kMalformedXML);
  }
  if (!status) return std::nullopt;
  std::string_view value = status.text().get();
  if (value == "Enabled") return store::VersioningState::kEnabled;
  if (value == "Suspended") return store::VersioningState::kSuspended;
  throw S3Error(S3ErrorCode::kMalformedXML);
}

std::string render_versioning_configuration(store::VersioningState state) {
  XmlResponse doc("VersioningConfiguration");
  if (state == store::VersioningState::kEnabled) {
    add_element(doc.root(), "Status", std::string_view("Enabled"));
  } else if (state == store::VersioningState::kSuspended) {
    add_element(doc.root(), "Status", std::string_view("Suspended"));
  }
  return doc.str();
}

}  // namespace moss::s3
