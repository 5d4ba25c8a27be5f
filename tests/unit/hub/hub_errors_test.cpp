// Errors as the Hub answers them: X-Error-Code for the 404s clients tell
// apart, 401 for an anonymous denial, JSON bodies.
#include "hub/hub_errors.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace moss::s3 {
namespace {

TEST(HubErrors, NotFoundsCarryTheirErrorCode) {
  for (auto [code, name] : {std::pair{S3ErrorCode::kRepoNotFound, "RepoNotFound"},
                            std::pair{S3ErrorCode::kRevisionNotFound, "RevisionNotFound"},
                            std::pair{S3ErrorCode::kEntryNotFound, "EntryNotFound"}}) {
    auto res = hub_error_response(S3Error(code, "what is missing"), "REQ1", 11, false);
    EXPECT_EQ(res.result_int(), 404u) << name;
    EXPECT_EQ(res["X-Error-Code"], name);
    EXPECT_EQ(res["X-Error-Message"], "what is missing");
    EXPECT_EQ(res[boost::beast::http::field::content_type], "application/json");
    EXPECT_EQ(nlohmann::json::parse(res.body())["error"], "what is missing");
  }
}

TEST(HubErrors, AnAnonymousDenialIsUnauthorizedAsAPrivateRepository) {
  auto res = hub_error_response(S3Error(S3ErrorCode::kAccessDenied), "REQ2", 11, true);
  EXPECT_EQ(res.result_int(), 401u);
  EXPECT_EQ(res["X-Error-Code"], "RepoNotFound");
}

TEST(HubErrors, ADeniedTokenIsForbiddenWithoutACode) {
  auto res = hub_error_response(S3Error(S3ErrorCode::kAccessDenied), "REQ3", 11, false);
  EXPECT_EQ(res.result_int(), 403u);
  EXPECT_EQ(res.count("X-Error-Code"), 0u);
  EXPECT_FALSE(res["X-Error-Message"].empty());
}

TEST(HubErrors, MessagesLoseControlCharactersInTheHeader) {
  auto res = hub_error_response(S3Error(S3ErrorCode::kEntryNotFound, "a\r\nb"), "REQ4", 11, false);
  EXPECT_EQ(res["X-Error-Message"], "a  b");
}

}  // namespace
}  // namespace moss::s3
