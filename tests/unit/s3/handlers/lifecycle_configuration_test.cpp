#include "s3/handlers/lifecycle_configuration.h"

#include <gtest/gtest.h>

#include "s3/errors.h"

namespace moss::s3 {
namespace {

std::string config(const std::string& rules) {
  return "<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" + rules +
         "</LifecycleConfiguration>";
}

std::string rule(const std::string& body) { return "<Rule>" + body + "</Rule>"; }

// The S3 error code parsing `xml` fails with, or "" when it parses.
std::string error_of(const std::string& xml) {
  try {
    parse_lifecycle_configuration(xml);
  } catch (const S3Error& e) {
    return std::string(e.info().code);
  }
  return "";
}

std::string message_of(const std::string& xml) {
  try {
    parse_lifecycle_configuration(xml);
  } catch (const S3Error& e) {
    return e.message();
  }
  return "";
}

const std::string kFilter = "<Filter><Prefix>models/</Prefix></Filter><Status>Enabled</Status>";

TEST(LifecycleConfiguration, ParsesEveryActionModelStorageUses) {
  auto rules = parse_lifecycle_configuration(config(
      rule("<ID>keep-two</ID>" + kFilter +
           "<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays>"
           "<NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration>"
           "<AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation>"
           "</AbortIncompleteMultipartUpload>") +
      rule("<ID>tmp</ID><Prefix>tmp/</Prefix><Status>Disabled</Status>"
           "<Expiration><Days>30</Days></Expiration>") +
      rule(
          "<ID>markers</ID><Filter></Filter><Status>Enabled</Status>"
          "<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>")));
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(rules[0].id, "keep-two");
  EXPECT_TRUE(rules[0].enabled);
  EXPECT_EQ(rules[0].prefix, "models/");
  EXPECT_EQ(rules[0].filter_form, store::RuleFilterForm::kFilterPrefix);
  EXPECT_EQ(rules[0].noncurrent_days, 1);
  EXPECT_EQ(rules[0].newer_noncurrent_versions, 2);
  EXPECT_EQ(rules[0].abort_upload_days, 7);
  EXPECT_FALSE(rules[0].expiration_days);
  EXPECT_FALSE(rules[1].enabled);
  EXPECT_EQ(rules[1].filter_form, store::RuleFilterForm::kRulePrefix);
  EXPECT_EQ(rules[1].prefix, "tmp/");
  EXPECT_EQ(rules[1].expiration_days, 30);
  EXPECT_EQ(rules[2].filter_form, store::RuleFilterForm::kEmptyFilter);
  EXPECT_EQ(rules[2].prefix, "");
  EXPECT_EQ(rules[2].expired_object_delete_marker, true);
}

TEST(LifecycleConfiguration, ExpirationDateMustBeAMidnightUtc) {
  auto rules = parse_lifecycle_configuration(
      config(rule(kFilter + "<Expiration><Date>2099-11-10T00:00:00Z</Date></Expiration>")));
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(*rules[0].expiration_date_ns, int64_t{4097952000} * 1'000'000'000);
  EXPECT_EQ(error_of(config(
                rule(kFilter + "<Expiration><Date>2099-11-10T12:00:00Z</Date></Expiration>"))),
            "InvalidArgument");
  EXPECT_EQ(error_of(config(rule(kFilter + "<Expiration><Date>soon</Date></Expiration>"))),
            "MalformedXML");
}

TEST(LifecycleConfiguration, ADateNanosecondsCannotHoldIsAnInvalidArgument) {
  auto expiring_on = [](const std::string& date) {
    return config(rule(kFilter + "<Expiration><Date>" + date + "</Date></Expiration>"));
  };
  // The last midnight before int64 nanoseconds run out, and the first after.
  auto rules = parse_lifecycle_configuration(expiring_on("2262-04-11T00:00:00Z"));
  EXPECT_EQ(*rules[0].expiration_date_ns, int64_t{9223286400} * 1'000'000'000);
  EXPECT_EQ(error_of(expiring_on("2262-04-12T00:00:00Z")), "InvalidArgument");
  EXPECT_EQ(error_of(expiring_on("9999-12-31T00:00:00Z")), "InvalidArgument");
  EXPECT_EQ(error_of(expiring_on("1677-01-01T00:00:00Z")), "InvalidArgument");
  EXPECT_EQ(error_of(expiring_on("1970-01-01T00:00:00Z")), "");
}

TEST(LifecycleConfiguration, DayCountsAsLargeAsAnXsdIntAreAccepted) {
  auto rules = parse_lifecycle_configuration(
      config(rule(kFilter + "<Expiration><Days>2147483647</Days></Expiration>"
                            "<NoncurrentVersionExpiration><NoncurrentDays>100000</NoncurrentDays>"
                            "</NoncurrentVersionExpiration><AbortIncompleteMultipartUpload>"
                            "<DaysAfterInitiation>2147483647</DaysAfterInitiation>"
                            "</AbortIncompleteMultipartUpload>")));
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0].expiration_days, 2147483647);
  EXPECT_EQ(rules[0].noncurrent_days, 100000);
  EXPECT_EQ(rules[0].abort_upload_days, 2147483647);
}

TEST(LifecycleConfiguration, ARuleWithoutAnIdGetsOne) {
  auto rules = parse_lifecycle_configuration(
      config(rule(kFilter + "<Expiration><Days>1</Days></Expiration>") +
             rule(kFilter + "<Expiration><Days>2</Days></Expiration>")));
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_FALSE(rules[0].id.empty());
  EXPECT_NE(rules[0].id, rules[1].id);
}

TEST(LifecycleConfiguration, RendersWhatItParsedInTheSameForm) {
  auto rules = parse_lifecycle_configuration(config(
      rule("<ID>a</ID>" + kFilter +
           "<NoncurrentVersionExpiration><NoncurrentDays>3</NoncurrentDays>"
           "<NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration>") +
      rule("<ID>b</ID><Prefix>x/</Prefix><Status>Disabled</Status>"
           "<Expiration><Days>9</Days></Expiration>"
           "<AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation>"
           "</AbortIncompleteMultipartUpload>") +
      rule("<ID>c</ID><Filter/><Status>Enabled</Status>"
           "<Expiration><ExpiredObjectDeleteMarker>false</ExpiredObjectDeleteMarker></"
           "Expiration>")));
  std::string xml = render_lifecycle_configuration(rules);
  EXPECT_NE(xml.find("<Filter><Prefix>models/</Prefix></Filter>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<Prefix>x/</Prefix>"), std::string::npos) << xml;
  EXPECT_TRUE(xml.find("<Filter/>") != std::string::npos ||
              xml.find("<Filter />") != std::string::npos)
      << xml;
  auto again = parse_lifecycle_configuration(xml);
  ASSERT_EQ(again.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(again[i].id, rules[i].id);
    EXPECT_EQ(again[i].enabled, rules[i].enabled);
    EXPECT_EQ(again[i].prefix, rules[i].prefix);
    EXPECT_EQ(again[i].filter_form, rules[i].filter_form);
    EXPECT_EQ(again[i].expiration_days, rules[i].expiration_days);
    EXPECT_EQ(again[i].expired_object_delete_marker, rules[i].expired_object_delete_marker);
    EXPECT_EQ(again[i].noncurrent_days, rules[i].noncurrent_days);
    EXPECT_EQ(again[i].newer_noncurrent_versions, rules[i].newer_noncurrent_versions);
    EXPECT_EQ(again[i].abort_upload_days, rules[i].abort_upload_days);
  }
}

TEST(LifecycleConfiguration, DocumentsThatFailTheSchemaAreMalformedXml) {
  const std::string expire = "<Expiration><Days>1</Days></Expiration>";
  for (const std::string& bad : {
           std::string("<LifecycleConfiguration><Rule>"),  // not well-formed
           std::string("<VersioningConfiguration/>"),      // another root
           config(""),                                     // no rule
           config("<Rules/>"),
           config(rule(kFilter + expire + "<Colour>red</Colour>")),
           config(rule(kFilter + expire + expire)),
           config(rule("<Filter><Prefix>a</Prefix></Filter>" + expire)),  // no Status
           config(rule("<Filter/><Status>enabled</Status>" + expire)),
           config(rule("<Filter/><Status>On</Status>" + expire)),
           config(rule("<Status>Enabled</Status>" + expire)),  // neither Filter nor Prefix
           config(rule("<Prefix>a</Prefix><Filter/><Status>Enabled</Status>" + expire)),
           config(rule("<Filter><Prefix>a</Prefix><Prefix>b</Prefix></Filter>"
                       "<Status>Enabled</Status>" +
                       expire)),
           config(rule(kFilter + "<Expiration></Expiration>")),
           config(rule(kFilter + "<Expiration><Days>1</Days><ExpiredObjectDeleteMarker>true"
                                 "</ExpiredObjectDeleteMarker></Expiration>")),
           config(rule(kFilter + "<Expiration><Days>one</Days></Expiration>")),
           config(rule(kFilter + "<Expiration><Days>1.5</Days></Expiration>")),
           config(rule(kFilter + "<Expiration><ExpiredObjectDeleteMarker>yes"
                                 "</ExpiredObjectDeleteMarker></Expiration>")),
       }) {
    EXPECT_EQ(error_of(bad), "MalformedXML") << bad;
  }
}

TEST(LifecycleConfiguration, OutOfRangeValuesAreInvalidArgumentsWithS3sWording) {
  EXPECT_EQ(message_of(config(rule(kFilter + "<Expiration><Days>0</Days></Expiration>"))),
            "'Days' for Expiration action must be a positive integer");
  EXPECT_EQ(error_of(config(rule(kFilter + "<Expiration><Days>-3</Days></Expiration>"))),
            "InvalidArgument");
  EXPECT_EQ(message_of(config(rule(kFilter + "<NoncurrentVersionExpiration><NoncurrentDays>0"
                                             "</NoncurrentDays></NoncurrentVersionExpiration>"))),
            "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer");
  // S3 requires NoncurrentDays even when NewerNoncurrentVersions is given.
  EXPECT_EQ(message_of(
                config(rule(kFilter + "<NoncurrentVersionExpiration><NewerNoncurrentVersions>2"
                                      "</NewerNoncurrentVersions></NoncurrentVersionExpiration>"))),
            "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer");
  for (const char* newer : {"0", "101"}) {
    EXPECT_EQ(
        error_of(config(rule(kFilter +
                             "<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays>"
                             "<NewerNoncurrentVersions>" +
                             newer + "</NewerNoncurrentVersions></NoncurrentVersionExpiration>"))),
        "InvalidArgument")
        << newer;
  }
  EXPECT_EQ(
      message_of(config(rule(kFilter + "<AbortIncompleteMultipartUpload><DaysAfterInitiation>0"
                                       "</DaysAfterInitiation></AbortIncompleteMultipartUpload>"))),
      "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive "
      "integer");
  const std::string expire = "<Expiration><Days>1</Days></Expiration>";
  EXPECT_EQ(message_of(config(rule("<ID>" + std::string(256, 'a') + "</ID>" + kFilter + expire))),
            "ID length should not exceed allowed limit of 255");
  EXPECT_EQ(error_of(config(rule("<ID>" + std::string(255, 'a') + "</ID>" + kFilter + expire))),
            "");
  EXPECT_EQ(message_of(config(rule("<ID>same</ID>" + kFilter + expire) +
                              rule("<ID>same</ID>" + kFilter + expire))),
            "Rule ID must be unique. Found same ID for more than one rule");
}

TEST(LifecycleConfiguration, ARuleWithoutActionIsAnInvalidRequest) {
  EXPECT_EQ(error_of(config(rule("<ID>idle</ID>" + kFilter))), "InvalidRequest");
}

TEST(LifecycleConfiguration, WhatMossDoesNotApplyIsNotImplemented) {
  const std::string expire = "<Expiration><Days>1</Days></Expiration>";
  EXPECT_EQ(error_of(config(rule(kFilter + "<Transition><Days>30</Days>"
                                           "<StorageClass>GLACIER</StorageClass></Transition>"))),
            "NotImplemented");
  EXPECT_EQ(error_of(config(rule("<Filter><Tag><Key>a</Key><Value>b</Value></Tag></Filter>"
                                 "<Status>Enabled</Status>" +
                                 expire))),
            "NotImplemented");
  EXPECT_EQ(error_of(config(rule("<Filter><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan>"
                                 "</Filter><Status>Enabled</Status>" +
                                 expire))),
            "NotImplemented");
}

TEST(LifecycleConfiguration, AThousandRulesAreTheLimit) {
  std::string many;
  for (int i = 0; i < 1000; ++i) {
    many += rule("<ID>r" + std::to_string(i) + "</ID>" + kFilter +
                 "<Expiration><Days>1</Days></Expiration>");
  }
  EXPECT_EQ(parse_lifecycle_configuration(config(many)).size(), 1000u);
  many += rule(kFilter + "<Expiration><Days>1</Days></Expiration>");
  EXPECT_EQ(error_of(config(many)), "MalformedXML");
}

}  // namespace
}  // namespace moss::s3
