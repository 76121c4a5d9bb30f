// Loki push bodies: exact JSON bytes, the protobuf decoded back field by field, snappy, and
// the grouping of events into streams sorted by time.
#include "plugins/outputs/loki/loki_push.h"

#include <gtest/gtest.h>

#include "tests/plugins/outputs/loki_test_util.h"

namespace runnel::plugins::loki {
namespace {

using testing::ParseProto;
using testing::ProtoField;

std::vector<PushStream> TwoStreams() {
  StreamGrouper g;
  g.Add({{"app", "api"}}, EventTime{1700000002, 0}, "b", 0);
  g.Add({{"app", "db"}, {"env", "prod"}}, EventTime{1700000001, 7}, "x \"q\"", 1);
  g.Add({{"app", "api"}}, EventTime{1700000001, 500}, "a", 2);
  g.Add({{"app", "api"}}, EventTime{1700000002, 0}, "c", 3);  // same time as "b": after it
  return g.Finish();
}

TEST(LokiPushTest, GroupsByLabelSetAndSortsEachStreamByTime) {
  std::vector<PushStream> s = TwoStreams();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].selector, "{app=\"api\"}");
  ASSERT_EQ(s[0].entries.size(), 3u);
  EXPECT_EQ(s[0].entries[0].line, "a");
  EXPECT_EQ(s[0].entries[0].index, 2u);
  EXPECT_EQ(s[0].entries[1].line, "b");
  EXPECT_EQ(s[0].entries[2].line, "c");
  EXPECT_EQ(s[1].selector, "{app=\"db\", env=\"prod\"}");
  ASSERT_EQ(s[1].entries.size(), 1u);
  EXPECT_EQ(s[1].entries[0].index, 1u);
}

TEST(LokiPushTest, JsonBodyIsExact) {
  EXPECT_EQ(EncodeJsonPush(TwoStreams()),
            "{\"streams\":["
            "{\"stream\":{\"app\":\"api\"},\"values\":[[\"1700000001000000500\",\"a\"],"
            "[\"1700000002000000000\",\"b\"],[\"1700000002000000000\",\"c\"]]},"
            "{\"stream\":{\"app\":\"db\",\"env\":\"prod\"},"
            "\"values\":[[\"1700000001000000007\",\"x \\\"q\\\"\"]]}]}");
}

TEST(LokiPushTest, ProtobufDecodesBackFieldByField) {
  std::string body = EncodeProtobufPush(TwoStreams());
  std::vector<ProtoField> request;
  ASSERT_TRUE(ParseProto(body, &request));
  ASSERT_EQ(request.size(), 2u);
  struct Want {
    std::string labels;
    std::vector<std::tuple<uint64_t, uint64_t, std::string>> entries;  // sec, nanos, line
  };
  const Want want[] = {
      {"{app=\"api\"}", {{1700000001, 500, "a"}, {1700000002, 0, "b"}, {1700000002, 0, "c"}}},
      {"{app=\"db\", env=\"prod\"}", {{1700000001, 7, "x \"q\""}}}};
  for (size_t s = 0; s < 2; ++s) {
    SCOPED_TRACE(s);
    EXPECT_EQ(request[s].number, 1u);  // PushRequest.streams
    EXPECT_EQ(request[s].wire_type, 2u);
    std::vector<ProtoField> stream;
    ASSERT_TRUE(ParseProto(request[s].bytes, &stream));
    ASSERT_EQ(stream.size(), 1 + want[s].entries.size());
    EXPECT_EQ(stream[0].number, 1u);  // StreamAdapter.labels
    EXPECT_EQ(stream[0].bytes, want[s].labels);
    for (size_t e = 0; e < want[s].entries.size(); ++e) {
      SCOPED_TRACE(e);
      EXPECT_EQ(stream[1 + e].number, 2u);  // StreamAdapter.entries
      std::vector<ProtoField> entry;
      ASSERT_TRUE(ParseProto(stream[1 + e].bytes, &entry));
      ASSERT_EQ(entry.size(), 2u);
      EXPECT_EQ(entry[0].number, 1u);  // EntryAdapter.timestamp
      EXPECT_EQ(entry[1].number, 2u);  // EntryAdapter.line
      EXPECT_EQ(entry[1].bytes, std::get<2>(want[s].entries[e]));
      std::vector<ProtoField> ts;
      ASSERT_TRUE(ParseProto(entry[0].bytes, &ts));
      const auto [sec, nanos, line] = want[s].entries[e];
      ASSERT_EQ(ts.size(), nanos == 0 ? 1u : 2u);  // proto3 leaves a zero nanos out
      EXPECT_EQ(ts[0].number, 1u);
      EXPECT_EQ(ts[0].wire_type, 0u);
      EXPECT_EQ(ts[0].varint, sec);
      if (nanos != 0) {
        EXPECT_EQ(ts[1].number, 2u);
        EXPECT_EQ(ts[1].varint, nanos);
      }
    }
  }
}

TEST(LokiPushTest, ProtobufBytesOfOneEntry) {
  StreamGrouper g;
  g.Add({{"a", "b"}}, EventTime{1, 2}, "hi", 0);
  const std::string body = EncodeProtobufPush(g.Finish());
  // streams{ labels "{a=\"b\"}", entries{ timestamp{1, 2}, line "hi" } }
  const std::string want = std::string("\x0a\x15", 2) + "\x0a\x07{a=\"b\"}" +
                           std::string("\x12\x0a\x0a\x04\x08\x01\x10\x02", 8) + "\x12\x02hi";
  EXPECT_EQ(body, want);
}

TEST(LokiPushTest, LongLinesUseMultiByteLengths) {
  StreamGrouper g;
  const std::string line(300, 'x');
  g.Add({{"a", "b"}}, EventTime{1700000000, 999999999}, line, 0);
  std::vector<ProtoField> request, stream, entry;
  ASSERT_TRUE(ParseProto(EncodeProtobufPush(g.Finish()), &request));
  ASSERT_EQ(request.size(), 1u);
  ASSERT_TRUE(ParseProto(request[0].bytes, &stream));
  ASSERT_EQ(stream.size(), 2u);
  ASSERT_TRUE(ParseProto(stream[1].bytes, &entry));
  ASSERT_EQ(entry.size(), 2u);
  EXPECT_EQ(entry[1].bytes, line);
}

TEST(LokiPushTest, SnappyRoundTrip) {
  const std::string body = EncodeProtobufPush(TwoStreams());
  const std::string compressed = SnappyCompress(body);
  Result<std::string> back = SnappyUncompress(compressed);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(*back, body);
  // A snappy block starts with the uncompressed length as a varint.
  ASSERT_FALSE(compressed.empty());
  EXPECT_EQ(static_cast<uint8_t>(compressed[0]),
            body.size() < 128 ? body.size() : (body.size() & 0x7F) | 0x80);
  Result<std::string> bad = SnappyUncompress("\xff\xff\xff\xff\x0f garbage");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message(), "not a valid snappy block");
}

}  // namespace
}  // namespace runnel::plugins::loki
