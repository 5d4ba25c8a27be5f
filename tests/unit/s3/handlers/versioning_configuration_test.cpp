#include "s3/handlers/versioning_configuration.h"

#include <gtest/gtest.h>

#include "s3/errors.h"

namespace moss::s3 {
namespace {

using store::VersioningState;

std::string doc(const std::string& body) {
  return "<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" + body +
         "</VersioningConfiguration>";
}

std::string error_of(const std::string& xml) {
  try {
    parse_versioning_configuration(xml);
  } catch (const S3Error& e) {
    return std::string(e.info().code);
  }
  return "";
}

TEST(VersioningConfiguration, ParsesEnabledAndSuspended) {
  EXPECT_EQ(parse_versioning_configuration(doc("<Status>Enabled</Status>")),
            VersioningState::kEnabled);
  EXPECT_EQ(parse_versioning_configuration(doc("<Status>Suspended</Status>")),
            VersioningState::kSuspended);
  EXPECT_EQ(parse_versioning_configuration(
                doc("<Status>Enabled</Status><MfaDelete>Disabled</MfaDelete>")),
            VersioningState::kEnabled);
}

TEST(VersioningConfiguration, NoStatusChangesNothing) {
  EXPECT_EQ(parse_versioning_configuration(doc("")), std::nullopt);
}

TEST(VersioningConfiguration, ABucketNeverReturnsToUnversioned) {
  for (const char* bad : {"Disabled", "Unversioned", "enabled", ""}) {
    EXPECT_EQ(error_of(doc(std::string("<Status>") + bad + "</Status>")), "MalformedXML") << bad;
  }
}

TEST(VersioningConfiguration, MalformedDocumentsAndMfaDelete) {
  EXPECT_EQ(error_of("<VersioningConfiguration><Status>"), "MalformedXML");
  EXPECT_EQ(error_of("<LifecycleConfiguration/>"), "MalformedXML");
  EXPECT_EQ(error_of(doc("<Status>Enabled</Status><Status>Enabled</Status>")), "MalformedXML");
  EXPECT_EQ(error_of(doc("<State>Enabled</State>")), "MalformedXML");
  EXPECT_EQ(error_of(doc("<Status>Enabled</Status><MfaDelete>Maybe</MfaDelete>")), "MalformedXML");
  EXPECT_EQ(error_of(doc("<Status>Enabled</Status><MfaDelete>Enabled</MfaDelete>")),
            "NotImplemented");
}

TEST(VersioningConfiguration, RendersAnEmptyDocumentForANeverVersionedBucket) {
  std::string never = render_versioning_configuration(VersioningState::kUnversioned);
  EXPECT_EQ(never.find("<Status>"), std::string::npos) << never;
  EXPECT_NE(never.find("<VersioningConfiguration"), std::string::npos) << never;
  EXPECT_NE(render_versioning_configuration(VersioningState::kSuspended)
                .find("<Status>Suspended</Status>"),
            std::string::npos);
}

}  // namespace
}  // namespace moss::s3
