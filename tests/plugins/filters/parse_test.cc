// The parse filter with format = "regex" and "logfmt", and setting the event time.
#include <gtest/gtest.h>

#include <string>

#include "tests/plugins/filters/parse_harness.h"

namespace runnel::plugins::parse {
namespace {

using filters_testing::AddEvent;
using filters_testing::Map;
using filters_testing::RecordJson;
using filters_testing::Str;

constexpr const char* kApacheCombined =
    R"(^(?P<host>\S+) (?P<ident>\S+) (?P<user>\S+) \[(?P<time>[^\]]+)\] )"
    R"re("(?P<method>\S+) (?P<path>\S+) (?P<protocol>[^"]+)" (?P<code>\d{3}) (?P<size>\d+|-) )re"
    R"re("(?P<referer>[^"]*)" "(?P<agent>[^"]*)"$)re";

constexpr const char* kApacheLine =
    R"(203.0.113.9 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif?a=1&b=2 HTTP/1.0" )"
    R"x(200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)")x";

TEST(ParseRegex, ApacheCombinedLogWithTime) {
  ParseHarness h({{"format", Str("regex")},
                  {"regex", Str(kApacheCombined)},
                  {"time_key", Str("time")},
                  {"time_format", Str("%d/%b/%Y:%H:%M:%S %z")},
                  {"time_keep", false}});
  EventBatch events;
  AddEvent(events,
           {{"file", Value::String("/var/log/access.log")}, {"log", Value::String(kApacheLine)}});
  h.Run(events);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].time, (EventTime{971211336, 0}));
  EXPECT_EQ(RecordJson(events[0]),
            R"({"file":"/var/log/access.log","host":"203.0.113.9","ident":"-","user":"frank",)"
            R"("method":"GET","path":"/apache_pb.gif?a=1&b=2","protocol":"HTTP/1.0",)"
            R"("code":"200","size":"2326","referer":"http://www.example.com/start.html",)"
            R"x("agent":"Mozilla/4.08 [en] (Win98; I ;Nav)"})x");
  EXPECT_EQ(h.parse_errors(), 0u);
}

TEST(ParseRegex, NoMatchIsAnError) {
  ParseHarness h({{"format", Str("regex")}, {"regex", Str(kApacheCombined)}});
  EventBatch events;
  AddEvent(events, {{"log", Value::String("GET / HTTP/1.1")}});
  AddEvent(events, {{"log", Value::String(kApacheLine)}});
  h.Run(events);
  EXPECT_EQ(RecordJson(events[0]), R"({"log":"GET / HTTP/1.1"})");
  EXPECT_EQ(events[1].Find("log"), nullptr);
  EXPECT_EQ(events[1].Find("code")->bytes, "200");
  EXPECT_EQ(h.parse_errors(), 1u);
}

TEST(ParseRegex, UnanchoredOptionalAndUnnamedGroups) {
  ParseHarness h({{"format", Str("regex")},
                  {"regex", Str(R"(level=(?P<level>\w+)(?: code=(?P<code>\d+))?( x)?(?P<e>))")},
                  {"keep_original", true}});
  EventBatch events;
  AddEvent(events, {{"log", Value::String("ts=1 level=warn code=7 x")}});
  AddEvent(events, {{"log", Value::String("level=info")}});
  h.Run(events);
  EXPECT_EQ(RecordJson(events[0]),
            R"({"log":"ts=1 level=warn code=7 x","level":"warn","code":"7","e":""})");
  // A group that took no part in the match sets no field; an empty one sets "".
  EXPECT_EQ(RecordJson(events[1]), R"({"log":"level=info","level":"info","e":""})");
}

TEST(ParseLogfmt, PairsQuotedValuesAndFlags) {
  ParseHarness h({{"format", Str("logfmt")}});
  EventBatch events;
  AddEvent(events,
           {{"log", Value::String("  level=info msg=\"hello world\" count=3 debug path=/a/b=c "
                                  "empty= quoted=\"\"\tlast=\"x\"  ")}});
  h.Run(events);
  const Event& e = events[0];
  EXPECT_EQ(RecordJson(e),
            R"({"level":"info","msg":"hello world","count":"3","debug":true,"path":"/a/b=c",)"
            R"("empty":"","quoted":"","last":"x"})");
  EXPECT_EQ(e.Find("count")->kind, Value::Kind::kString);
  EXPECT_EQ(e.Find("debug")->kind, Value::Kind::kBool);
}

