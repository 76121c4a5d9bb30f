// MessageDecoder: JSON objects, msgpack entries and maps, raw values, what does not decode
// (kept raw), the time taken from time_key or the timestamp, and the metadata fields.

#include "gtest/gtest.h"
#include "plugins/inputs/kafka/message_decoder.h"
#include "runnel/json_writer.h"

namespace runnel::plugins::kafka_input {
namespace {

// The batch's events as JSON lines with the time in unix_ms.
std::string Lines(const Batch& b) {
  JsonWriter w("t", JsonTimeFormat::kUnixMillis);
  std::string out;
  EXPECT_TRUE(w.AppendBatchLines(b, &out).ok());
  return out;
}

Message Msg(std::string_view value) {
  Message m;
  m.value = value;
  m.topic = "logs";
  m.partition = 2;
  m.offset = 41;
  m.timestamp_ms = 1'700'000'000'123;
  return m;
}

TEST(KafkaDecoderTest, JsonWithTimeKeyAndMetadata) {
  KafkaInputConfig c;
  c.key_field = "k";
  c.topic_field = "topic";
  c.partition_field = "partition";
  c.offset_field = "offset";
  MessageDecoder d(c);
  Batch b;
  Message m = Msg(R"({"time":"2023-11-14T22:13:20.5Z","log":"hi","n":1})");
  m.has_key = true;
  m.key = "user-7";
  EXPECT_TRUE(d.Append(m, EventTime{}, &b));
  m = Msg(R"({"log":"no time"})");  // the timestamp
  EXPECT_TRUE(d.Append(m, EventTime{}, &b));
  EXPECT_EQ(b.count, 2u);
  EXPECT_EQ(Lines(b),
            "{\"t\":1700000000500,\"log\":\"hi\",\"n\":1,\"k\":\"user-7\",\"topic\":\"logs\","
            "\"partition\":2,\"offset\":41}\n"
            "{\"t\":1700000000123,\"log\":\"no time\",\"topic\":\"logs\",\"partition\":2,"
            "\"offset\":41}\n");
}

TEST(KafkaDecoderTest, UndecodableIsKeptRaw) {
  KafkaInputConfig c;
  MessageDecoder d(c);
  Batch b;
  EXPECT_FALSE(d.Append(Msg("not json"), EventTime{}, &b));
  EXPECT_FALSE(d.Append(Msg("[1,2]"), EventTime{}, &b));
  EXPECT_EQ(Lines(b),
            "{\"t\":1700000000123,\"message\":\"not json\"}\n"
            "{\"t\":1700000000123,\"message\":\"[1,2]\"}\n");
}

TEST(KafkaDecoderTest, MsgpackEntryAndMapAndRaw) {
  Batch entry;
  BatchBuilder builder(&entry);
  builder.BeginEntry(EventTime{1'600'000'000, 0}, 1);
  builder.writer().Str("log");
  builder.writer().Str("from runnel");
  std::string map;
  MsgpackWriter w(&map);
  w.MapHeader(1);
  w.Str("log");
  w.Str("a map");

  KafkaInputConfig c;
  c.format = Format::kMsgpack;
  MessageDecoder d(c);
  Batch b;
  EXPECT_TRUE(d.Append(Msg(entry.data), EventTime{}, &b));
  EXPECT_TRUE(d.Append(Msg(map), EventTime{}, &b));
  EXPECT_FALSE(d.Append(Msg("\xc1"), EventTime{}, &b));  // never used in msgpack
  EXPECT_EQ(Lines(b),
            "{\"t\":1600000000000,\"log\":\"from runnel\"}\n"
            "{\"t\":1700000000123,\"log\":\"a map\"}\n"
            "{\"t\":1700000000123,\"message\":\"\xc1\"}\n");

  KafkaInputConfig raw;
  raw.format = Format::kRaw;
  raw.message_key = "line";
  MessageDecoder r(raw);
  Batch rb;
  Message m = Msg(R"({"is":"json"})");
  m.timestamp_ms = -1;
  EXPECT_TRUE(r.Append(m, EventTime{1'650'000'000, 0}, &rb));
  EXPECT_EQ(Lines(rb), "{\"t\":1650000000000,\"line\":\"{\\\"is\\\":\\\"json\\\"}\"}\n");
}

}  // namespace
}  // namespace runnel::plugins::kafka_input
