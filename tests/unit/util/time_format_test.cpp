#include "moss/util/time_format.h"

#include <gtest/gtest.h>

#include <clocale>
#include <cstdio>
#include <ctime>

namespace moss {
namespace {

constexpr int64_t kRfcExample = 784111777;     // Sun, 06 Nov 1994 08:49:37 GMT
constexpr int64_t kSigV4Example = 1440938160;  // 2015-08-30T12:36:00Z
constexpr int64_t kS3XmlExample = 1255369830;  // 2009-10-12T17:50:30Z

// --- HTTP dates ---

TEST(FormatHttpDate, ProducesImfFixdate) {
  EXPECT_EQ(format_http_date(kRfcExample), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(format_http_date(951782400), "Tue, 29 Feb 2000 00:00:00 GMT");
  EXPECT_EQ(format_http_date(2147483648), "Tue, 19 Jan 2038 03:14:08 GMT");
}

TEST(FormatHttpDate, PadsAsPrintfDoesPastFourDigitYears) {
  EXPECT_EQ(format_http_date(253402300799), "Fri, 31 Dec 9999 23:59:59 GMT");
  EXPECT_EQ(format_http_date(253402300800), "Sat, 01 Jan 10000 00:00:00 GMT");
  EXPECT_EQ(format_http_date(-62135596800), "Mon, 01 Jan 0001 00:00:00 GMT");
  EXPECT_EQ(format_amz_date(253402300800), "100000101T000000Z");
}

TEST(FormatHttpDate, IgnoresTheProcessLocale) {
  // Whatever locale the process runs in, names stay English.
  const char* previous = std::setlocale(LC_ALL, nullptr);
  const std::string saved = previous ? previous : "C";
  std::setlocale(LC_ALL, "de_DE.UTF-8");  // may not be installed; harmless then
  EXPECT_EQ(format_http_date(kRfcExample), "Sun, 06 Nov 1994 08:49:37 GMT");
  std::setlocale(LC_ALL, saved.c_str());
}

// The calendar arithmetic agrees with glibc's gmtime_r and timegm, which it
// replaced, second by second across day, month, leap-year and century
// boundaries, before the epoch and past year 9999.
TEST(FormatHttpDate, AgreesWithGmtimeAcrossTheCalendar) {
  auto reference = [](int64_t seconds) {
    const auto t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    EXPECT_NE(gmtime_r(&t, &tm), nullptr);
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char text[64];
    std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                  tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    return std::string(text);
  };
  int checked = 0;
  // A step of 3,617,749 seconds (about 42 days, and no whole number of
  // hours, so every time of day and weekday comes round) from year 1 to year
  // 12000, then every 7 seconds around 1900, 1970, 2000, 2100 and a leap day.
  for (int64_t t = -62'135'596'800; t < 316'502'000'000; t += 3'617'749) {
    ASSERT_EQ(format_http_date(t), reference(t)) << t;
    ++checked;
  }
  for (const int64_t turn : {int64_t{-2'208'988'800}, int64_t{0}, int64_t{946'684'800},
                             int64_t{4'102'444'800}, int64_t{951'782'400}}) {
    for (int64_t t = turn - 90'000; t < turn + 90'000; t += 7) {
      ASSERT_EQ(format_http_date(t), reference(t)) << t;
      ++checked;
    }
  }
  EXPECT_GT(checked, 200'000);
}

TEST(ParseAmzDate, AgreesWithTimegmOnEveryDayOfFourCenturies) {
  int checked = 0;
  for (int year = 1800; year < 2200; ++year) {
    for (int month = 1; month <= 12; ++month) {
      for (int day = 1; day <= 31; ++day) {
        std::tm tm{};
        tm.tm_year = year - 1900;
        tm.tm_mon = month - 1;
        tm.tm_mday = day;
        tm.tm_hour = day % 24;
        tm.tm_min = (day * 7) % 60;
        tm.tm_sec = (day * 13) % 60;
        const int64_t expected = timegm(&tm);
        char text[64];  // room for any int, or GCC -O1 warns of truncation
        std::snprintf(text, sizeof text, "%04d%02d%02dT%02d%02d%02dZ", year, month, day, day % 24,
                      (day * 7) % 60, (day * 13) % 60);
        if (tm.tm_mday != day) {  // timegm normalised a day the month has not got
          EXPECT_EQ(parse_amz_date(text), std::nullopt) << text;
          continue;
        }
        ASSERT_EQ(parse_amz_date(text), expected) << text;
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 146'097);  // the days of 400 Gregorian years
}

TEST(ParseHttpDate, AcceptsImfFixdate) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), kRfcExample);
}

TEST(ParseHttpDate, AcceptsObsoleteRfc850Form) {
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), kRfcExample);
}

TEST(ParseHttpDate, AcceptsAsctimeForm) {
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), kRfcExample);
  EXPECT_EQ(parse_http_date("Thu Jan 01 00:00:00 1970"), 0);
}

TEST(ParseHttpDate, Rfc850TwoDigitYearIsNeverMoreThan50YearsAhead) {
  // RFC 9110 section 5.6.7: relative to the current year. "94" would be 2094, more
  // than 50 years ahead (until 2044), so it is 1994; "15" is simply 2015.
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), kRfcExample);
  EXPECT_EQ(parse_http_date("Sunday, 30-Aug-15 12:36:00 GMT"), kSigV4Example);
}

TEST(ParseHttpDate, ToleratesSurroundingWhitespace) {
  EXPECT_EQ(parse_http_date("  Sun, 06 Nov 1994 08:49:37 GMT\t"), kRfcExample);
}

TEST(ParseHttpDate, RoundTripsFormattedDates) {
  for (const int64_t t : {int64_t{0}, kRfcExample, kSigV4Example, int64_t{4102444799}}) {
    EXPECT_EQ(parse_http_date(format_http_date(t)), t);
  }
}

TEST(ParseHttpDate, RejectsMalformedDates) {
  EXPECT_EQ(parse_http_date(""), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37"), std::nullopt);      // no zone
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC"), std::nullopt);  // not GMT
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 +0000"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 6 Nov 1994 08:49:37 GMT"), std::nullopt);   // 1-digit day
  EXPECT_EQ(parse_http_date("Sun, 06 nov 1994 08:49:37 GMT"), std::nullopt);  // case
  EXPECT_EQ(parse_http_date("sun, 06 Nov 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 94 08:49:37 GMT"), std::nullopt);  // 2-digit year
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 8:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMTX"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun,  06 Nov 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 0x Nov 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, +6 Nov 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sunday, 06 Nov 1994 08:49:37 GMT"), std::nullopt);  // mixed forms
  EXPECT_EQ(parse_http_date("Sun, 06-Nov-94 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun Nov 6 08:49:37 1994"), std::nullopt);  // asctime pads with space
  EXPECT_EQ(parse_http_date("1994-11-06T08:49:37Z"), std::nullopt);
}

