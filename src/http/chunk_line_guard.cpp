#include "http/chunk_line_guard.h"

namespace moss::http {

bool chunk_line_has_quote(std::string_view pending) {
  if (pending.starts_with("\r\n")) pending.remove_prefix(2);
  const auto line_end = pending.find("\r\n");
  return pending.substr(0, line_end).find('"') != std::string_view::npos;
}

}  // namespace moss::http
