// The http input's body handling (plugins/inputs/http/body.h): Content-Encoding and
// Content-Type, bounded decompression (gzip, deflate, zstd; bombs), and the JSON shapes turned
// into events, with exact fields and exact error messages.
#include <gtest/gtest.h>

#include "plugins/inputs/http/body.h"
#include "runnel/json_writer.h"
#include "tests/testing/capture_emitter.h"
#include "tests/testing/compress.h"

namespace runnel::plugins::http_input {
namespace {

using testing::Gzip;
using testing::Zstd;

TEST(HttpBodyTest, NamesEncodingsAndTypes) {
  EXPECT_EQ(ParseContentEncoding(""), Encoding::kIdentity);
  EXPECT_EQ(ParseContentEncoding("identity"), Encoding::kIdentity);
  EXPECT_EQ(ParseContentEncoding(" GZIP "), Encoding::kGzip);
  EXPECT_EQ(ParseContentEncoding("x-gzip"), Encoding::kGzip);
  EXPECT_EQ(ParseContentEncoding("deflate"), Encoding::kDeflate);
  EXPECT_EQ(ParseContentEncoding("zstd"), Encoding::kZstd);
  EXPECT_EQ(ParseContentEncoding("br"), std::nullopt);
  EXPECT_EQ(ParseContentEncoding("gzip, zstd"), std::nullopt);
  EXPECT_EQ(ParseContentType(""), BodyFormat::kJson);
  EXPECT_EQ(ParseContentType("application/json; charset=utf-8"), BodyFormat::kJson);
  EXPECT_EQ(ParseContentType("application/x-www-form-urlencoded"), BodyFormat::kJson);
  EXPECT_EQ(ParseContentType("text/plain"), BodyFormat::kJson);
  EXPECT_EQ(ParseContentType("Application/X-NDJSON"), BodyFormat::kNdjson);
  EXPECT_EQ(ParseContentType("application/jsonl"), BodyFormat::kNdjson);
  EXPECT_EQ(ParseContentType("text/xml"), std::nullopt);
  EXPECT_EQ(ParseContentType("multipart/form-data; boundary=x"), std::nullopt);
}

TEST(HttpBodyTest, DecompressesGzipDeflateAndZstd) {
  const std::string text = std::string(100'000, 'a') + "{\"b\":2}";
  std::string out;
  ASSERT_TRUE(Decompress(Encoding::kGzip, Gzip(text), 1 << 20, &out).ok());
  EXPECT_EQ(out, text);
  ASSERT_TRUE(Decompress(Encoding::kDeflate, Gzip(text, 15), 1 << 20, &out).ok());
  EXPECT_EQ(out, text);
  ASSERT_TRUE(Decompress(Encoding::kZstd, Zstd(text), 1 << 20, &out).ok());
  EXPECT_EQ(out, text);
  // Two gzip members, as `cat a.gz b.gz` makes; two zstd frames likewise.
  ASSERT_TRUE(Decompress(Encoding::kGzip, Gzip("ab") + Gzip("cd"), 1 << 20, &out).ok());
  EXPECT_EQ(out, "abcd");
  ASSERT_TRUE(Decompress(Encoding::kZstd, Zstd("ab") + Zstd("cd"), 1 << 20, &out).ok());
  EXPECT_EQ(out, "abcd");
  // Exactly the limit is fine.
  ASSERT_TRUE(Decompress(Encoding::kGzip, Gzip(text), text.size(), &out).ok());
  ASSERT_TRUE(Decompress(Encoding::kZstd, Zstd(text), text.size(), &out).ok());
}

TEST(HttpBodyTest, ABombIsRefusedAtTheLimit) {
  const std::string bomb(64u << 20, '\0');  // 64 MiB of zeros: ~64 KiB gzip, ~2 KiB zstd
  for (Encoding e : {Encoding::kGzip, Encoding::kZstd}) {
    const std::string compressed = e == Encoding::kGzip ? Gzip(bomb) : Zstd(bomb);
    std::string out;
    Status s = Decompress(e, compressed, 1 << 20, &out);
    EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
    EXPECT_EQ(s.message(), "the body decompresses to more than 1048576 bytes");
    EXPECT_EQ(out.size(), 0u);
    EXPECT_EQ(out.capacity(), std::string().capacity());  // freed
  }
}

TEST(HttpBodyTest, CorruptAndTruncatedData) {
  std::string out;
  Status s = Decompress(Encoding::kGzip, "not gzip at all", 1 << 20, &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "bad gzip data: incorrect header check");
  const std::string gz = Gzip("{\"a\":1}");
  s = Decompress(Encoding::kGzip, gz.substr(0, gz.size() - 4), 1 << 20, &out);
  EXPECT_EQ(s.message(), "truncated gzip data");
  s = Decompress(Encoding::kZstd, "not zstd at all", 1 << 20, &out);
  EXPECT_EQ(s.message(), "bad zstd data: Unknown frame descriptor");
  const std::string zs = Zstd(std::string(1000, 'x'));
  s = Decompress(Encoding::kZstd, zs.substr(0, zs.size() - 3), 1 << 20, &out);
  EXPECT_EQ(s.message(), "truncated zstd data");
  s = Decompress(Encoding::kDeflate, Gzip("ab", 15) + "zz", 1 << 20, &out);
  EXPECT_EQ(s.message(), "bad deflate data: bytes after the end of the stream");
}

// Decodes `body` and returns its events as CaptureEmitter sees them, or the error message.
struct Decoded {
  std::vector<testing::CapturedEvent> events;
  std::string json;  // the events as JSON lines, without their times
  std::string error;
  size_t bad_times = 0;
};

Decoded DecodeBody(std::string_view body, BodyFormat format = BodyFormat::kJson,
                   const DecodeOptions& options = {}) {
  EventDecoder decoder;
  Batch batch;
  Decoded d;
  Status s = decoder.Decode(body, format, EventTime{100, 5}, options, &batch, &d.bad_times);
  if (!s.ok()) {
    d.error = s.message();
    EXPECT_EQ(batch.count, 0u);
    EXPECT_TRUE(batch.data.empty());
    return d;
  }
  JsonWriter writer("", JsonTimeFormat::kRfc3339);
  EXPECT_TRUE(writer.AppendBatchLines(batch, &d.json).ok());
  testing::CaptureEmitter capture;
  batch.tag = "t";
  EXPECT_TRUE(capture.Emit(std::move(batch)).ok());
  d.events = capture.events();
  return d;
}

using Fields = std::vector<std::pair<std::string, std::string>>;

TEST(HttpBodyTest, AnObjectAnArrayAndNdjson) {
  Decoded one = DecodeBody(" {\"log\":\"a\",\"n\":5,\"ok\":true,\"m\":{\"x\":[1]}}\n");
  ASSERT_EQ(one.error, "");
  ASSERT_EQ(one.events.size(), 1u);
  EXPECT_EQ(one.events[0].time, (EventTime{100, 5}));
  EXPECT_EQ(one.json, "{\"log\":\"a\",\"n\":5,\"ok\":true,\"m\":{\"x\":[1]}}\n");

  Decoded array = DecodeBody("[{\"log\":\"a\"} , {\"log\":\"b\"},{\"log\":\"c\"}]");
  ASSERT_EQ(array.error, "");
  ASSERT_EQ(array.events.size(), 3u);
  EXPECT_EQ(array.events[2].Get("log"), "c");
  EXPECT_EQ(DecodeBody("[ ]").events.size(), 0u);
  EXPECT_EQ(DecodeBody("[ ]").error, "");

  // Detected: an object followed by more; and declared.
  for (BodyFormat f : {BodyFormat::kJson, BodyFormat::kNdjson}) {
    Decoded nd = DecodeBody("{\"log\":\"a\"}\n\n  \r\n{\"log\":\"b\"}\r\n{\"log\":\"c\"}", f);
    ASSERT_EQ(nd.error, "");
    ASSERT_EQ(nd.events.size(), 3u);
    EXPECT_EQ(nd.events[1].Get("log"), "b");
  }
  EXPECT_EQ(DecodeBody("", BodyFormat::kNdjson).events.size(), 0u);
  // A key given twice keeps its last value, where it came last.
  Decoded dup = DecodeBody("{\"a\":\"1\",\"b\":\"2\",\"a\":\"3\"}");
  EXPECT_EQ(dup.events.at(0).fields, (Fields{{"b", "2"}, {"a", "3"}}));
}

TEST(HttpBodyTest, BadBodiesSayWhereAndWhy) {
  const std::string structure = simdjson::error_message(simdjson::TAPE_ERROR);
  struct Case {
    std::string body;
    BodyFormat format;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"", BodyFormat::kJson, "the body is empty"},
      {"  \n", BodyFormat::kJson, "the body is empty"},
      {"\"just a string\"", BodyFormat::kJson, "JSON document is not an object"},
      {"{\"a\":}", BodyFormat::kJson, structure},
      {"[{\"a\":1},2]", BodyFormat::kJson, "array element 2 (offset 9): not an object"},
      {"[{\"a\":1},{\"a\":}]", BodyFormat::kJson, "array element 2 (offset 9): " + structure},
      {"[{\"a\":1} {\"a\":2}]", BodyFormat::kJson, "offset 9: expected ',' or ']'"},
      {"[{\"a\":1},]", BodyFormat::kJson, "offset 9: a ',' before ']'"},
      {"[{\"a\":1}", BodyFormat::kJson, "the array does not end"},
      {"[{\"a\":1}] x", BodyFormat::kJson, "offset 10: content after the array"},
      {"{\"a\":1}\n{\"a\":2}\n{\"a\" 3}\n", BodyFormat::kJson, "line 3: " + structure},
      {"{\"a\":1}\n[1]\n", BodyFormat::kNdjson, "line 2: JSON document is not an object"},
      {"{\"a\":\"\xff\"}", BodyFormat::kJson, simdjson::error_message(simdjson::UTF8_ERROR)},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(DecodeBody(c.body, c.format).error, c.error) << c.body;
  }
}

TEST(HttpBodyTest, TimeKeyAndSourceAddress) {
  Result<parse::TimeFormat> rfc = parse::TimeFormat::Compile("rfc3339");
  ASSERT_TRUE(rfc.has_value());
  DecodeOptions options;
  options.time_key = "ts";
  options.time_format = &*rfc;
  options.source_address_key = "ip";
  options.source_address = "10.0.0.7";
  Decoded d = DecodeBody(
      "{\"ts\":\"2024-01-02T03:04:05.5Z\",\"log\":\"a\",\"ip\":\"forged\"}\n"
      "{\"ts\":\"yesterday\",\"log\":\"b\"}\n{\"log\":\"c\"}\n",
      BodyFormat::kNdjson, options);
  ASSERT_EQ(d.error, "");
  ASSERT_EQ(d.events.size(), 3u);
  EXPECT_EQ(d.events[0].time, (EventTime{1704164645, 500'000'000}));
  EXPECT_EQ(d.events[0].fields,
            (Fields{{"ts", "2024-01-02T03:04:05.5Z"}, {"log", "a"}, {"ip", "10.0.0.7"}}));
  EXPECT_EQ(d.events[1].time, (EventTime{100, 5}));  // not rfc3339: the arrival time
  EXPECT_EQ(d.events[2].time, (EventTime{100, 5}));  // absent: the arrival time
  EXPECT_EQ(d.events[2].fields, (Fields{{"log", "c"}, {"ip", "10.0.0.7"}}));
  EXPECT_EQ(d.bad_times, 1u);

  Result<parse::TimeFormat> unix = parse::TimeFormat::Compile("unix");
  ASSERT_TRUE(unix.has_value());
  DecodeOptions numbers;
  numbers.time_key = "t";
  numbers.time_format = &*unix;
  numbers.time_keep = false;
  Decoded n = DecodeBody("[{\"t\":1700000000,\"log\":\"a\"},{\"t\":1700000000.25}]",
                         BodyFormat::kJson, numbers);
  ASSERT_EQ(n.error, "");
  EXPECT_EQ(n.events.at(0).time, (EventTime{1700000000, 0}));
  EXPECT_EQ(n.events.at(0).fields, (Fields{{"log", "a"}}));
  EXPECT_EQ(n.events.at(1).time, (EventTime{1700000000, 250'000'000}));
  EXPECT_EQ(n.events.at(1).fields, Fields{});
}

}  // namespace
}  // namespace runnel::plugins::http_input
