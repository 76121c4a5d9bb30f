// The clickhouse output's protocol without a server: row JSON (exact bytes), column mapping,
// time formats, the insert URL, the dedupe token, ClickHouse's error answers and their
// classification, version parsing and the mapping check against a table's columns.
#include "plugins/outputs/clickhouse/clickhouse_protocol.h"

#include <gtest/gtest.h>

#include "plugins/outputs/clickhouse/clickhouse_errors.h"
#include "plugins/outputs/clickhouse/clickhouse_rows.h"
#include "plugins/outputs/clickhouse/clickhouse_table.h"

namespace runnel::plugins::clickhouse {
namespace {

using http_client::Event;
using http_client::Outcome;
using http_client::Response;

constexpr EventTime kTime{1764810000, 123456789};  // 2025-12-04 01:00:00.123456789 UTC

// {"msg":"hi \"x\"","n":-7,"ok":true,"none":nil,"f":1.5,"obj":{"a":[1,"b"]},"arr":["p","q"],
//  "timestamp":"record's own"}
std::string Record() {
  std::string r;
  MsgpackWriter w(&r);
  w.MapHeader(8);
  w.Str("msg");
  w.Str("hi \"x\"");
  w.Str("n");
  w.Int(-7);
  w.Str("ok");
  w.Bool(true);
  w.Str("none");
  w.Nil();
  w.Str("f");
  w.Double(1.5);
  w.Str("obj");
  w.MapHeader(1);
  w.Str("a");
  w.ArrayHeader(2);
  w.Int(1);
  w.Str("b");
  w.Str("arr");
  w.ArrayHeader(2);
  w.Str("p");
  w.Str("q");
  w.Str("timestamp");
  w.Str("record's own");
  return r;
}

std::vector<ColumnInfo> Columns() {
  return {MakeColumnInfo("timestamp", "DateTime"),
          MakeColumnInfo("msg", "String"),
          MakeColumnInfo("n", "Int64"),
          MakeColumnInfo("ok", "UInt8"),
          MakeColumnInfo("f", "Float64"),
          MakeColumnInfo("obj", "String"),
          MakeColumnInfo("arr", "Array(String)"),
          MakeColumnInfo("text", "LowCardinality(String)"),
          MakeColumnInfo("num_text", "Nullable(String)")};
}

ClickHouseConfig BaseConfig() {
  ClickHouseConfig c;
  c.http.url = "http://127.0.0.1:8123";
  c.table = "logs";
  c.time_format = TimeFormat::kSeconds;
  return c;
}

std::string Encode(const ClickHouseConfig& config, EventTime time = kTime) {
  RowEncoder encoder(config, Columns());
  std::string out;
  Status s = encoder.Append(time, Record(), &out);
  EXPECT_TRUE(s.ok()) << s.message();
  return out;
}

TEST(ClickHouseRows, AllFieldsKeepTheirNamesAndStringColumnsTakeJsonText) {
  EXPECT_EQ(Encode(BaseConfig()),
            "{\"timestamp\":1764810000,\"msg\":\"hi \\\"x\\\"\",\"n\":-7,\"ok\":true,"
            "\"f\":1.5,\"obj\":\"{\\\"a\\\":[1,\\\"b\\\"]}\",\"arr\":[\"p\",\"q\"]}\n");
}

TEST(ClickHouseRows, MappedColumnsTakeTheirFieldsInRecordOrder) {
  ClickHouseConfig c = BaseConfig();
  c.columns = {{"text", "msg"},       {"num_text", "n"}, {"obj", "obj"},
               {"absent", "missing"}, {"f", "f"},        {"n", "n"}};
  EXPECT_EQ(Encode(c),
            "{\"timestamp\":1764810000,\"text\":\"hi \\\"x\\\"\",\"num_text\":\"-7\","
            "\"n\":-7,\"f\":1.5,\"obj\":\"{\\\"a\\\":[1,\\\"b\\\"]}\"}\n");
  RowEncoder encoder(c, Columns());
  EXPECT_EQ(encoder.ColumnList(), "(`timestamp`, `text`, `num_text`, `obj`, `absent`, `f`, `n`)");
}

TEST(ClickHouseRows, TimeFormats) {
  ClickHouseConfig c = BaseConfig();
  c.columns = {{"msg", "msg"}};
  auto row = [&](TimeFormat f, int precision = 9) {
    c.time_format = f;
    c.time_precision = precision;
    return Encode(c);
  };
  const std::string rest = ",\"msg\":\"hi \\\"x\\\"\"}\n";
  EXPECT_EQ(row(TimeFormat::kSeconds), "{\"timestamp\":1764810000" + rest);
  EXPECT_EQ(row(TimeFormat::kMilliseconds), "{\"timestamp\":1764810000123" + rest);
  EXPECT_EQ(row(TimeFormat::kNanoseconds), "{\"timestamp\":1764810000123456789" + rest);
  EXPECT_EQ(row(TimeFormat::kFractional), "{\"timestamp\":\"1764810000.123456789\"" + rest);
  EXPECT_EQ(row(TimeFormat::kFractional, 3), "{\"timestamp\":\"1764810000.123\"" + rest);
  EXPECT_EQ(row(TimeFormat::kFractional, 0), "{\"timestamp\":\"1764810000\"" + rest);
  EXPECT_EQ(row(TimeFormat::kDateTime), "{\"timestamp\":\"2025-12-04 01:00:00\"" + rest);
}

TEST(ClickHouseRows, WithoutTimeColumnTheRecordsFieldOfThatNameIsKept) {
  ClickHouseConfig c = BaseConfig();
  c.time_column = "";
  c.columns = {{"timestamp", "timestamp"}, {"ok", "ok"}};
  EXPECT_EQ(Encode(c), "{\"ok\":true,\"timestamp\":\"record's own\"}\n");
}

TEST(ClickHouseRows, UnknownFieldsGoAsTheyAreAndNonStringKeysAreSkipped) {
  std::string r;
  MsgpackWriter w(&r);
  w.MapHeader(3);
  w.Int(5);
  w.Str("int key");
  w.Str("new_field");
  w.MapHeader(1);
  w.Str("k");
  w.Str("v");
  w.Str("msg");
  w.Int(42);
  ClickHouseConfig c = BaseConfig();
  RowEncoder encoder(c, Columns());
  std::string out;
  ASSERT_TRUE(encoder.Append(EventTime{7, 0}, r, &out).ok());
  EXPECT_EQ(out, "{\"timestamp\":7,\"new_field\":{\"k\":\"v\"},\"msg\":\"42\"}\n");
}

TEST(ClickHouseRows, MalformedRecordLeavesOutputUnchanged) {
  RowEncoder encoder(BaseConfig(), Columns());
  std::string out = "kept";
  std::string bad = Record();
  bad.resize(bad.size() - 3);
  Status s = encoder.Append(kTime, bad, &out);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_EQ(out, "kept");
  EXPECT_EQ(encoder.Append(kTime, "\x93", &out).code(), StatusCode::kDataLoss);
  EXPECT_EQ(out, "kept");
}

// A server as FetchServerInfo reads it: 18.16 has no insert_deduplication_token, 22.2 and
// later have it.
ServerInfo Info(std::string version, bool has_token = false) {
  ServerInfo info;
  info.version = version;
  std::tie(info.major, info.minor) = ParseVersion(version);
  info.has_dedupe_token = has_token;
  info.columns = Columns();
  return info;
}

struct Request {
  Batch batch;
  std::vector<Event> events;
};

Request MakeRequest(uint32_t n, BatchId id = {1, 2}) {
  Request r;
  r.batch.id = id;
  for (uint32_t i = 0; i < n; ++i) {
    r.events.push_back(Event{EventTime{1764810000 + i, 0}, "", &r.batch, i});
  }
  return r;
}

TEST(ClickHouseProtocol, InsertUrlNamesTableColumnsAndSettings) {
  ClickHouseConfig c = BaseConfig();
  c.database = "app db";
  EXPECT_EQ(ClickHouseProtocol(c, Info("18.16.1")).insert_url(),
            "http://127.0.0.1:8123?query=INSERT%20INTO%20%60app%20db%60.%60logs%60%20FORMAT%20"
            "JSONEachRow&input_format_skip_unknown_fields=1");
  c.database = "default";
  c.columns = {{"msg", "message"}};
  c.settings = {{"max_insert_block_size", "100000"}, {"insert_quorum", "a&b"}};
  c.http.url = "https://ch.example:8443/?user_hint=1";
  EXPECT_EQ(ClickHouseProtocol(c, Info("18.16.1")).insert_url(),
            "https://ch.example:8443/?user_hint=1&query=INSERT%20INTO%20%60default%60.%60logs"
            "%60%20%28%60timestamp%60%2C%20%60msg%60%29%20FORMAT%20JSONEachRow"
            "&max_insert_block_size=100000&insert_quorum=a%26b");
}

TEST(ClickHouseProtocol, EncodeWritesOneLinePerEventAndRejectsUnreadableRecords) {
  ClickHouseConfig c = BaseConfig();
  c.columns = {{"msg", "msg"}};
  ClickHouseProtocol protocol(c, Info("18.16.1"));
  Request r = MakeRequest(3);
  std::string good = Record();
  r.events[0].record = good;
  r.events[1].record = "\x81";  // a map announcing one pair that is not there
  r.events[2].record = good;
  http_client::HttpProtocol::Encoded out;
  ASSERT_TRUE(protocol.Encode(r.events, &out).ok());
  EXPECT_EQ(out.request.method, "POST");
  EXPECT_EQ(out.request.url, protocol.insert_url());  // 18.16: no token
  EXPECT_EQ(out.request.body,
            "{\"timestamp\":1764810000,\"msg\":\"hi \\\"x\\\"\"}\n"
            "{\"timestamp\":1764810002,\"msg\":\"hi \\\"x\\\"\"}\n");
  ASSERT_EQ(out.rejected.size(), 1u);
  EXPECT_EQ(out.rejected[0].first, 1u);
  EXPECT_TRUE(out.rejected[0].second.starts_with("record cannot be read: "))
      << out.rejected[0].second;
}

TEST(ClickHouseProtocol, DedupeTokenOnlyWhereTheServerHasIt) {
  ClickHouseConfig c = BaseConfig();
  Request r = MakeRequest(2);
  std::string good = Record();
  for (Event& e : r.events) {
    e.record = good;
  }
  const std::string token = ClickHouseProtocol::DedupeToken(r.events);
  EXPECT_EQ(token.size(), 32u);
  for (const char* version : {"22.2.1.1", "23.8.2.7", "24.1"}) {
    ClickHouseProtocol protocol(c, Info(version, true));
    http_client::HttpProtocol::Encoded out;
    ASSERT_TRUE(protocol.Encode(r.events, &out).ok());
    EXPECT_EQ(out.request.url, protocol.insert_url() + "&insert_deduplication_token=" + token)
        << version;
  }
  for (const char* version : {"18.16.1", "21.12.4", "22.1.3.7"}) {
    ClickHouseProtocol protocol(c, Info(version));
    http_client::HttpProtocol::Encoded out;
    ASSERT_TRUE(protocol.Encode(r.events, &out).ok());
    EXPECT_EQ(out.request.url, protocol.insert_url()) << version;
  }
  c.dedupe_token = false;
  ClickHouseProtocol off(c, Info("23.8.2.7", true));
  http_client::HttpProtocol::Encoded out;
  ASSERT_TRUE(off.Encode(r.events, &out).ok());
  EXPECT_EQ(out.request.url, off.insert_url());
}

TEST(ClickHouseProtocol, DedupeTokenIsStableAndDependsOnIdsAndPositions) {
  Request a = MakeRequest(3);
  Request same = MakeRequest(3);
  Request other_id = MakeRequest(3, BatchId{1, 3});
  EXPECT_EQ(ClickHouseProtocol::DedupeToken(a.events),
            ClickHouseProtocol::DedupeToken(same.events));
  EXPECT_NE(ClickHouseProtocol::DedupeToken(a.events),
            ClickHouseProtocol::DedupeToken(other_id.events));
  std::span<const Event> first_two(a.events.data(), 2);
  std::span<const Event> last_two(a.events.data() + 1, 2);
  EXPECT_NE(ClickHouseProtocol::DedupeToken(first_two), ClickHouseProtocol::DedupeToken(last_two));
  EXPECT_NE(ClickHouseProtocol::DedupeToken(first_two), ClickHouseProtocol::DedupeToken(a.events));
}

constexpr char kParseError[] =
    "Code: 27, e.displayText() = DB::Exception: Cannot parse input: expected \" before: "
    "abc\"}: (while read the value of key n): (at row 2)\n, e.what() = DB::Exception\n";

TEST(ClickHouseErrors, ParsesTheOldAndTheNewForm) {
  std::optional<ServerError> e = ParseServerError(kParseError);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, 27);
  EXPECT_EQ(e->row, 2);
  EXPECT_EQ(e->message,
            "Cannot parse input: expected \" before: abc\"}: (while read the value of key n): "
            "(at row 2)");
  EXPECT_EQ(DescribeError(*e), "ClickHouse error 27: " + e->message);

