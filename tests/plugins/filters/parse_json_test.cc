// The parse filter with format = "json".
#include <gtest/gtest.h>

#include <string>

#include "plugins/filters/parse/json_parser.h"
#include "tests/plugins/filters/parse_harness.h"

namespace runnel::plugins::parse {
namespace {

using filters_testing::AddEvent;
using filters_testing::RecordJson;
using filters_testing::Str;
using filters_testing::ValueJson;

TEST(ParseJson, ScalarsBecomeTypedFields) {
  ParseHarness h({});
  EventBatch events;
  const std::string line = R"({"msg":"hi","n":42,"neg":-7,"f":1.5,"t":true,"no":false,"nil":null})";
  AddEvent(events, {{"stream", Value::String("stdout")}, {"log", Value::String(line)}});
  h.Run(events);
  ASSERT_EQ(events.size(), 1u);
  const Event& e = events[0];
  ASSERT_EQ(e.fields().size(), 8u);
  EXPECT_EQ(e.fields()[0].key, "stream");
  EXPECT_EQ(e.Find("log"), nullptr);
  EXPECT_EQ(e.Find("msg")->kind, Value::Kind::kString);
  EXPECT_EQ(e.Find("msg")->bytes, "hi");
  EXPECT_EQ(e.Find("n")->kind, Value::Kind::kInt);
  EXPECT_EQ(e.Find("n")->i64, 42);
  EXPECT_EQ(e.Find("neg")->i64, -7);
  EXPECT_EQ(e.Find("f")->kind, Value::Kind::kDouble);
  EXPECT_EQ(e.Find("f")->f64, 1.5);
  EXPECT_EQ(e.Find("t")->kind, Value::Kind::kBool);
  EXPECT_TRUE(e.Find("t")->boolean);
  EXPECT_FALSE(e.Find("no")->boolean);
  EXPECT_EQ(e.Find("nil")->kind, Value::Kind::kNull);
  EXPECT_EQ(RecordJson(e),
            R"({"stream":"stdout","msg":"hi","n":42,"neg":-7,"f":1.5,"t":true,"no":false,)"
            R"("nil":null})");
  EXPECT_EQ(e.time, (EventTime{1000, 0}));
  EXPECT_EQ(h.parse_errors(), 0u);
}

TEST(ParseJson, NestedObjectsAndArraysAreRawMsgpack) {
  ParseHarness h({});
  EventBatch events;
  AddEvent(
      events,
      {{"log", Value::String(R"({"a":{"b":[1,"x",{"c":null}],"d":{}},"arr":[],"k":[[true]]})")}});
  h.Run(events);
  const Event& e = events[0];
  ASSERT_EQ(e.fields().size(), 3u);
  EXPECT_EQ(e.Find("a")->kind, Value::Kind::kRaw);
  EXPECT_EQ(ValueJson(*e.Find("a")), R"({"b":[1,"x",{"c":null}],"d":{}})");
  EXPECT_EQ(e.Find("arr")->kind, Value::Kind::kRaw);
  EXPECT_EQ(ValueJson(*e.Find("arr")), "[]");
  EXPECT_EQ(ValueJson(*e.Find("k")), "[[true]]");
}

TEST(ParseJson, EscapesAndUnicode) {
  ParseHarness h({});
  EventBatch events;
  AddEvent(events,
           {{"log", Value::String(R"({"s":"a\nb \"q\" \u00e9 \ud83d\ude00 \\ \/","k\u00e9y":"\t",)"
                                  R"("n":["\u0041"]})")}});
  h.Run(events);
  const Event& e = events[0];
  ASSERT_EQ(e.fields().size(), 3u);
  EXPECT_EQ(e.fields()[0].value.bytes, "a\nb \"q\" \xC3\xA9 \xF0\x9F\x98\x80 \\ /");
  EXPECT_EQ(e.fields()[1].key, "k\xC3\xA9y");
  EXPECT_EQ(e.fields()[1].value.bytes, "\t");
  EXPECT_EQ(ValueJson(*e.Find("n")), R"(["A"])");
  // Raw UTF-8 passes through as it is.
  EventBatch more;
  AddEvent(more, {{"log", Value::String("{\"s\":\"\xE6\x97\xA5\xE6\x9C\xAC\"}")}});
  h.Run(more);
  EXPECT_EQ(more[0].Find("s")->bytes, "\xE6\x97\xA5\xE6\x9C\xAC");
}

TEST(ParseJson, BigIntegers) {
  ParseHarness h({});
  EventBatch events;
  AddEvent(events, {{"log", Value::String(R"({"max":9223372036854775807,)"
                                          R"("min":-9223372036854775808,)"
                                          R"("u":18446744073709551615,"big":[9223372036854775808],)"
                                          R"("d":1e300})")}});
  h.Run(events);
  const Event& e = events[0];
  EXPECT_EQ(e.Find("max")->kind, Value::Kind::kInt);
  EXPECT_EQ(e.Find("max")->i64, INT64_MAX);
  EXPECT_EQ(e.Find("min")->kind, Value::Kind::kInt);
  EXPECT_EQ(e.Find("min")->i64, INT64_MIN);
  EXPECT_EQ(e.Find("u")->kind, Value::Kind::kUint);
  EXPECT_EQ(e.Find("u")->u64, UINT64_MAX);
  EXPECT_EQ(ValueJson(*e.Find("big")), "[9223372036854775808]");
  EXPECT_EQ(e.Find("d")->kind, Value::Kind::kDouble);
  EXPECT_EQ(e.Find("d")->f64, 1e300);
  EXPECT_EQ(h.parse_errors(), 0u);

  // Beyond 64 bits simdjson rejects the document: a parse error, the record is kept.
  EventBatch beyond;
  AddEvent(beyond, {{"log", Value::String(R"({"x":18446744073709551616})")}});
  h.Run(beyond);
  EXPECT_EQ(RecordJson(beyond[0]), R"({"log":"{\"x\":18446744073709551616}"})");
  EXPECT_EQ(h.parse_errors(), 1u);
}

TEST(ParseJson, InvalidJsonIsKeptUnchanged) {
  ParseHarness h({});
  EventBatch events;
  const char* bad[] = {R"({"a":1)", R"({"a":1} trailing)", R"([1,2])",   R"("just a string")", "",
                       "not json",  "{\"a\":\"\xFF\"}",    R"({"a":01})"};
  for (const char* line : bad) {
    AddEvent(events, {{"log", Value::String(line)}, {"n", Value::Int(1)}}, EventTime{7, 8});
  }
  h.Run(events);
  ASSERT_EQ(events.size(), 8u);
  for (size_t i = 0; i < events.size(); ++i) {
    ASSERT_EQ(events[i].fields().size(), 2u) << i;
    EXPECT_EQ(events[i].Find("log")->bytes, bad[i]) << i;
    EXPECT_EQ(events[i].Find("n")->i64, 1) << i;
    EXPECT_EQ(events[i].time, (EventTime{7, 8}));
  }
  EXPECT_EQ(h.parse_errors(), 8u);
  EXPECT_EQ(h.errors(), 8u);
  EXPECT_EQ(h.dropped(), 0u);
}

TEST(ParseJson, InvalidJsonIsDroppedWhenAsked) {
  ParseHarness h({{"on_error", Str("drop")}});
  EventBatch events;
  AddEvent(events, {{"log", Value::String(R"({"i":0})")}});
  AddEvent(events, {{"log", Value::String(R"({"i":)")}});
  AddEvent(events, {{"log", Value::String(R"({"i":2})")}});
  AddEvent(events, {{"other", Value::String("no log field")}});
  AddEvent(events, {{"log", Value::String("[]")}});
  AddEvent(events, {{"log", Value::String(R"({"i":5})")}});
  h.Run(events);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(RecordJson(events[0]), R"({"i":0})");
  EXPECT_EQ(RecordJson(events[1]), R"({"i":2})");
  EXPECT_EQ(RecordJson(events[2]), R"({"other":"no log field"})");
  EXPECT_EQ(RecordJson(events[3]), R"({"i":5})");
  EXPECT_EQ(h.parse_errors(), 2u);
  EXPECT_EQ(h.errors(), 2u);
  EXPECT_EQ(h.dropped(), 0u);  // core counts drops from the batch size: not twice
  EXPECT_NE(
      h.metrics.RenderPrometheus().find("runnel_parse_errors_total{component=\"filters.f\"} 2"),
      std::string::npos)
      << h.metrics.RenderPrometheus();
}

TEST(ParseJson, TooDeepIsAnError) {
  ParseHarness h({});
  EventBatch events;
  const std::string deep = R"({"a":)" + std::string(40, '[') + std::string(40, ']') + "}";
  const std::string ok = R"({"a":)" + std::string(31, '[') + std::string(31, ']') + "}";
  AddEvent(events, {{"log", Value::String(deep)}});
  AddEvent(events, {{"log", Value::String(ok)}});
  h.Run(events);
  EXPECT_EQ(events[0].Find("log")->bytes, deep);
  EXPECT_EQ(events[0].Find("a"), nullptr);
  EXPECT_EQ(events[1].Find("log"), nullptr);
  EXPECT_EQ(ValueJson(*events[1].Find("a")), std::string(31, '[') + std::string(31, ']'));
  EXPECT_EQ(h.parse_errors(), 1u);
}

TEST(ParseJson, ParsedFieldsReplaceExistingOnesAndLastDuplicateWins) {
  ParseHarness h({});
  EventBatch events;
  AddEvent(events, {{"level", Value::String("info")},
                    {"log", Value::String(R"({"level":"error","log":"inner","x":1,"x":2})")},
                    {"z", Value::Bool(false)}});
  h.Run(events);
  EXPECT_EQ(RecordJson(events[0]), R"({"level":"error","z":false,"log":"inner","x":2})");
}

TEST(ParseJson, KeepOriginal) {
  ParseHarness h({{"keep_original", true}});
  EventBatch events;
  AddEvent(events, {{"log", Value::String(R"({"a":"b"})")}});
  h.Run(events);
  EXPECT_EQ(RecordJson(events[0]), R"({"log":"{\"a\":\"b\"}","a":"b"})");
}

TEST(ParseJson, EmptyObjectRemovesTheSource) {
  ParseHarness h({});
  EventBatch events;
  AddEvent(events, {{"log", Value::String(" {}\n")}, {"k", Value::Int(3)}});
  h.Run(events);
  EXPECT_EQ(RecordJson(events[0]), R"({"k":3})");
  EXPECT_EQ(h.parse_errors(), 0u);
}

TEST(ParseJson, TargetPutsFieldsInOneMap) {
  ParseHarness h({{"target", Str("parsed")}, {"field", Str("message")}});
  EventBatch events;
  AddEvent(events, {{"message", Value::String(R"({"a":1,"b":{"c":"d"},"a":3,"e":"f"})")},
                    {"parsed", Value::String("replaced")}});
  h.Run(events);
  ASSERT_EQ(events[0].fields().size(), 1u);
  EXPECT_EQ(events[0].Find("parsed")->kind, Value::Kind::kRaw);
  EXPECT_EQ(RecordJson(events[0]), R"({"parsed":{"b":{"c":"d"},"a":3,"e":"f"}})");
}

TEST(ParseJson, MissingFieldPassesAndNonStringIsAnError) {
  ParseHarness h({});
  EventBatch events;
  AddEvent(events, {{"msg", Value::String(R"({"a":1})")}});
  AddEvent(events, {{"log", Value::Int(5)}});
  AddEvent(events, {{"log", Value::Binary(R"({"bin":true})")}});
  h.Run(events);
  EXPECT_EQ(RecordJson(events[0]), R"({"msg":"{\"a\":1}"})");
  EXPECT_EQ(RecordJson(events[1]), R"({"log":5})");
  EXPECT_EQ(RecordJson(events[2]), R"({"bin":true})");
  EXPECT_EQ(h.parse_errors(), 1u);
}

// A batch goes through decode, the filter and encode; the result decodes again.
TEST(ParseJson, RoundTripThroughABatch) {
  ParseHarness h({});
  Batch in;
  BatchBuilder builder(&in);
  for (int i = 0; i < 100; ++i) {
    builder.BeginEntry(EventTime{static_cast<uint32_t>(2000 + i), 5}, 2);
    builder.writer().Str("log");
    builder.writer().Str(R"({"i":)" + std::to_string(i) + R"(,"s":"x\ty","o":{"k":[1,2]}})");
    builder.writer().Str("host");
    builder.writer().Str("h");
  }
  EventBatch events;
  ASSERT_TRUE(events.Decode(in).ok());
  h.Run(events);
  Batch out;
  events.EncodeTo(&out);
  EXPECT_EQ(out.count, 100u);
  EventBatch again;
  ASSERT_TRUE(again.Decode(out).ok());
  ASSERT_EQ(again.size(), 100u);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(again[i].time, (EventTime{static_cast<uint32_t>(2000 + i), 5}));
    EXPECT_EQ(RecordJson(again[i]),
              R"({"host":"h","i":)" + std::to_string(i) + R"(,"s":"x\ty","o":{"k":[1,2]}})");
  }
}

}  // namespace
}  // namespace runnel::plugins::parse

namespace runnel::plugins::parse {
namespace {

TEST(JsonParser, BuffersOfAHugeDocumentAreReleased) {
  JsonParser parser;
  Arena arena;
  std::vector<Field> fields;
  ASSERT_EQ(parser.Parse(R"({"a":[1,2]})", arena, &fields), nullptr);
  const size_t warm = parser.retained_bytes();
  EXPECT_GT(warm, 0u);
  EXPECT_LT(warm, JsonParser::kRetainBytes);
  const std::string big = R"({"big":")" + std::string(3 << 20, 'x') + R"(","o":{"k":"v"}})";
  fields.clear();
  ASSERT_EQ(parser.Parse(big, arena, &fields), nullptr);
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0].value.bytes.size(), size_t{3} << 20);
  EXPECT_EQ(filters_testing::ValueJson(fields[1].value), R"({"k":"v"})");
  EXPECT_LT(parser.retained_bytes(), JsonParser::kRetainBytes);
  fields.clear();
  ASSERT_EQ(parser.Parse(R"({"a":1})", arena, &fields), nullptr);
  EXPECT_EQ(fields[0].value.i64, 1);
}

}  // namespace
}  // namespace runnel::plugins::parse
