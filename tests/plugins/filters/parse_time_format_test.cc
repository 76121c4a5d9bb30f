#include <gtest/gtest.h>

#include "plugins/filters/parse/time_format.h"

namespace runnel::plugins::parse {
namespace {

TimeFormat Compiled(std::string_view spec) {
  Result<TimeFormat> f = TimeFormat::Compile(spec);
  EXPECT_TRUE(f.has_value()) << spec;
  return std::move(*f);
}

// The parsed time, or {0, 1} (an impossible marker) when parsing fails.
EventTime P(std::string_view spec, std::string_view text) {
  EventTime t{0, 1};
  if (!Compiled(spec).Parse(text, &t)) {
    return EventTime{0, 1};
  }
  return t;
}

constexpr EventTime kFail{0, 1};

TEST(TimeFormat, Rfc3339) {
  EXPECT_EQ(P("rfc3339", "2023-11-14T22:13:20Z"), (EventTime{1700000000, 0}));
  EXPECT_EQ(P("rfc3339", "2023-11-14t22:13:20z"), (EventTime{1700000000, 0}));
  EXPECT_EQ(P("rfc3339", "2023-11-14 22:13:20"), (EventTime{1700000000, 0}));
  EXPECT_EQ(P("rfc3339", "2023-11-14T22:13:20.5Z"), (EventTime{1700000000, 500000000}));
  EXPECT_EQ(P("rfc3339", "2023-11-14T22:13:20,123456789Z"), (EventTime{1700000000, 123456789}));
  EXPECT_EQ(P("rfc3339", "2023-11-14T22:13:20.1234567891234Z"), (EventTime{1700000000, 123456789}));
  EXPECT_EQ(P("iso8601", "2023-11-14T23:13:20.000001+01:00"), (EventTime{1700000000, 1000}));
  EXPECT_EQ(P("iso8601", "2023-11-14T20:43:20-0130"), (EventTime{1700000000, 0}));
  EXPECT_EQ(P("iso8601", "2023-11-15T00:13:20+02"), (EventTime{1700000000, 0}));
  EXPECT_EQ(P("rfc3339", "2024-02-29T12:00:00Z"), (EventTime{1709208000, 0}));
}

TEST(TimeFormat, Rfc3339Rejects) {
  EXPECT_EQ(P("rfc3339", "2023-02-29T12:00:00Z"), kFail);  // not a leap year
  EXPECT_EQ(P("rfc3339", "2023-13-01T00:00:00Z"), kFail);
  EXPECT_EQ(P("rfc3339", "2023-11-14T24:00:00Z"), kFail);
  EXPECT_EQ(P("rfc3339", "2023-11-14T22:13:20Zjunk"), kFail);
  EXPECT_EQ(P("rfc3339", "2023-11-14T22:13:20."), kFail);
  EXPECT_EQ(P("rfc3339", "2023-11-14T22:13:20+25:00"), kFail);
  EXPECT_EQ(P("rfc3339", "2023-11-14"), kFail);
  EXPECT_EQ(P("rfc3339", "1969-12-31T23:59:59Z"), kFail);  // before what EventTime holds
  EXPECT_EQ(P("rfc3339", "2107-01-01T00:00:00Z"), kFail);  // after it
  EXPECT_EQ(P("rfc3339", ""), kFail);
}

TEST(TimeFormat, ApacheAndSyslogPatterns) {
  EXPECT_EQ(P("%d/%b/%Y:%H:%M:%S %z", "10/Oct/2000:13:55:36 -0700"), (EventTime{971211336, 0}));
  EXPECT_EQ(P("%d/%b/%Y:%H:%M:%S %z", "10/oct/2000:20:55:36 +0000"), (EventTime{971211336, 0}));
  EXPECT_EQ(P("%b %e %T %Y", "Nov  4 05:06:07 2023"), (EventTime{1699074367, 0}));
  EXPECT_EQ(P("%b %e %T %Y", "November 4 05:06:07 2023"), (EventTime{1699074367, 0}));
  EXPECT_EQ(P("%a, %d %b %Y %H:%M:%S %z", "Tue, 14 Nov 2023 22:13:20 +0000"),
            (EventTime{1700000000, 0}));
  EXPECT_EQ(P("%Y-%m-%dT%H:%M:%S.%f%z", "2023-11-14T22:13:20.250Z"),
            (EventTime{1700000000, 250000000}));
  EXPECT_EQ(P("%Y%m%d%H%M%S", "20231114221320"), (EventTime{1700000000, 0}));
  EXPECT_EQ(P("%Y-%m-%d", "2024-01-02"), (EventTime{1704153600, 0}));
  EXPECT_EQ(P("%Y", "2024"), (EventTime{1704067200, 0}));
  EXPECT_EQ(P("100%% %Y", "100% 2024"), (EventTime{1704067200, 0}));
  // Without %z the time is UTC.
  EXPECT_EQ(P("%Y-%m-%d %H:%M:%S", "2024-01-02 03:04:05"), (EventTime{1704164645, 0}));
}

TEST(TimeFormat, PatternRejects) {
  EXPECT_EQ(P("%d/%b/%Y", "10/Foo/2000"), kFail);
  EXPECT_EQ(P("%d/%b/%Y", "10-Oct-2000"), kFail);
  EXPECT_EQ(P("%d/%b/%Y", "10/Oct/2000 "), kFail);  // the whole text must match
  EXPECT_EQ(P("%Y-%m-%d", "2024-1-32"), kFail);
  EXPECT_EQ(P("%Y-%m-%d", "24-01-02"), kFail);  // %Y takes 4 digits
  EXPECT_EQ(P("%a %Y", "Xyz 2024"), kFail);
}

TEST(TimeFormat, Unix) {
  EXPECT_EQ(P("unix", "1700000000"), (EventTime{1700000000, 0}));
  EXPECT_EQ(P("unix", "1700000000.25"), (EventTime{1700000000, 250000000}));
  EXPECT_EQ(P("unix_ms", "1700000000123"), (EventTime{1700000000, 123000000}));
  EXPECT_EQ(P("unix_ms", "1700000000123.5"), (EventTime{1700000000, 123500000}));
  EXPECT_EQ(P("unix_us", "1700000000123456"), (EventTime{1700000000, 123456000}));
  EXPECT_EQ(P("unix_ns", "1700000000123456789"), (EventTime{1700000000, 123456789}));
  EXPECT_EQ(P("unix", "-1"), kFail);
  EXPECT_EQ(P("unix", "17e8"), kFail);
  EXPECT_EQ(P("unix", ""), kFail);
  EXPECT_EQ(P("unix", "4294967296"), kFail);
  EXPECT_EQ(P("unix_ns", "99999999999999999999999"), kFail);

  EventTime t;
  EXPECT_TRUE(Compiled("unix").FromInt(1700000000, &t));
  EXPECT_EQ(t, (EventTime{1700000000, 0}));
  EXPECT_TRUE(Compiled("unix_ms").FromInt(1700000000999, &t));
  EXPECT_EQ(t, (EventTime{1700000000, 999000000}));
  EXPECT_TRUE(Compiled("unix").FromDouble(1700000000.5, &t));
  EXPECT_EQ(t, (EventTime{1700000000, 500000000}));
  EXPECT_FALSE(Compiled("unix").FromInt(-5, &t));
  EXPECT_FALSE(Compiled("unix").FromInt(int64_t{1} << 40, &t));
  EXPECT_FALSE(Compiled("unix").FromDouble(-1.0, &t));
  EXPECT_FALSE(Compiled("rfc3339").FromInt(1700000000, &t));
  EXPECT_FALSE(Compiled("%Y").FromDouble(1700000000.0, &t));
}

TEST(TimeFormat, CompileErrors) {
  EXPECT_EQ(TimeFormat::Compile("%Y-%q").error().message(),
            "unsupported conversion '%q' at offset 3 (supported: %Y %m %d %e %H %M %S %f %z %b "
            "%a %T %%, or \"rfc3339\", \"iso8601\", \"unix\", \"unix_ms\", \"unix_us\", "
            "\"unix_ns\")");
  EXPECT_EQ(TimeFormat::Compile("%H:%M").error().message(), "must contain %Y (the year)");
  EXPECT_EQ(TimeFormat::Compile("%Y %").error().message(), "ends with a lone '%'");
  EXPECT_EQ(TimeFormat::Compile("").error().message(), "is empty");
  EXPECT_EQ(TimeFormat::Compile("unix_ms")->kind(), TimeFormat::Kind::kUnixMs);
  EXPECT_EQ(TimeFormat::Compile("iso8601")->kind(), TimeFormat::Kind::kRfc3339);
  EXPECT_EQ(TimeFormat::Compile("%Y")->kind(), TimeFormat::Kind::kPattern);
}

}  // namespace
}  // namespace runnel::plugins::parse
