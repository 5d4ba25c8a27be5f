// The access line formatter writes what the patterns it replaced wrote.
#include "util/access_line_formatter.h"

#include <gtest/gtest.h>
#include <spdlog/pattern_formatter.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace moss {
namespace {

std::string formatted(spdlog::formatter& formatter, const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t out;
  formatter.format(msg, out);
  return std::string(out.data(), out.size());
}

spdlog::details::log_msg access_message(int64_t unix_nanos, std::string_view payload) {
  spdlog::details::log_msg msg("access", spdlog::level::info,
                               spdlog::string_view_t(payload.data(), payload.size()));
  msg.time = spdlog::log_clock::time_point(std::chrono::duration_cast<spdlog::log_clock::duration>(
      std::chrono::nanoseconds(unix_nanos)));
  return msg;
}

TEST(AccessLineFormatter, WritesWhatItsPatternsWrote) {
  const std::map<LogFormat, std::string> patterns = {
      {LogFormat::kText, "%Y-%m-%dT%H:%M:%S.%eZ access {%v}"},
      {LogFormat::kJson, R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","logger":"access",%v})"}};
  for (const auto& [format, pattern] : patterns) {
    spdlog::pattern_formatter reference(pattern, spdlog::pattern_time_type::utc);
    auto formatter = make_access_line_formatter(format);
    // Across seconds (the cached prefix must follow), a day, a year; a second
    // exactly; fractions at their edges.
    for (int64_t nanos : {1733427598'123456789LL, 1733427598'999999999LL, 1733427599'000000000LL,
                          1733427599'000999000LL, 1733443199'999000001LL, 1735689600'000001000LL,
                          1733427598'500000000LL, 0LL}) {
      const auto msg = access_message(nanos, R"("request_id":"r1","status":200)");
      EXPECT_EQ(formatted(*formatter, msg), formatted(reference, msg)) << nanos;
    }
  }
}

TEST(AccessLineFormatter, LinesReadAsExpected) {
  const auto msg = access_message(1733427598'123456789LL, R"("status":200)");
  EXPECT_EQ(formatted(*make_access_line_formatter(LogFormat::kText), msg),
            "2024-12-05T19:39:58.123Z access {\"status\":200}\n");
  EXPECT_EQ(
      formatted(*make_access_line_formatter(LogFormat::kJson), msg),
      R"({"time":"2024-12-05T19:39:58.123456Z","level":"info","logger":"access","status":200})"
      "\n");
}

}  // namespace
}  // namespace moss
