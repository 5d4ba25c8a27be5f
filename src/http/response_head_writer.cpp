#include "http/response_head_writer.h"

#include <stdexcept>
#include <string_view>

#include "moss/util/ascii.h"

namespace moss::http {
namespace {

[[noreturn]] void throw_unsafe_field(std::string_view name) {
  throw std::invalid_argument("response header " + std::string(name) +
                              " holds a control character");
}

}  // namespace

void refuse_unsafe_fields(const ResponseHead& head) {
  for (const auto& field : head) {
    if (has_control_character(field.value())) throw_unsafe_field(field.name_string());
  }
}

void append_response_head(std::string& out, const ResponseHead& head) {
  const size_t start = out.size();
  const unsigned version = head.version();
  const unsigned code = head.result_int();
  std::string_view reason(head.reason());
  if (reason.empty()) {
    reason = std::string_view(boost::beast::http::obsolete_reason(head.result()));
  }
  char status_line[] = "HTTP/1.1 200 ";
  status_line[5] = static_cast<char>('0' + version / 10 % 10);
  status_line[7] = static_cast<char>('0' + version % 10);
  status_line[9] = static_cast<char>('0' + code / 100 % 10);
  status_line[10] = static_cast<char>('0' + code / 10 % 10);
  status_line[11] = static_cast<char>('0' + code % 10);
  out.append(status_line, sizeof status_line - 1);
  out.append(reason);
  out.append("\r\n");
  for (const auto& field : head) {
    const std::string_view value(field.value());
    if (has_control_character(value)) {
      out.resize(start);
      throw_unsafe_field(field.name_string());
    }
    out.append(std::string_view(field.name_string()));
    out.append(": ");
    out.append(value);
    out.append("\r\n");
  }
  out.append("\r\n");
}

}  // namespace moss::http
