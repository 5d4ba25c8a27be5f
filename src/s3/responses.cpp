#include "s3/responses.h"

#include "s3/xml.h"

namespace moss::s3 {

http::response<http::string_body> error_head(const S3Error& error, std::string_view request_id,
                                             unsigned version) {
  http::response<http::string_body> res;
  res.version(version);
  res.result(static_cast<http::status>(error.info().http_status));
  res.set(http::field::server, "moss");
  res.set("x-amz-request-id", request_id);
  for (const auto& [name, value] : error.headers()) res.set(name, value);
  return res;
}

http::response<http::string_body> error_response(const S3Error& error, std::string_view resource,
                                                 std::string_view request_id, unsigned version) {
  auto res = error_head(error, request_id, version);
  res.set("x-amz-id-2", request_id);
  if (error_has_body(error)) {
    pugi::xml_document doc;
    auto decl = doc.append_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    decl.append_attribute("encoding") = "UTF-8";
    auto root = doc.append_child("Error");
    add_element(root, "Code", error.info().code);
    add_element(root, "Message", error.message());
    for (const auto& [name, value] : error.details()) add_element(root, name.c_str(), value);
    add_element(root, "Resource", resource);
    add_element(root, "RequestId", request_id);
    res.set(http::field::content_type, "application/xml");
    res.body() = serialize_xml(doc);
  }
  res.prepare_payload();
  return res;
}

awaitable<void> send_xml(RequestContext& ctx, http::status status, std::string xml) {
  co_await send_xml(ctx, ctx.response_head(status), std::move(xml));
}

awaitable<void> send_xml(RequestContext& ctx, ResponseHead head, std::string xml) {
  http::response<http::string_body> res(std::move(head));
  res.set(http::field::content_type, "application/xml");
  res.body() = std::move(xml);
  res.prepare_payload();
  co_await ctx.ex.send(std::move(res));
}

awaitable<void> send_no_content(RequestContext& ctx) {
  co_await send_empty(ctx, ctx.response_head(http::status::no_content));
}

awaitable<void> send_empty(RequestContext& ctx, ResponseHead head) {
  http::response<http::string_body> res(std::move(head));
  res.prepare_payload();
  co_await ctx.ex.send(std::move(res));
}

}  // namespace moss::s3