TEST(ParseHttpDate, RejectsOutOfRangeFields) {
  EXPECT_EQ(parse_http_date("Sun, 32 Jan 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 00 Jan 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 29 Feb 1900 00:00:00 GMT"), std::nullopt);  // not leap
  EXPECT_EQ(parse_http_date("Sun, 31 Apr 1994 00:00:00 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 24:00:00 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:60:00 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:61 GMT"), std::nullopt);
}

TEST(ParseHttpDate, AcceptsLeapDayAndLeapSecond) {
  EXPECT_EQ(parse_http_date("Tue, 29 Feb 2000 00:00:00 GMT"), 951782400);
  // 23:59:60 is the leap second; it maps onto the following midnight.
  EXPECT_EQ(parse_http_date("Sat, 31 Dec 2016 23:59:60 GMT"), 1483228800);
}

TEST(ParseHttpDate, DoesNotCheckTheWeekday) {
  // The weekday is redundant; a wrong one does not make the date unusable.
  EXPECT_EQ(parse_http_date("Mon, 06 Nov 1994 08:49:37 GMT"), kRfcExample);
}

// --- x-amz-date ---

TEST(FormatAmzDate, ProducesBasicIso8601) {
  EXPECT_EQ(format_amz_date(kSigV4Example), "20150830T123600Z");
  EXPECT_EQ(format_amz_date(0), "19700101T000000Z");
}

