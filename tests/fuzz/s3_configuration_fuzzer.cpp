// libFuzzer target: the XML documents of PutBucketLifecycleConfiguration and
// PutBucketVersioning (src/s3/handlers/lifecycle_configuration.h,
// versioning_configuration.h). A parse must accept the document or throw an
// S3Error, nothing else; a lifecycle configuration it accepts must render
// and parse back to the same rules (what GetBucketLifecycleConfiguration
// answers is what was stored), and every day count and date it accepts must
// be one the lifecycle arithmetic handles (lifecycle_policy.h).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "moss/store/lifecycle_policy.h"
#include "s3/errors.h"
#include "s3/handlers/lifecycle_configuration.h"
#include "s3/handlers/versioning_configuration.h"

using namespace moss;

namespace {

bool same_rule(const store::LifecycleRule& a, const store::LifecycleRule& b) {
  return a.id == b.id && a.enabled == b.enabled && a.prefix == b.prefix &&
         a.filter_form == b.filter_form && a.expiration_days == b.expiration_days &&
         a.expiration_date_ns == b.expiration_date_ns &&
         a.expired_object_delete_marker == b.expired_object_delete_marker &&
         a.noncurrent_days == b.noncurrent_days &&
         a.newer_noncurrent_versions == b.newer_noncurrent_versions &&
         a.abort_upload_days == b.abort_upload_days;
}

void check_lifecycle(std::string_view xml) {
  std::vector<store::LifecycleRule> rules;
  try {
    rules = s3::parse_lifecycle_configuration(xml);
  } catch (const s3::S3Error&) {
    return;
  }
  for (const auto& rule : rules) {
    // A version written now or at the end of representable time: the due
    // time is never before the start (no wrap into the past).
    for (int64_t start : {int64_t{1'700'000'000'000'000'000}, INT64_MAX - 1}) {
      for (auto days : {rule.expiration_days, rule.noncurrent_days, rule.abort_upload_days}) {
        if (days && store::lifecycle_due_ns(start, *days) < start) std::abort();
      }
    }
  }
  const std::string rendered = s3::render_lifecycle_configuration(rules);
  std::vector<store::LifecycleRule> again;
  try {
    again = s3::parse_lifecycle_configuration(rendered);
  } catch (const s3::S3Error&) {
    std::abort();  // moss refused what it rendered
  }
  if (again.size() != rules.size()) std::abort();
  for (size_t i = 0; i < rules.size(); ++i) {
    if (!same_rule(rules[i], again[i])) std::abort();
  }
}

void check_versioning(std::string_view xml) {
  try {
    auto state = s3::parse_versioning_configuration(xml);
    if (state) s3::render_versioning_configuration(*state);
  } catch (const s3::S3Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view xml(reinterpret_cast<const char*>(data), size);
  check_lifecycle(xml);
  check_versioning(xml);
  return 0;
}