  e = ParseServerError(
      "Code: 252. DB::Exception: Too many parts (300). Merges are processing significantly "
      "slower than inserts. (TOO_MANY_PARTS) (version 23.8.2.7 (official build))\n");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, 252);
  EXPECT_EQ(e->row, 0);
  EXPECT_EQ(e->message,
            "Too many parts (300). Merges are processing significantly slower than inserts. "
            "(TOO_MANY_PARTS) (version 23.8.2.7 (official build))");

  EXPECT_FALSE(ParseServerError("<html>502 Bad Gateway</html>").has_value());
  EXPECT_FALSE(ParseServerError("Code: x").has_value());
  EXPECT_FALSE(ParseServerError("").has_value());
}

TEST(ClickHouseErrors, ClassesOfCodes) {
  for (int code : {6, 26, 27, 33, 38, 41, 53, 72, 117, 349}) {
    EXPECT_EQ(ClassifyErrorCode(code), ErrorClass::kRowData) << code;
  }
  for (int code : {3, 159, 202, 209, 210, 241, 252, 319, 425, 999}) {
    EXPECT_EQ(ClassifyErrorCode(code), ErrorClass::kTransient) << code;
  }
  for (int code : {16, 60, 81, 164, 192, 193, 194, 195, 497, 516}) {
    EXPECT_EQ(ClassifyErrorCode(code), ErrorClass::kRefused) << code;
  }
  for (int code : {0, 1, 46, 62, 1000}) {
    EXPECT_EQ(ClassifyErrorCode(code), ErrorClass::kOther) << code;
  }
}