TEST(ParseAmzDate, ParsesBasicIso8601) {
  EXPECT_EQ(parse_amz_date("20150830T123600Z"), kSigV4Example);
  EXPECT_EQ(parse_amz_date(format_amz_date(kRfcExample)), kRfcExample);
}

TEST(ParseAmzDate, RejectsAnythingElse) {
  EXPECT_EQ(parse_amz_date(""), std::nullopt);
  EXPECT_EQ(parse_amz_date("20150830T123600"), std::nullopt);
  EXPECT_EQ(parse_amz_date("20150830T123600z"), std::nullopt);
  EXPECT_EQ(parse_amz_date("20150830t123600Z"), std::nullopt);
  EXPECT_EQ(parse_amz_date("2015-08-30T12:36:00Z"), std::nullopt);
  EXPECT_EQ(parse_amz_date("20150830T123600Z "), std::nullopt);
  EXPECT_EQ(parse_amz_date("2015083OT123600Z"), std::nullopt);
  EXPECT_EQ(parse_amz_date("20151330T123600Z"), std::nullopt);
  EXPECT_EQ(parse_amz_date("20150230T123600Z"), std::nullopt);
  EXPECT_EQ(parse_amz_date("20150830T253600Z"), std::nullopt);
}

// --- XML timestamps ---

TEST(FormatIso8601, HasMillisecondPrecision) {
  EXPECT_EQ(format_iso8601(kS3XmlExample * 1'000'000'000), "2009-10-12T17:50:30.000Z");
  EXPECT_EQ(format_iso8601(kS3XmlExample * 1'000'000'000 + 123'999'999),
            "2009-10-12T17:50:30.123Z");  // truncated, not rounded
  EXPECT_EQ(format_iso8601(0), "1970-01-01T00:00:00.000Z");
}

TEST(FormatRfc3339Nanos, KeepsAllNineDigits) {
  EXPECT_EQ(format_rfc3339_nanos(1733427598'123456789), "2024-12-05T19:39:58.123456789Z");
  EXPECT_EQ(format_rfc3339_nanos(1733427598'000000005), "2024-12-05T19:39:58.000000005Z");
  EXPECT_EQ(format_rfc3339_nanos(0), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(format_rfc3339_nanos(-1), "1969-12-31T23:59:59.999999999Z");
}

TEST(FormatIso8601, HandlesTimesBeforeTheEpoch) {
  EXPECT_EQ(format_iso8601(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_iso8601(-1'000'000'000), "1969-12-31T23:59:59.000Z");
}

TEST(ParseIso8601, AcceptsWithAndWithoutFraction) {
  EXPECT_EQ(parse_iso8601("2009-10-12T17:50:30Z"), kS3XmlExample);
  EXPECT_EQ(parse_iso8601("2009-10-12T17:50:30.000Z"), kS3XmlExample);
  EXPECT_EQ(parse_iso8601("2009-10-12T17:50:30.9Z"), kS3XmlExample);
  EXPECT_EQ(parse_iso8601("2009-10-12T17:50:30.123456789Z"), kS3XmlExample);
}

TEST(ParseIso8601, RoundTripsFormattedTimestamps) {
  EXPECT_EQ(parse_iso8601(format_iso8601(kS3XmlExample * 1'000'000'000 + 5)), kS3XmlExample);
}

TEST(ParseIso8601, RejectsOtherFormsAndZones) {
  EXPECT_EQ(parse_iso8601(""), std::nullopt);
  EXPECT_EQ(parse_iso8601("2009-10-12T17:50:30"), std::nullopt);
  EXPECT_EQ(parse_iso8601("2009-10-12T17:50:30+00:00"), std::nullopt);
  EXPECT_EQ(parse_iso8601("2009-10-12T17:50:30z"), std::nullopt);
  EXPECT_EQ(parse_iso8601("2009-10-12 17:50:30Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601("2009-10-12T17:50:30.Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601("2009-10-12T17:50:30.1234567890Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601("2009-10-12T17:50Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601("20091012T175030Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601("2009-1-12T17:50:30Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601("2009-10-12T17:50:30Z "), std::nullopt);
  EXPECT_EQ(parse_iso8601("2009-10-32T17:50:30Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601("2009-00-12T17:50:30Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601("-009-10-12T17:50:30Z"), std::nullopt);
}

}  // namespace
}  // namespace moss
