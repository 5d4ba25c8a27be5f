// libFuzzer target: a key's permission policy (src/s3/auth/policy.h), JSON
// as the credentials file holds it, parsed and then evaluated against a few
// requests. Parsing must return a policy or an error message, never throw or
// crash; the evaluator must answer every request, and a decision that names
// a statement must name one of the policy's, of the matching effect.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "s3/auth/policy.h"
#include "s3/auth/policy_evaluator.h"

using namespace moss::s3;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto document = nlohmann::json::parse(data, data + size, nullptr, false);
  if (document.is_discarded()) return 0;
  auto policy = parse_policy(document, "keys[0].policy");
  if (!policy.ok()) {
    if (policy.error().empty()) std::abort();
    return 0;
  }
  const std::string bucket_arn = s3_resource_arn("models");
  const std::string object_arn = s3_resource_arn("models", "llama/tags/latest");
  const std::string everything_arn = s3_resource_arn();
  const AccessRequest requests[] = {
      {"s3:GetObject", object_arn, std::nullopt},
      {"s3:PutObject", object_arn, std::nullopt},
      {"s3:ListBucket", bucket_arn, std::string_view("llama-")},
      {"s3:ListBucket", bucket_arn, std::string_view("")},
      {"moss:Admin", everything_arn, std::nullopt},
  };
  for (const auto& request : requests) {
    auto decision = evaluate_policy(*policy, request);
    if (decision.outcome == PolicyDecision::Outcome::kNotAllowed) {
      if (decision.statement) std::abort();
      continue;
    }
    if (!decision.statement || *decision.statement >= policy->statements.size()) std::abort();
    const Effect effect = policy->statements[*decision.statement].effect;
    if ((effect == Effect::kDeny) !=
        (decision.outcome == PolicyDecision::Outcome::kExplicitlyDenied)) {
      std::abort();
    }
    describe_decision(*policy, decision);
  }
  return 0;
}