Outcome Classify(uint32_t events, long status, std::string body) {
  ClickHouseProtocol protocol(BaseConfig(), Info("18.16.1"));
  Request r = MakeRequest(events);
  Response response;
  response.status = status;
  response.body = std::move(body);
  if (status == 0) {
    response.error = "Connection refused";
  }
  return protocol.Classify(r.events, response);
}

TEST(ClickHouseProtocol, ClassifyDeliveredRetriedRejected) {
  EXPECT_EQ(Classify(3, 200, "").kind, Outcome::Kind::kDelivered);
  Outcome o = Classify(3, 0, "");
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.reason, "ClickHouse cannot be reached: Connection refused");
  o = Classify(3, 500,
               "Code: 241, e.displayText() = DB::Exception: Memory limit (for query) "
               "exceeded, e.what() = DB::Exception\n");
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.reason, "ClickHouse error 241: Memory limit (for query) exceeded");
  o = Classify(3, 404,
               "Code: 60, e.displayText() = DB::Exception: Table default.nope doesn't "
               "exist., e.what() = DB::Exception\n");
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.reason,
            "ClickHouse error 60: Table default.nope doesn't exist. (retried until the server "
            "takes inserts)");
  EXPECT_EQ(Classify(3, 503, "overloaded").kind, Outcome::Kind::kRetry);
  EXPECT_EQ(Classify(3, 429, "").kind, Outcome::Kind::kRetry);
  o = Classify(3, 404,
               "Code: 46, e.displayText() = DB::Exception: Unknown function x, "
               "e.what() = DB::Exception");
  EXPECT_EQ(o.kind, Outcome::Kind::kRejected);
  EXPECT_EQ(o.reason, "ClickHouse error 46: Unknown function x");
  o = Classify(3, 500, "Code: 46, e.displayText() = DB::Exception: odd, e.what() = x");
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.reason, "ClickHouse error 46: odd");
}

