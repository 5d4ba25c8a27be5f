// Logging setup. Two streams on stdout, buffered and flushed every second:
// the application log ("moss") and the access log ("access", one line per
// request). In JSON mode every line is one JSON object, for log collectors.
#pragma once

#include <fmt/format.h>
#include <spdlog/logger.h>

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>

namespace moss {

enum class LogFormat { kText, kJson };

// Installs the loggers; `level` is an spdlog level name ("info", "debug").
void setup_logging(LogFormat format, const std::string& level);

// The access log. Each message is the body of a JSON object without braces
// ("\"request_id\":\"...\",..."), which the JSON pattern wraps.
std::shared_ptr<spdlog::logger> access_logger();
LogFormat log_format();

// JSON string escaping for hand-built log fields.
std::string json_escape(std::string_view text);

// The same escaping as a format argument: `fmt::format("{}", JsonEscaped{text})`
// writes straight into the line, with no string of its own (the access log
// formats several per request).
struct JsonEscaped {
  std::string_view text;
};
void append_json_escaped(fmt::memory_buffer& out, std::string_view text);

}  // namespace moss

template <>
struct fmt::formatter<moss::JsonEscaped> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(const moss::JsonEscaped& value, FormatContext& ctx) const {
    fmt::memory_buffer escaped;
    moss::append_json_escaped(escaped, value.text);
    return std::copy(escaped.begin(), escaped.end(), ctx.out());
  }
};
