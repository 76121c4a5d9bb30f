#include "runnel/record.h"

#include <gtest/gtest.h>

#include "runnel/json_writer.h"

namespace runnel {
namespace {

Batch MakeBatch() {
  Batch b;
  BatchBuilder builder(&b);
  builder.BeginEntry(EventTime{100, 1}, 3);
  MsgpackWriter& w = builder.writer();
  w.Str("log");
  w.Str("hello");
  w.Str("n");
  w.Int(-3);
  w.Str("nested");
  w.MapHeader(1);
  w.Str("a");
  w.ArrayHeader(2);
  w.Bool(true);
  w.Nil();
  builder.BeginEntry(EventTime{101, 2}, 1);
  w.Str("log");
  w.Str("second");
  return b;
}

TEST(EventBatch, DecodeEditEncodeRoundTrip) {
  Batch in = MakeBatch();
  EXPECT_EQ(in.count, 2u);
  EventBatch events;
  ASSERT_TRUE(events.Decode(in).ok());
  ASSERT_EQ(events.size(), 2u);
  Event& e = events[0];
  EXPECT_EQ(e.time, (EventTime{100, 1}));
  ASSERT_EQ(e.fields().size(), 3u);
  EXPECT_EQ(e.Find("log")->bytes, "hello");
  EXPECT_EQ(e.Find("n")->i64, -3);
  EXPECT_EQ(e.Find("nested")->kind, Value::Kind::kRaw);

  e.Set("host", Value::String(events.arena().Copy("web-1")));
  EXPECT_TRUE(e.Rename("n", "count"));
  EXPECT_TRUE(e.Remove("log"));
  EXPECT_FALSE(e.Remove("log"));

  Batch out;
  events.EncodeTo(&out);
  EXPECT_EQ(out.count, 2u);
  JsonWriter json("", JsonTimeFormat::kRfc3339);
  BatchReader reader(out.data);
  std::string text;
  while (!reader.AtEnd()) {
    EventTime t;
    std::string_view rec;
    ASSERT_TRUE(reader.Next(&t, &rec).ok());
    ASSERT_TRUE(json.AppendEvent(t, rec, &text).ok());
    text += "\n";
  }
  EXPECT_EQ(text,
            "{\"nested\":{\"a\":[true,null]},\"host\":\"web-1\",\"count\":-3}\n"
            "{\"log\":\"second\"}\n");
}

TEST(EventBatch, RetainIfKeepsOrderAndReusesEvents) {
  Batch in = MakeBatch();
  EventBatch events;
  ASSERT_TRUE(events.Decode(in).ok());
  events.RetainIf([](const Event& e) { return e.Find("n") == nullptr; });
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].Find("log")->bytes, "second");
}

TEST(EventBatch, MalformedEntryIsDataLoss) {
  Batch b;
  MsgpackWriter w(&b.data);
  w.ArrayHeader(2);
  w.Time(EventTime{1, 0});
  w.Str("not a map");
  EventBatch events;
  Status s = events.Decode(b);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_EQ(s.message(), "batch: record at byte 11 is not a map");

  Batch three;
  MsgpackWriter w3(&three.data);
  w3.ArrayHeader(3);
  w3.Int(1);
  w3.Int(2);
  w3.Int(3);
  EXPECT_EQ(events.Decode(three).message(),
            "batch: entry at byte 0 has 3 elements, want [time, record]");
}

TEST(JsonWriter, EscapesAndFormatsTime) {
  std::string rec;
  MsgpackWriter w(&rec);
  w.MapHeader(3);
  w.Str("msg");
  w.Str("a\"b\\c\n\x01");
  w.Str("f");
  w.Double(2.0);
  w.Str("u");
  w.Uint(18446744073709551615ull);
  JsonWriter json("time", JsonTimeFormat::kRfc3339);
  std::string out;
  ASSERT_TRUE(json.AppendEvent(EventTime{1700000000, 123}, rec, &out).ok());
  EXPECT_EQ(out,
            "{\"time\":\"2023-11-14T22:13:20.000000123Z\",\"msg\":\"a\\\"b\\\\c\\n\\u0001\","
            "\"f\":2.0,\"u\":18446744073709551615}");
  JsonWriter ms("ts", JsonTimeFormat::kUnixMillis);
  out.clear();
  ASSERT_TRUE(ms.AppendEvent(EventTime{1700000000, 5'000'000}, rec, &out).ok());
  EXPECT_EQ(out.substr(0, 20), "{\"ts\":1700000000005,");
}

TEST(JsonWriter, RecordsOwnTimeFieldWinsOverTheEventTime) {
  std::string rec;
  MsgpackWriter w(&rec);
  w.MapHeader(2);
  w.Str("msg");
  w.Str("m");
  w.Str("time");
  w.Str("yesterday");
  JsonWriter json("time", JsonTimeFormat::kUnixMillis);
  std::string out;
  ASSERT_TRUE(json.AppendEvent(EventTime{1, 0}, rec, &out).ok());
  EXPECT_EQ(out, R"({"msg":"m","time":"yesterday"})");
}

TEST(JsonWriter, MalformedRecordLeavesOutputUnchanged) {
  std::string rec("\x82\xa1k", 3);  // map of 2, key "k", then nothing
  JsonWriter json("", JsonTimeFormat::kRfc3339);
  std::string out = "prefix";
  Status s = json.AppendEvent(EventTime{}, rec, &out);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_EQ(out, "prefix");
}

}  // namespace
}  // namespace runnel