TEST(ClickHouseProtocol, RowErrorRejectsThatRowAndRetriesTheOthers) {
  Outcome o = Classify(3, 500, kParseError);
  ASSERT_EQ(o.kind, Outcome::Kind::kPerEvent);
  ASSERT_EQ(o.events.size(), 3u);
  EXPECT_EQ(o.events[0].kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.events[1].kind, Outcome::Kind::kRejected);
  EXPECT_EQ(o.events[1].reason,
            "ClickHouse error 27: Cannot parse input: expected \" before: abc\"}: (while read "
            "the value of key n): (at row 2)");
  EXPECT_EQ(o.events[2].kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.events[2].reason, "sent again without a row ClickHouse rejected");
}

TEST(ClickHouseProtocol, RowErrorWithoutUsableRowRejectsTheRequest) {
  Outcome one = Classify(1, 500, kParseError);  // row 2 of a 1-event request
  EXPECT_EQ(one.kind, Outcome::Kind::kRejected);
  Outcome none = Classify(4, 500,
                          "Code: 33, e.displayText() = DB::Exception: Unexpected end of "
                          "stream, e.what() = DB::Exception");
  EXPECT_EQ(none.kind, Outcome::Kind::kRejected);
  EXPECT_EQ(none.reason, "ClickHouse error 33: Unexpected end of stream");
  Outcome beyond = Classify(1, 400, kParseError);
  EXPECT_EQ(beyond.kind, Outcome::Kind::kRejected);
}