TEST(ParseLogfmt, Escapes) {
  ParseHarness h({{"format", Str("logfmt")}});
  EventBatch events;
  AddEvent(events, {{"log", Value::String(R"(msg="say \"hi\"\n\tbye \\ \x" k=v)")}});
  h.Run(events);
  EXPECT_EQ(events[0].Find("msg")->bytes, "say \"hi\"\n\tbye \\ \\x");
  EXPECT_EQ(events[0].Find("k")->bytes, "v");
}

TEST(ParseLogfmt, DuplicateKeysLastWins) {
  ParseHarness h({{"format", Str("logfmt")}});
  EventBatch events;
  AddEvent(events, {{"a", Value::Int(0)}, {"log", Value::String("a=1 b=2 a=3")}});
  h.Run(events);
  EXPECT_EQ(RecordJson(events[0]), R"({"a":"3","b":"2"})");
}

TEST(ParseLogfmt, Errors) {
  ParseHarness h({{"format", Str("logfmt")}});
  EventBatch events;
  const char* bad[] = {"", "   ", "=v", "a=1 =2", "a=\"open", "a=\"x\"b", "a\"b=c", "a=b\"c"};
  for (const char* line : bad) {
    AddEvent(events, {{"log", Value::String(line)}});
  }
  h.Run(events);
  for (size_t i = 0; i < events.size(); ++i) {
    ASSERT_EQ(events[i].fields().size(), 1u) << i;
    EXPECT_EQ(events[i].Find("log")->bytes, bad[i]) << i;
  }
  EXPECT_EQ(h.parse_errors(), 8u);
}

TEST(ParseTime, JsonStringTimeWithZoneAndFraction) {
  ParseHarness h({{"time_key", Str("ts")}});
  EventBatch events;
  AddEvent(events, {{"log", Value::String(R"({"ts":"2023-11-14T23:13:20.5+01:00","m":1})")}});
  h.Run(events);
  EXPECT_EQ(events[0].time, (EventTime{1700000000, 500000000}));
  EXPECT_EQ(RecordJson(events[0]), R"({"ts":"2023-11-14T23:13:20.5+01:00","m":1})");
}

TEST(ParseTime, NumericUnixTimes) {
  ParseHarness ms({{"time_key", Str("ts")}, {"time_format", Str("unix_ms")}, {"time_keep", false}});
  ParseHarness s({{"time_key", Str("ts")}, {"time_format", Str("unix")}});
  EventBatch a;
  AddEvent(a, {{"log", Value::String(R"({"ts":1700000000123,"m":1})")}});
  AddEvent(a, {{"log", Value::String(R"({"ts":"1700000000456","m":2})")}});
  ms.Run(a);
  EXPECT_EQ(a[0].time, (EventTime{1700000000, 123000000}));
  EXPECT_EQ(RecordJson(a[0]), R"({"m":1})");
  EXPECT_EQ(a[1].time, (EventTime{1700000000, 456000000}));
  EXPECT_EQ(RecordJson(a[1]), R"({"m":2})");
  EventBatch b;
  AddEvent(b, {{"log", Value::String(R"({"ts":1700000000.25})")}});
  s.Run(b);
  EXPECT_EQ(b[0].time, (EventTime{1700000000, 250000000}));
  EXPECT_EQ(ms.parse_errors() + s.parse_errors(), 0u);
}

TEST(ParseTime, BadOrMissingTime) {
  ParseHarness h({{"time_key", Str("ts")}, {"time_format", Str("%Y-%m-%d %H:%M:%S")}});
  EventBatch events;
  AddEvent(events, {{"log", Value::String(R"({"ts":"2023-11-14 22:13:20","m":0})")}});
  AddEvent(events, {{"log", Value::String(R"({"ts":"yesterday","m":1})")}});
  AddEvent(events, {{"log", Value::String(R"({"ts":1700000000,"m":2})")}});
  AddEvent(events, {{"log", Value::String(R"({"ts":{"d":1},"m":3})")}});
  AddEvent(events, {{"log", Value::String(R"({"m":4})")}});
  h.Run(events);
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].time, (EventTime{1700000000, 0}));
  EXPECT_EQ(events[0].Find("log"), nullptr);
  // A time that does not parse makes the record a parse error: it stays as it was.
  for (size_t i = 1; i <= 3; ++i) {
    EXPECT_EQ(events[i].time, (EventTime{1000, 0})) << i;
    EXPECT_NE(events[i].Find("log"), nullptr) << i;
    EXPECT_EQ(events[i].Find("m"), nullptr) << i;
  }
  // No time field: parsed, the time left alone.
  EXPECT_EQ(events[4].time, (EventTime{1000, 0}));
  EXPECT_EQ(RecordJson(events[4]), R"({"m":4})");
  EXPECT_EQ(h.parse_errors(), 3u);
}

TEST(ParseTime, LogfmtTimeIntoTarget) {
  ParseHarness h({{"format", Str("logfmt")},
                  {"time_key", Str("ts")},
                  {"time_format", Str("unix")},
                  {"target", Str("kv")}});
  EventBatch events;
  AddEvent(events, {{"log", Value::String("ts=1700000001 a=b")}});
  h.Run(events);
  EXPECT_EQ(events[0].time, (EventTime{1700000001, 0}));
  EXPECT_EQ(RecordJson(events[0]), R"({"kv":{"ts":"1700000001","a":"b"}})");
}

TEST(ParseFilter, WithoutMetricsRegistryStillCounts) {
  PluginContext context;
  context.id = "filters.bare";
  Result<ParseConfig> config =
      BuildParseConfig(filters_testing::MakeNode("parse", ParseSchema(), {}));
  ASSERT_TRUE(config.has_value());
  ParseFilter filter(std::move(*config), context);
  EventBatch events;
  AddEvent(events, {{"log", Value::String("nope")}});
  AddEvent(events, {{"log", Value::String("{}")}});
  filter.Process(events);
  EXPECT_EQ(filter.parse_errors(), 1u);
  EXPECT_EQ(events.size(), 2u);
}

TEST(ParseTypes, ApacheNumbersBecomeInts) {
  ParseHarness h(
      {{"format", Str("regex")},
       {"regex", Str(R"(^(?P<code>\S+) (?P<size>\S+) (?P<ms>\S+) (?P<ok>\S+)$)")},
       {"types", Map({{"code", "int"}, {"size", "int"}, {"ms", "float"}, {"ok", "bool"}})}});
  EventBatch events;
  AddEvent(events, {{"log", Value::String("200 2326 1.5 TRUE")}});
  AddEvent(events, {{"log", Value::String("304 - 2e-3 false")}});
  AddEvent(events, {{"log", Value::String("-12 18446744073709551615 x yes")}});
  AddEvent(events, {{"log", Value::String("99999999999999999999 12a inf 1")}});
  h.Run(events);
  EXPECT_EQ(RecordJson(events[0]), R"({"code":200,"size":2326,"ms":1.5,"ok":true})");
  EXPECT_EQ(events[0].Find("code")->kind, Value::Kind::kInt);
  // What does not convert entirely stays a string.
  EXPECT_EQ(RecordJson(events[1]), R"({"code":304,"size":"-","ms":0.002,"ok":false})");
  EXPECT_EQ(RecordJson(events[2]),
            R"({"code":-12,"size":18446744073709551615,"ms":"x","ok":"yes"})");
  EXPECT_EQ(events[2].Find("size")->kind, Value::Kind::kUint);
  EXPECT_EQ(events[3].Find("code")->bytes, "99999999999999999999");
  EXPECT_EQ(events[3].Find("size")->bytes, "12a");
  EXPECT_EQ(events[3].Find("ms")->bytes, "inf");  // not finite: not a float
  EXPECT_EQ(events[3].Find("ok")->bytes, "1");
  EXPECT_EQ(h.parse_errors(), 0u);
}

TEST(ParseTypes, LogfmtAndJsonStringsAndTimeFromAConvertedField) {
  ParseHarness h({{"format", Str("logfmt")},
                  {"types", Map({{"t", "int"}, {"n", "int"}})},
                  {"time_key", Str("t")},
                  {"time_format", Str("unix")}});
  EventBatch events;
  AddEvent(events, {{"log", Value::String("t=1700000002 n=7 s=8")}});
  h.Run(events);
  EXPECT_EQ(events[0].time, (EventTime{1700000002, 0}));
  EXPECT_EQ(RecordJson(events[0]), R"({"t":1700000002,"n":7,"s":"8"})");

  ParseHarness json({{"types", Map({{"n", "float"}, {"o", "int"}})}});
  EventBatch more;
  AddEvent(more, {{"log", Value::String(R"({"n":"2.5","o":{"a":"1"},"x":"3"})")}});
  json.Run(more);
  EXPECT_EQ(RecordJson(more[0]), R"({"n":2.5,"o":{"a":"1"},"x":"3"})");
}

}  // namespace
}  // namespace runnel::plugins::parse

namespace runnel::plugins::parse {
namespace {

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

TEST(ParseFilter, WarningsAreRateLimitedPerFilterAndShowTheValue) {
  ParseHarness first({});
  ParseHarness second({{"format", filters_testing::Str("logfmt")}});
  EventBatch a;
  filters_testing::AddEvent(a, {{"log", Value::String("bad\tone")}});
  filters_testing::AddEvent(a, {{"log", Value::String("bad two")}});
  EventBatch b;
  filters_testing::AddEvent(b, {{"log", Value::String("=three")}});
  ::testing::internal::CaptureStderr();
  first.Run(a);
  second.Run(b);
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(Count(err, "cannot parse"), 2u) << err;
  EXPECT_EQ(Count(err, "[filters.f] cannot parse field 'log' as json: "), 1u) << err;
  EXPECT_EQ(Count(err, ": \"bad?one\"\n"), 1u) << err;
  EXPECT_EQ(Count(err, "bad two"), 0u) << err;
  EXPECT_EQ(Count(err, "cannot parse field 'log' as logfmt: '=' without a key: \"=three\"\n"), 1u)
      << err;
  EXPECT_EQ(first.parse_errors(), 2u);
}

}  // namespace
}  // namespace runnel::plugins::parse
