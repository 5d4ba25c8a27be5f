#include "registry/json_responses.h"

#include <nlohmann/json.hpp>

#include "s3/responses.h"

namespace moss::s3 {

http::response<http::string_body> json_error_response(const S3Error& error,
                                                      std::string_view request_id,
                                                      unsigned version) {
  auto res = error_head(error, request_id, version);
  if (error_has_body(error)) {
    nlohmann::json body = {
        {"error",
         {{"code", error.info().code}, {"message", error.message()}, {"request_id", request_id}}}};
    res.set(http::field::content_type, "application/json");
    res.body() = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  res.prepare_payload();
  return res;
}

awaitable<void> send_json(RequestContext& ctx, ResponseHead head, const nlohmann::json& doc) {
  http::response<http::string_body> res(std::move(head));
  res.set(http::field::content_type, "application/json");
  res.body() = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  res.prepare_payload();
  co_await ctx.ex.send(std::move(res));
}

}  // namespace moss::s3
