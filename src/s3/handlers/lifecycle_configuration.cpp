#include "s3/handlers/lifecycle_configuration.h"

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <map>
#include <set>

#include "moss/util/random_id.h"
#include "moss/util/time_format.h"
#include "s3/errors.h"
#include "s3/xml.h"

namespace moss::s3 {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr int64_t kSecondsPerDay = 86'400;

[[noreturn]] void malformed(std::string message = {}) {
  throw S3Error(S3ErrorCode::kMalformedXML, std::move(message));
}

[[noreturn]] void invalid_argument(std::string message) {
  throw S3Error(S3ErrorCode::kInvalidArgument, std::move(message));
}

// The element children of `node` by local name; an element that is not in
// `allowed`, or appears twice, makes the document malformed (S3's schema).
std::map<std::string, pugi::xml_node, std::less<>> children_of(
    const pugi::xml_node& node, std::initializer_list<std::string_view> allowed) {
  std::map<std::string, pugi::xml_node, std::less<>> out;
  for (auto c : node.children()) {
    if (c.type() != pugi::node_element) continue;
    std::string_view name = local_name(c);
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      malformed("Unexpected element " + std::string(name) + " in " + std::string(local_name(node)));
    }
    if (!out.emplace(std::string(name), c).second) {
      malformed("Element " + std::string(name) + " may appear only once in " +
                std::string(local_name(node)));
    }
  }
  return out;
}

const pugi::xml_node* find(const std::map<std::string, pugi::xml_node, std::less<>>& m,
                           std::string_view name) {
  auto it = m.find(name);
  return it == m.end() ? nullptr : &it->second;
}

// An xsd:int; one that does not parse fails the schema.
int parse_int(const pugi::xml_node& node) {
  std::string_view text = node.text().get();
  int value = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size()) {
    malformed("The value of " + std::string(local_name(node)) + " is not an integer");
  }
  return value;
}

bool parse_bool(const pugi::xml_node& node) {
  std::string_view text = node.text().get();
  if (text == "true") return true;
  if (text == "false") return false;
  malformed("The value of " + std::string(local_name(node)) + " is not true or false");
}

// "'Days' for Expiration action must be a positive integer": S3's wording.
int positive_days(const pugi::xml_node* node, const char* field, const char* action) {
  int value = node ? parse_int(*node) : 0;
  if (value <= 0) {
    invalid_argument("'" + std::string(field) + "' for " + action +
                     " action must be a positive integer");
  }
  return value;
}

void parse_filter(const pugi::xml_node& filter, store::LifecycleRule& rule) {
  auto c =
      children_of(filter, {"Prefix", "Tag", "And", "ObjectSizeGreaterThan", "ObjectSizeLessThan"});
  if (c.size() > 1) malformed("Filter must have exactly one of Prefix, Tag, And, ObjectSize*");
  if (c.empty()) {
    rule.filter_form = store::RuleFilterForm::kEmptyFilter;
    return;
  }
  if (auto* prefix = find(c, "Prefix")) {
    rule.filter_form = store::RuleFilterForm::kFilterPrefix;
    rule.prefix = prefix->text().get();
    return;
  }
  throw S3Error(S3ErrorCode::kNotImplemented,
                "Lifecycle rules filtered by object tags or sizes are not implemented; filter by "
                "Prefix.");
}

void parse_expiration(const pugi::xml_node& node, store::LifecycleRule& rule) {
  auto c = children_of(node, {"Days", "Date", "ExpiredObjectDeleteMarker"});
  if (c.size() != 1) {
    malformed("Expiration must have exactly one of Days, Date or ExpiredObjectDeleteMarker");
  }
  if (auto* days = find(c, "Days")) {
    rule.expiration_days = positive_days(days, "Days", "Expiration");
  } else if (auto* date = find(c, "Date")) {
    auto seconds = parse_iso8601(date->text().get());
    if (!seconds) malformed("The value of Date is not an ISO 8601 timestamp");
    if (*seconds % kSecondsPerDay != 0) invalid_argument("'Date' must be at midnight GMT");
    // Times are int64 nanoseconds (1677 to 2262): a Date outside would wrap
    // to another time, one far in the past expiring everything at once.
    int64_t date_ns = 0;
    if (__builtin_mul_overflow(*seconds, kNanosPerSecond, &date_ns)) {
      invalid_argument("'Date' must be between 1678-01-01 and 2262-04-11");
    }
    rule.expiration_date_ns = date_ns;
  } else {
    rule.expired_object_delete_marker = parse_bool(*find(c, "ExpiredObjectDeleteMarker"));
  }
}

void parse_noncurrent_expiration(const pugi::xml_node& node, store::LifecycleRule& rule) {
  auto c = children_of(node, {"NoncurrentDays", "NewerNoncurrentVersions"});
  rule.noncurrent_days =
      positive_days(find(c, "NoncurrentDays"), "NoncurrentDays", "NoncurrentVersionExpiration");
  if (auto* newer = find(c, "NewerNoncurrentVersions")) {
    int value = parse_int(*newer);
    if (value < 1 || value > kMaxNewerNoncurrentVersions) {
      invalid_argument(
          "'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be "
          "an integer from 1 to 100");
    }
    rule.newer_noncurrent_versions = value;
  }
}

