#include "s3/auth/policy.h"

#include <nlohmann/json.hpp>

namespace moss::s3 {
namespace {

using nlohmann::json;

// Policy variables ("${aws:username}") are substituted by IAM; moss would
// compare them literally, so a Deny written with one would deny nothing.
constexpr std::string_view kPolicyVariable = "${";

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool is_service_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

// "*" or "service:pattern", as IAM requires ("s3:GetObject", "s3:*", "moss:Admin").
std::optional<std::string> action_problem(std::string_view action) {
  if (action == "*") return std::nullopt;
  auto colon = action.find(':');
  std::string_view service = action.substr(0, colon);
  if (colon == std::string_view::npos || service.empty() || colon + 1 == action.size()) {
    return R"(expected "*" or "service:action", such as "s3:GetObject" or "s3:*")";
  }
  for (char c : service) {
    if (!is_service_character(c)) {
      return "the service before ':' must be letters, digits and '-' (\"s3\", \"moss\")";
    }
  }
  return std::nullopt;
}

std::optional<std::string> resource_problem(std::string_view resource) {
  if (resource == "*" || resource.starts_with("arn:")) return std::nullopt;
  return R"(expected "*" or an ARN, such as "arn:aws:s3:::bucket" or "arn:aws:s3:::bucket/key/*")";
}

class PolicyParser {
 public:
  Result<Policy, std::string> parse(const json& document, const std::string& path) {
    if (!document.is_object()) return fail(path + ": expected an object");
    for (const auto& [name, value] : document.items()) {
      if (name != "Version" && name != "Id" && name != "Statement") {
        return fail(path + "." + name +
                    ": unknown element (a policy has Version, Id and Statement)");
      }
    }
    Policy policy;
    if (auto version = document.find("Version"); version != document.end()) {
      if (!version->is_string()) return fail(path + ".Version: expected a string");
      policy.version = version->get<std::string>();
      if (policy.version != "2012-10-17" && policy.version != "2008-10-17") {
        return fail(path + R"(.Version: expected "2012-10-17" or "2008-10-17")");
      }
    }
    if (auto id = document.find("Id"); id != document.end() && !id->is_string()) {
      return fail(path + ".Id: expected a string");
    }
    auto statements = document.find("Statement");
    const std::string where = path + ".Statement";
    if (statements == document.end()) return fail(where + ": missing");
    if (statements->is_object()) {
      // IAM accepts a lone statement without the list around it.
      auto statement = parse_statement(*statements, where);
      if (!statement) return fail(std::move(statement.error()));
      policy.statements.push_back(std::move(*statement));
      return policy;
    }
    if (!statements->is_array()) return fail(where + ": expected a list of statements");
    if (statements->empty()) return fail(where + ": expected at least one statement");
    for (size_t i = 0; i < statements->size(); ++i) {
      auto statement = parse_statement((*statements)[i], indexed(where, i));
      if (!statement) return fail(std::move(statement.error()));
      policy.statements.push_back(std::move(*statement));
    }
    return policy;
  }

 private:
  static std::string indexed(const std::string& path, size_t i) {
    return path + "[" + std::to_string(i) + "]";
  }

  Result<PolicyStatement, std::string> parse_statement(const json& value, const std::string& path) {
    if (!value.is_object()) return fail(path + ": expected an object");
    PolicyStatement statement;
    for (const auto& [name, element] : value.items()) {
      const std::string where = path + "." + name;
      if (name == "Sid") {
        if (!element.is_string()) return fail(where + ": expected a string");
        statement.sid = element.get<std::string>();
      } else if (name == "Effect") {
        if (element == "Allow") {
          statement.effect = Effect::kAllow;
        } else if (element == "Deny") {
          statement.effect = Effect::kDeny;
        } else {
          return fail(where + R"(: expected "Allow" or "Deny")");
        }
      } else if (name == "Action") {
        auto actions = parse_patterns(element, where, "action", Empty::kRefused, action_problem);
        if (!actions) return fail(std::move(actions.error()));
        statement.actions = std::move(*actions);
      } else if (name == "Resource") {
        auto resources =
            parse_patterns(element, where, "resource", Empty::kRefused, resource_problem);
        if (!resources) return fail(std::move(resources.error()));
        statement.resources = std::move(*resources);
      } else if (name == "Condition") {
        auto conditions = parse_condition(element, where);
        if (!conditions) return fail(std::move(conditions.error()));
        statement.prefix_conditions = std::move(*conditions);
      } else if (name == "NotAction" || name == "NotResource") {
        return fail(where + ": not supported; list what the statement covers in " + name.substr(3) +
                    " instead");
      } else if (name == "Principal" || name == "NotPrincipal") {
        return fail(where +
                    ": not supported; a moss policy belongs to the key it is attached to, which is "
                    "its principal");
      } else {
        return fail(where +
                    ": unknown element (a statement has Sid, Effect, Action, Resource and "
                    "Condition)");
      }
    }
    for (const char* required : {"Effect", "Action", "Resource"}) {
      if (!value.contains(required)) return fail(path + "." + required + ": missing");
    }
    return statement;
  }

  enum class Empty { kRefused, kAllowed };

  // A string or a non-empty list of strings, each checked by `problem`.
  template <class Check>
  Result<std::vector<std::string>, std::string> parse_patterns(const json& value,
                                                               const std::string& path,
                                                               std::string_view what, Empty empty,
                                                               Check problem) {
    std::vector<std::string> patterns;
    auto add = [&](const json& item, const std::string& where) -> std::optional<std::string> {
      if (!item.is_string()) return where + ": expected a string";
      auto text = item.get<std::string>();
      if (text.empty() && empty == Empty::kRefused) return where + ": expected a non-empty string";
      if (text.find(kPolicyVariable) != std::string::npos) {
        return where + ": policy variables (${...}) are not supported";
      }
      if (auto why = problem(text)) return where + ": " + *why;
      patterns.push_back(std::move(text));
      return std::nullopt;
    };
    if (value.is_string()) {
      if (auto error = add(value, path)) return fail(std::move(*error));
      return patterns;
    }
    if (!value.is_array()) return fail(path + ": expected a string or a list of strings");
    if (value.empty()) return fail(path + ": expected at least one " + std::string(what));
    for (size_t i = 0; i < value.size(); ++i) {
      if (auto error = add(value[i], indexed(path, i))) return fail(std::move(*error));
    }
    return patterns;
  }

  // {"StringLike": {"s3:prefix": ...}, "StringEquals": {"s3:prefix": ...}}
  Result<std::vector<PrefixCondition>, std::string> parse_condition(const json& value,
                                                                    const std::string& path) {
    if (!value.is_object()) return fail(path + ": expected an object");
    if (value.empty()) return fail(path + ": expected at least one condition operator");
    std::vector<PrefixCondition> conditions;
    for (const auto& [operator_name, keys] : value.items()) {
      const std::string where = path + "." + operator_name;
      PrefixCondition condition;
      if (operator_name == "StringLike") {
        condition.op = PrefixCondition::Operator::kStringLike;
      } else if (operator_name == "StringEquals") {
        condition.op = PrefixCondition::Operator::kStringEquals;
      } else {
        return fail(where +
                    ": condition operator not supported (moss supports StringEquals and "
                    "StringLike)");
      }
      if (!keys.is_object()) return fail(where + ": expected an object");
      if (keys.empty()) return fail(where + ": expected at least one condition key");
      for (const auto& [key, values] : keys.items()) {
        const std::string key_path = where + "." + key;
        // Condition key names are case-insensitive in IAM.
        if (!equals_ignoring_case(key, "s3:prefix")) {
          return fail(key_path + ": condition key not supported (moss supports s3:prefix)");
        }
        // The empty string is a meaningful value here: the bucket's top level.
        auto parsed = parse_patterns(values, key_path, "value", Empty::kAllowed,
                                     [](std::string_view) { return std::optional<std::string>(); });
        if (!parsed) return fail(std::move(parsed.error()));
        condition.values = std::move(*parsed);
        conditions.push_back(condition);
      }
    }
    return conditions;
  }
};

}  // namespace

Result<Policy, std::string> parse_policy(const nlohmann::json& document, std::string_view path) {
  return PolicyParser().parse(document, std::string(path));
}

}  // namespace moss::s3
