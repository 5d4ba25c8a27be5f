// Time formats of HTTP and S3. Times are Unix seconds (or nanoseconds where noted), UTC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace moss {

// "Sun, 06 Nov 1994 08:49:37 GMT" (IMF-fixdate, as Last-Modified uses).
std::string format_http_date(int64_t unix_seconds);
// Accepts IMF-fixdate, RFC 850 and asctime forms (RFC 9110 section 5.6.7).
std::optional<int64_t> parse_http_date(std::string_view text);

// "20150830T123600Z" (x-amz-date, X-Amz-Date).
std::string format_amz_date(int64_t unix_seconds);
std::optional<int64_t> parse_amz_date(std::string_view text);

// "2009-10-12T17:50:30.000Z" (XML timestamps; millisecond precision).
std::string format_iso8601(int64_t unix_nanos);
// Accepts the extended form with or without fractional seconds, 'Z' only.
std::optional<int64_t> parse_iso8601(std::string_view text);  // unix seconds

// "2026-12-05T19:39:58.123456789Z" (the audit trail's "time"; nanoseconds).
std::string format_rfc3339_nanos(int64_t unix_nanos);

}  // namespace moss
