// MessageEncoder: topic from topic_field with fallback, keys of each type, JSON and msgpack
// values.

#include "gtest/gtest.h"
#include "plugins/outputs/kafka/message_encoder.h"
#include "runnel/batch.h"

namespace runnel::plugins::kafka_output {
namespace {

// One entry {"log": "hello", "svc": <svc>, "n": 42, "tags": ["a"]} at 1700000000.5.
Batch OneEvent(bool with_svc) {
  Batch b;
  BatchBuilder builder(&b);
  builder.BeginEntry(EventTime{1'700'000'000, 500'000'000}, with_svc ? 4 : 3);
  MsgpackWriter& w = builder.writer();
  w.Str("log");
  w.Str("hello");
  if (with_svc) {
    w.Str("svc");
    w.Str("billing");
  }
  w.Str("n");
  w.Int(42);
  w.Str("tags");
  w.ArrayHeader(1);
  w.Str("a");
  return b;
}

EncodedMessage EncodeOne(MessageEncoder& enc, const Batch& b) {
  BatchReader r(b.data);
  EventTime t;
  std::string_view record;
  EXPECT_TRUE(r.Next(&t, &record).ok());
  EncodedMessage m;
  Status s = enc.Encode(t, record, b.data, &m);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return m;
}

TEST(KafkaEncoderTest, JsonValueFixedTopicNoKey) {
  KafkaOutputConfig c;
  c.topic = "logs";
  MessageEncoder enc(c);
  Batch b = OneEvent(true);
  EncodedMessage m = EncodeOne(enc, b);
  EXPECT_EQ(m.topic, "logs");
  EXPECT_FALSE(m.has_key);
  EXPECT_EQ(
      m.value,
      R"({"time":"2023-11-14T22:13:20.500000000Z","log":"hello","svc":"billing","n":42,"tags":["a"]})");
}

TEST(KafkaEncoderTest, TopicFieldWithFallbackAndKeys) {
  KafkaOutputConfig c;
  c.topic = "other";
  c.topic_field = "svc";
  c.key_field = "svc";
  MessageEncoder enc(c);
  Batch with = OneEvent(true);
  EncodedMessage m = EncodeOne(enc, with);
  EXPECT_EQ(m.topic, "billing");
  EXPECT_TRUE(m.has_key);
  EXPECT_EQ(m.key, "billing");
  Batch without = OneEvent(false);
  m = EncodeOne(enc, without);
  EXPECT_EQ(m.topic, "other");
  EXPECT_FALSE(m.has_key);

  c.key_field = "n";  // not a string: its JSON text
  MessageEncoder by_n(c);
  m = EncodeOne(by_n, with);
  EXPECT_EQ(m.key, "42");
  c.key_field = "tags";
  MessageEncoder by_tags(c);
  m = EncodeOne(by_tags, with);
  EXPECT_EQ(m.key, R"(["a"])");
}

TEST(KafkaEncoderTest, MsgpackValueIsTheEntry) {
  KafkaOutputConfig c;
  c.topic = "logs";
  c.format = Format::kMsgpack;
  MessageEncoder enc(c);
  Batch b = OneEvent(true);
  EncodedMessage m = EncodeOne(enc, b);
  EXPECT_EQ(m.value, b.data);
}

TEST(KafkaEncoderTest, MalformedRecordIsAnError) {
  KafkaOutputConfig c;
  c.topic = "logs";
  c.key_field = "k";
  MessageEncoder enc(c);
  EncodedMessage m;
  Status s = enc.Encode(EventTime{}, "\x81\xa1", "", &m);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace runnel::plugins::kafka_output
