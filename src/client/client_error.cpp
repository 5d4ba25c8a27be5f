#include "moss/client/client_error.h"

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

namespace moss::client {

ClientError ClientError::transport(std::string message) {
  return {Kind::kTransport, 0, "", std::move(message), ""};
}
ClientError ClientError::local(std::string message) {
  return {Kind::kLocal, 0, "", std::move(message), ""};
}
ClientError ClientError::integrity(std::string message) {
  return {Kind::kIntegrity, 0, "", std::move(message), ""};
}
ClientError ClientError::protocol(std::string message) {
  return {Kind::kProtocol, 0, "", std::move(message), ""};
}

std::string ClientError::describe() const {
  if (kind != Kind::kHttp) return message;
  std::string text = std::to_string(status);
  if (!code.empty()) text += " " + code;
  if (!message.empty()) text += ": " + message;
  return text;
}

namespace {

// Reason phrases for body-less error answers (HEAD), so the message says more
// than a number.
std::string status_text(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 412:
      return "Precondition Failed";
    case 416:
      return "Range Not Satisfiable";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "";
  }
}

bool parse_xml_error(std::string_view body, ClientError& error) {
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) return false;
  auto root = doc.child("Error");
  if (!root) return false;
  error.code = root.child_value("Code");
  error.message = root.child_value("Message");
  if (error.request_id.empty()) error.request_id = root.child_value("RequestId");
  return true;
}

bool parse_json_error(std::string_view body, ClientError& error) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("error")) return false;
  const auto& e = doc["error"];
  if (!e.is_object()) return false;
  error.code = e.value("code", "");
  error.message = e.value("message", "");
  if (error.request_id.empty()) error.request_id = e.value("request_id", "");
  return true;
}

}  // namespace

ClientError error_from_response(int status, std::string_view body,
                                std::string_view request_id_header) {
  ClientError error{ClientError::Kind::kHttp, status, "", "", std::string(request_id_header)};
  size_t start = body.find_first_not_of(" \t\r\n");
  std::string_view trimmed = start == std::string_view::npos ? "" : body.substr(start);
  bool parsed = false;
  if (trimmed.starts_with("<")) {
    parsed = parse_xml_error(trimmed, error);
  } else if (trimmed.starts_with("{")) {
    parsed = parse_json_error(trimmed, error);
  }
  if (!parsed) error.message = status_text(status);
  return error;
}

}  // namespace moss::client