store::LifecycleRule parse_rule(const pugi::xml_node& node) {
  auto c = children_of(node, {"ID", "Prefix", "Filter", "Status", "Expiration", "Transition",
                              "NoncurrentVersionTransition", "NoncurrentVersionExpiration",
                              "AbortIncompleteMultipartUpload"});
  store::LifecycleRule rule;
  if (auto* id = find(c, "ID")) rule.id = id->text().get();
  if (rule.id.size() > kMaxLifecycleRuleIdLength) {
    invalid_argument("ID length should not exceed allowed limit of 255");
  }

  auto* status = find(c, "Status");
  if (!status) malformed("A rule must have a Status");
  std::string_view status_text = status->text().get();
  if (status_text != "Enabled" && status_text != "Disabled") {
    malformed("Status must be Enabled or Disabled");
  }
  rule.enabled = status_text == "Enabled";

  auto* filter = find(c, "Filter");
  auto* prefix = find(c, "Prefix");
  if ((filter != nullptr) == (prefix != nullptr)) {
    malformed("A rule must have either a Filter or a Prefix, not both");
  }
  if (filter) {
    parse_filter(*filter, rule);
  } else {
    rule.filter_form = store::RuleFilterForm::kRulePrefix;
    rule.prefix = prefix->text().get();
  }

  if (find(c, "Transition") || find(c, "NoncurrentVersionTransition")) {
    throw S3Error(S3ErrorCode::kNotImplemented,
                  "Lifecycle transitions are not implemented: this server has one storage class.");
  }
  auto* expiration = find(c, "Expiration");
  auto* noncurrent = find(c, "NoncurrentVersionExpiration");
  auto* abort = find(c, "AbortIncompleteMultipartUpload");
  if (!expiration && !noncurrent && !abort) {
    throw S3Error(S3ErrorCode::kInvalidRequest,
                  "At least one action needs to be specified in a rule");
  }
  if (expiration) parse_expiration(*expiration, rule);
  if (noncurrent) parse_noncurrent_expiration(*noncurrent, rule);
  if (abort) {
    auto a = children_of(*abort, {"DaysAfterInitiation"});
    rule.abort_upload_days = positive_days(find(a, "DaysAfterInitiation"), "DaysAfterInitiation",
                                           "AbortIncompleteMultipartUpload");
  }
  return rule;
}

}  // namespace

std::vector<store::LifecycleRule> parse_lifecycle_configuration(std::string_view xml) {
  auto doc = parse_request_xml(xml, "LifecycleConfiguration");
  auto root = doc.document_element();
  std::vector<store::LifecycleRule> rules;
  for (auto node : root.children()) {
    if (node.type() != pugi::node_element) continue;
    if (local_name(node) != "Rule") malformed("Unexpected element " + std::string(node.name()));
    if (rules.size() == kMaxLifecycleRules) malformed("A configuration has at most 1000 rules");
    rules.push_back(parse_rule(node));
  }
  if (rules.empty()) malformed("A lifecycle configuration needs at least one Rule");

  std::set<std::string> ids;
  for (const auto& rule : rules) {
    if (!rule.id.empty() && !ids.insert(rule.id).second) {
      invalid_argument("Rule ID must be unique. Found same ID for more than one rule");
    }
  }
  for (auto& rule : rules) {
    if (rule.id.empty()) rule.id = random_alnum(48);
  }
  return rules;
}

std::string render_lifecycle_configuration(const std::vector<store::LifecycleRule>& rules) {
  XmlResponse doc("LifecycleConfiguration");
  for (const auto& rule : rules) {
    auto node = doc.root().append_child("Rule");
    if (rule.expiration_days || rule.expiration_date_ns || rule.expired_object_delete_marker) {
      auto e = node.append_child("Expiration");
      if (rule.expiration_days) add_element(e, "Days", uint64_t(*rule.expiration_days));
      if (rule.expiration_date_ns) add_element(e, "Date", format_iso8601(*rule.expiration_date_ns));
      if (rule.expired_object_delete_marker) {
        add_element(e, "ExpiredObjectDeleteMarker", *rule.expired_object_delete_marker);
      }
    }
    add_element(node, "ID", rule.id);
    switch (rule.filter_form) {
      case store::RuleFilterForm::kRulePrefix:
        add_element(node, "Prefix", rule.prefix);
        break;
      case store::RuleFilterForm::kEmptyFilter:
        node.append_child("Filter");
        break;
      case store::RuleFilterForm::kFilterPrefix:
        add_element(node.append_child("Filter"), "Prefix", rule.prefix);
        break;
    }
    add_element(node, "Status", std::string_view(rule.enabled ? "Enabled" : "Disabled"));
    if (rule.noncurrent_days) {
      auto n = node.append_child("NoncurrentVersionExpiration");
      add_element(n, "NoncurrentDays", uint64_t(*rule.noncurrent_days));
      if (rule.newer_noncurrent_versions) {
        add_element(n, "NewerNoncurrentVersions", uint64_t(*rule.newer_noncurrent_versions));
      }
    }
    if (rule.abort_upload_days) {
      add_element(node.append_child("AbortIncompleteMultipartUpload"), "DaysAfterInitiation",
                  uint64_t(*rule.abort_upload_days));
    }
  }
  return doc.str();
}

}  // namespace moss::s3