TEST(ClickHouseTable, VersionsAndColumnKinds) {
  EXPECT_EQ(ParseVersion("18.16.1"), std::make_pair(18, 16));
  EXPECT_EQ(ParseVersion("23.8.2.7"), std::make_pair(23, 8));
  EXPECT_EQ(ParseVersion("24"), std::make_pair(0, 0));
  EXPECT_EQ(ParseVersion(""), std::make_pair(0, 0));
  EXPECT_EQ(MakeColumnInfo("a", "String").kind, ColumnKind::kString);
  EXPECT_EQ(MakeColumnInfo("a", "FixedString(16)").kind, ColumnKind::kString);
  EXPECT_EQ(MakeColumnInfo("a", "LowCardinality(Nullable(String))").kind, ColumnKind::kString);
  EXPECT_EQ(MakeColumnInfo("a", "Array(String)").kind, ColumnKind::kOther);
  EXPECT_EQ(MakeColumnInfo("a", "DateTime('UTC')").kind, ColumnKind::kDateTime);
  ColumnInfo d64 = MakeColumnInfo("a", "DateTime64(3, 'UTC')");
  EXPECT_EQ(d64.kind, ColumnKind::kDateTime64);
  EXPECT_EQ(d64.precision, 3);
  EXPECT_EQ(MakeColumnInfo("a", "UInt64").kind, ColumnKind::kOther);
}

TEST(ClickHouseTable, ResolveMappingNamesTheMissingColumn) {
  ServerInfo info = Info("18.16.1");
  ClickHouseConfig c = BaseConfig();
  c.time_format = TimeFormat::kAuto;
  ASSERT_TRUE(ResolveMapping(info, &c).ok());
  EXPECT_EQ(c.time_format, TimeFormat::kSeconds);

  c.columns = {{"msg", "message"}, {"level", "severity"}};
  Status s = ResolveMapping(info, &c);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "columns: column \"level\" (for field \"severity\") does not exist of table "
            "default.logs");

  c.columns.clear();
  c.time_column = "ts";
  s = ResolveMapping(info, &c);
  EXPECT_EQ(s.message(),
            "time_column: column \"ts\" does not exist of table default.logs (time_column = "
            "\"\" leaves the event time out)");

  c.time_column = "n";
  c.time_format = TimeFormat::kAuto;
  s = ResolveMapping(info, &c);
  EXPECT_EQ(s.message(),
            "time_format: \"auto\" needs a DateTime or DateTime64 column; time_column \"n\" of "
            "table default.logs is Int64 (set time_format)");
  c.time_format = TimeFormat::kNanoseconds;
  EXPECT_TRUE(ResolveMapping(info, &c).ok());

  info.columns.push_back(MakeColumnInfo("t64", "DateTime64(6)"));
  c.time_column = "t64";
  c.time_format = TimeFormat::kAuto;
  ASSERT_TRUE(ResolveMapping(info, &c).ok());
  EXPECT_EQ(c.time_format, TimeFormat::kFractional);
  EXPECT_EQ(c.time_precision, 6);
}

TEST(ClickHouseTable, Quoting) {
  EXPECT_EQ(QuoteIdentifier("a`b\\c"), "`a\\`b\\\\c`");
  EXPECT_EQ(QuoteLiteral("it's \\"), "'it\\'s \\\\'");
  EXPECT_EQ(UrlEncode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
  EXPECT_EQ(QueryUrl("http://h:1", "SELECT 1"), "http://h:1?query=SELECT%201");
  EXPECT_EQ(QueryUrl("http://h:1/?x=1", "SELECT 1"), "http://h:1/?x=1&query=SELECT%201");
}

}  // namespace
}  // namespace runnel::plugins::clickhouse
