#include "hub/hub_errors.h"

#include <nlohmann/json.hpp>

#include "moss/hub/hub_protocol.h"
#include "s3/responses.h"

namespace moss::s3 {
namespace {

// The X-Error-Code of the errors Hub clients tell apart; empty for the rest.
std::string_view hub_error_code(S3ErrorCode code) {
  switch (code) {
    case S3ErrorCode::kRepoNotFound:
      return hub::kRepoNotFound;
    case S3ErrorCode::kRevisionNotFound:
      return hub::kRevisionNotFound;
    case S3ErrorCode::kEntryNotFound:
      return hub::kEntryNotFound;
    default:
      return {};
  }
}

// A message as a header may carry it: no control characters, bounded.
std::string header_message(std::string_view message) {
  std::string out;
  for (char c : message.substr(0, 512)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
  return out;
}

}  // namespace

http::response<http::string_body> hub_error_response(const S3Error& error,
                                                     std::string_view request_id, unsigned version,
                                                     bool anonymous) {
  const S3Error answered =
      anonymous && error.code() == S3ErrorCode::kAccessDenied
          ? S3Error(S3ErrorCode::kUnauthorized,
                    "Repository not found, or private: send a token (HF_TOKEN) of a key that "
                    "may read it.")
                .header("X-Error-Code", std::string(hub::kRepoNotFound))
          : error;
  auto res = error_head(answered, request_id, version);
  if (auto code = hub_error_code(answered.code()); !code.empty()) {
    res.set("X-Error-Code", code);
  }
  const std::string message = answered.message();
  res.set("X-Error-Message", header_message(message));
  if (error_has_body(answered)) {
    res.set(http::field::content_type, "application/json");
    res.body() = nlohmann::json{{"error", message}}.dump(-1, ' ', false,
                                                         nlohmann::json::error_handler_t::replace);
  }
  res.prepare_payload();
  return res;
}

}  // namespace moss::s3
