// The parse filter with the named formats of plugins/formats: configuration, fields merged,
// the event time from the line, errors counted like the other formats' errors.
#include <gtest/gtest.h>

#include <string>

#include "plugins/filters/parse/parse_config.h"
#include "tests/plugins/filters/parse_harness.h"

namespace runnel::plugins::parse {
namespace {

using filters_testing::AddEvent;
using filters_testing::MakeNode;
using filters_testing::RecordJson;
using filters_testing::Str;

std::string BuildError(std::vector<std::pair<std::string, filters_testing::ConfigVariant>> v) {
  Result<ParseConfig> config = BuildParseConfig(MakeNode("parse", ParseSchema(), std::move(v)));
  return config.has_value() ? "(no error)" : config.error().message();
}

TEST(ParseFormats, EveryNamedFormatIsAChoiceWithItsDescription) {
  const Schema schema = ParseSchema();
  const FieldSpec* format = schema.Find("format");
  ASSERT_NE(format, nullptr);
  for (const formats::Format& f : formats::AllFormats()) {
    EXPECT_NE(std::find(format->choices.begin(), format->choices.end(), f.name),
              format->choices.end())
        << f.name;
    const std::string entry = std::string(f.name) + ": " + std::string(f.description);
    EXPECT_NE(format->description.find(entry), std::string::npos) << f.name;
    Result<ParseConfig> config = BuildParseConfig(MakeNode(
        "parse", schema, {{"format", filters_testing::ConfigVariant(std::string(f.name))}}));
    ASSERT_TRUE(config.has_value()) << f.name;
    EXPECT_EQ(config->format, Format::kNamed);
    EXPECT_EQ(config->named, &f);
  }
}

TEST(ParseFormats, UtcOffset) {
  Result<ParseConfig> config = BuildParseConfig(MakeNode(
      "parse", ParseSchema(), {{"format", Str("syslog_rfc3164")}, {"utc_offset", Str("-05:30")}}));
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  EXPECT_EQ(config->scan_options.utc_offset_seconds, -(5 * 3600 + 30 * 60));
  EXPECT_EQ(BuildError({{"format", Str("syslog")}, {"utc_offset", Str("+2")}}),
            "test.toml:7:9: filters.f (parse): key 'utc_offset': must be \"+HH:MM\" or "
            "\"-HH:MM\" (e.g. \"+02:00\"), got \"+2\"");
  EXPECT_EQ(BuildError({{"format", Str("syslog")}, {"utc_offset", Str("+24:00")}}),
            "test.toml:7:9: filters.f (parse): key 'utc_offset': must be \"+HH:MM\" or "
            "\"-HH:MM\" (e.g. \"+02:00\"), got \"+24:00\"");
  EXPECT_EQ(BuildError({{"format", Str("json")}, {"utc_offset", Str("+02:00")}}),
            "test.toml:7:9: filters.f (parse): key 'utc_offset': is only used with a named "
            "format (format is \"json\")");
}

TEST(ParseFormats, SyslogFieldsAndTime) {
  ParseHarness h({{"format", Str("syslog")}, {"field", Str("message")}});
  EventBatch events;
  AddEvent(events, {{"host", Value::String("relay")},
                    {"message", Value::String("<165>1 2003-10-11T22:14:15.003Z mymachine "
                                              "evntslog - ID47 [ex@32473 iut=\"3\"] hello")}});
  h.Run(events);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].time, (EventTime{1065910455, 3000000}));
  EXPECT_EQ(RecordJson(events[0]),
            R"({"host":"relay","pri":165,"facility":"local4","severity":"notice",)"
            R"("version":1,"hostname":"mymachine","appname":"evntslog","msgid":"ID47",)"
            R"("structured_data":{"ex@32473":{"iut":"3"}},"message":"hello"})");
  EXPECT_EQ(h.parse_errors(), 0u);
}

TEST(ParseFormats, ErrorsAreCountedAndKeepOrDrop) {
  ParseHarness keep({{"format", Str("cri")}});
  EventBatch events;
  AddEvent(events, {{"log", Value::String("2016-10-06T00:17:09.669794202Z stdout F hi")}});
  AddEvent(events, {{"log", Value::String("2016-10-06T00:17:09Z stdin F hi")}});
  keep.Run(events);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(RecordJson(events[0]), R"({"stream":"stdout","logtag":"F","log":"hi"})");
  EXPECT_EQ(events[0].time, (EventTime{1475713029, 669794202}));
  // A line that is not accepted stays as it was, its time too.
  EXPECT_EQ(RecordJson(events[1]), R"({"log":"2016-10-06T00:17:09Z stdin F hi"})");
  EXPECT_EQ(events[1].time, (EventTime{1000, 0}));
  EXPECT_EQ(keep.parse_errors(), 1u);
  EXPECT_EQ(keep.errors(), 1u);

  ParseHarness drop({{"format", Str("docker")}, {"on_error", Str("drop")}});
  EventBatch more;
  AddEvent(more, {{"log", Value::String(R"({"log":"a\n","stream":"stdout"})")}});
  AddEvent(more, {{"log", Value::String(R"({"log":"b\n")")}});
  AddEvent(more, {{"log", Value::Int(3)}});
  drop.Run(more);
  ASSERT_EQ(more.size(), 1u);
  EXPECT_EQ(RecordJson(more[0]), R"({"log":"a\n","stream":"stdout"})");
  EXPECT_EQ(drop.parse_errors(), 2u);
  EXPECT_EQ(drop.errors(), 2u);
}

TEST(ParseFormats, TimeKeyStillOverrides) {
  // The line's time first, then time_key from a parsed field (here Docker's "ts").
  ParseHarness h(
      {{"format", Str("docker")}, {"time_key", Str("ts")}, {"time_format", Str("unix")}});
  EventBatch events;
  AddEvent(events, {{"log", Value::String(R"({"log":"x","time":"2016-10-06T00:17:09Z","ts":7})")}});
  h.Run(events);
  EXPECT_EQ(events[0].time, (EventTime{7, 0}));
}

}  // namespace
}  // namespace runnel::plugins::parse
