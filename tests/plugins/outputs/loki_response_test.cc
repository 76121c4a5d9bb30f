// How Loki's push responses read: delivered, retried, rejected, and the per-entry reading of a
// 400 that names the entries Loki ignored. The protocol's requests (headers, content types).
#include "plugins/outputs/loki/loki_response.h"

#include <gtest/gtest.h>

#include "plugins/outputs/loki/loki_protocol.h"
#include "tests/plugins/outputs/loki_test_util.h"

namespace runnel::plugins::loki {
namespace {

using http_client::Outcome;
using http_client::Response;
using testing::Record;

using Kind = Outcome::Kind;

Response Reply(long status, std::string body = "") {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// Stream {app="a"}: events 0, 2, 4 at times 3, 1, 2 -> sorted 2, 4, 0. Stream {app="b"}: 1, 3.
std::vector<PushStream> Streams() {
  StreamGrouper g;
  g.Add({{"app", "a"}}, EventTime{3, 0}, "a3", 0);
  g.Add({{"app", "b"}}, EventTime{1, 0}, "b1", 1);
  g.Add({{"app", "a"}}, EventTime{1, 0}, "a1", 2);
  g.Add({{"app", "b"}}, EventTime{2, 0}, "b2", 3);
  g.Add({{"app", "a"}}, EventTime{2, 0}, "a2", 4);
  return g.Finish();
}

TEST(LokiResponseTest, SuccessRetryAndRejection) {
  const std::vector<PushStream> s = Streams();
  EXPECT_EQ(ClassifyPushResponse(s, 5, Reply(204)).kind, Kind::kDelivered);
  EXPECT_EQ(ClassifyPushResponse(s, 5, Reply(200)).kind, Kind::kDelivered);

  Response limited = Reply(429, "Ingestion rate limit exceeded");
  limited.retry_after = std::chrono::seconds(7);
  Outcome o = ClassifyPushResponse(s, 5, limited);
  EXPECT_EQ(o.kind, Kind::kRetry);
  EXPECT_EQ(o.reason, "HTTP 429: Ingestion rate limit exceeded");
  EXPECT_EQ(o.retry_after, std::chrono::seconds(7));

  o = ClassifyPushResponse(s, 5, Reply(503, "unavailable"));
  EXPECT_EQ(o.kind, Kind::kRetry);
  EXPECT_EQ(o.reason, "HTTP 503: unavailable");

  Response down;
  down.error = "Couldn't connect to server";
  o = ClassifyPushResponse(s, 5, down);
  EXPECT_EQ(o.kind, Kind::kRetry);
  EXPECT_EQ(o.reason, "Couldn't connect to server");

  o = ClassifyPushResponse(s, 5, Reply(401, "no org id"));
  EXPECT_EQ(o.kind, Kind::kRejected);
  EXPECT_EQ(o.reason, "HTTP 401: no org id");

  o = ClassifyPushResponse(s, 5, Reply(400, "error parsing labels {app=: parse error"));
  EXPECT_EQ(o.kind, Kind::kRejected);
  EXPECT_EQ(o.reason, "HTTP 400: error parsing labels {app=: parse error");
}

TEST(LokiResponseTest, OlderFormOutOfOrderRejectsTheFirstEntriesOfTheStream) {
  const std::string body =
      "entry with timestamp 1970-01-01 00:00:01 +0000 UTC ignored, reason: 'entry out of order' "
      "for stream: {app=\"a\"},\n"
      "entry with timestamp 1970-01-01 00:00:02 +0000 UTC ignored, reason: 'entry out of order' "
      "for stream: {app=\"a\"},\n"
      "total ignored: 2 out of 3\n";
  Outcome o = ClassifyPushResponse(Streams(), 5, Reply(400, body));
  ASSERT_EQ(o.kind, Kind::kPerEvent);
  ASSERT_EQ(o.events.size(), 5u);
  EXPECT_EQ(o.events[0].kind, Kind::kDelivered);  // a3, the newest of its stream
  EXPECT_EQ(o.events[1].kind, Kind::kDelivered);  // stream b not named
  EXPECT_EQ(o.events[3].kind, Kind::kDelivered);
  EXPECT_EQ(o.events[2].kind, Kind::kRejected);  // a1
  EXPECT_EQ(o.events[2].reason,
            "Loki: entry with timestamp 1970-01-01 00:00:01 +0000 UTC ignored, reason: 'entry "
            "out of order' (stream {app=\"a\"})");
  EXPECT_EQ(o.events[4].kind, Kind::kRejected);  // a2
  EXPECT_EQ(o.events[4].reason,
            "Loki: entry with timestamp 1970-01-01 00:00:02 +0000 UTC ignored, reason: 'entry "
            "out of order' (stream {app=\"a\"})");
}

TEST(LokiResponseTest, NewerFormNamesTheStreamInTheSummary) {
  const std::string body =
      "entry with timestamp 1970-01-01 00:00:01 +0000 UTC ignored, reason: 'entry too far "
      "behind, entry timestamp is: 1970-01-01T00:00:01Z, oldest acceptable timestamp is: "
      "1970-01-01T00:00:02Z',\n"
      "user 'fake', total ignored: 1 out of 2 for stream: {app=\"b\"}";
  Outcome o = ClassifyPushResponse(Streams(), 5, Reply(400, body));
  ASSERT_EQ(o.kind, Kind::kPerEvent);
  ASSERT_EQ(o.events.size(), 5u);
  for (size_t i : {0, 2, 3, 4}) {
    EXPECT_EQ(o.events[i].kind, Kind::kDelivered) << i;
  }
  EXPECT_EQ(o.events[1].kind, Kind::kRejected);
  EXPECT_EQ(o.events[1].reason,
            "Loki: entry with timestamp 1970-01-01 00:00:01 +0000 UTC ignored, reason: 'entry too "
            "far behind, entry timestamp is: 1970-01-01T00:00:01Z, oldest acceptable timestamp "
            "is: 1970-01-01T00:00:02Z' (stream {app=\"b\"})");
}

TEST(LokiResponseTest, MoreIgnoredThanListedUseTheSummary) {
  const std::string body =
      "entry with timestamp 1970-01-01 00:00:01 +0000 UTC ignored, reason: 'entry out of "
      "order',\n"
      "user 'fake', total ignored: 3 out of 3 for stream: {app=\"a\"}";
  Outcome o = ClassifyPushResponse(Streams(), 5, Reply(400, body));
  ASSERT_EQ(o.kind, Kind::kPerEvent);
  EXPECT_EQ(o.events[2].reason,
            "Loki: entry with timestamp 1970-01-01 00:00:01 +0000 UTC ignored, reason: 'entry "
            "out of order' (stream {app=\"a\"})");
  EXPECT_EQ(o.events[4].kind, Kind::kRejected);
  EXPECT_EQ(o.events[4].reason,
            "Loki: user 'fake', total ignored: 3 out of 3 for stream: {app=\"a\"} (stream "
            "{app=\"a\"})");
  EXPECT_EQ(o.events[0].kind, Kind::kRejected);
  EXPECT_EQ(o.events[1].kind, Kind::kDelivered);
}

TEST(LokiResponseTest, CountsThatDoNotMatchRejectTheWholeStream) {
  const std::string body =
      "user 'fake', total ignored: 1 out of 9 for stream: {app=\"b\"}";  // 9: not our 2
  Outcome o = ClassifyPushResponse(Streams(), 5, Reply(400, body));
  ASSERT_EQ(o.kind, Kind::kPerEvent);
  EXPECT_EQ(o.events[1].kind, Kind::kRejected);
  EXPECT_EQ(o.events[3].kind, Kind::kRejected);
  EXPECT_EQ(o.events[3].reason,
            "Loki: user 'fake', total ignored: 1 out of 9 for stream: {app=\"b\"} (stream "
            "{app=\"b\"})");
  EXPECT_EQ(o.events[0].kind, Kind::kDelivered);
}

TEST(LokiResponseTest, DistributorTooOldRejectsTheNamedStream) {
  const std::string body =
      "entry for stream '{app=\"a\"}' has timestamp too old: 1970-01-01 00:00:01 +0000 UTC, "
      "oldest acceptable timestamp is: 2026-11-27 00:00:00 +0000 UTC\n";
  Outcome o = ClassifyPushResponse(Streams(), 5, Reply(400, body));
  ASSERT_EQ(o.kind, Kind::kPerEvent);
  for (size_t i : {0, 2, 4}) {
    EXPECT_EQ(o.events[i].kind, Kind::kRejected) << i;
  }
  EXPECT_EQ(o.events[1].kind, Kind::kDelivered);
  EXPECT_EQ(o.events[0].reason,
            "Loki: entry for stream '{app=\"a\"}' has timestamp too old: 1970-01-01 00:00:01 "
            "+0000 UTC, oldest acceptable timestamp is: 2026-11-27 00:00:00 +0000 UTC (stream "
            "{app=\"a\"})");
}

TEST(LokiResponseTest, AStreamNotInTheRequestRejectsEverything) {
  Outcome o = ClassifyPushResponse(
      Streams(), 5, Reply(400, "user 'fake', total ignored: 1 out of 1 for stream: {app=\"z\"}"));
  EXPECT_EQ(o.kind, Kind::kRejected);
  EXPECT_EQ(o.reason, "HTTP 400: user 'fake', total ignored: 1 out of 1 for stream: {app=\"z\"}");
}

http_client::Event Ev(const std::string& record, EventTime t) { return {t, record, nullptr, 0}; }

LokiProtocolOptions Options(PushFormat format) {
  LokiProtocolOptions o;
  o.format = format;
  o.push_url = "http://127.0.0.1:1/loki/api/v1/push";
  o.tenant_id = "team-a";
  o.labels = *LabelRules::Build({{"app", "$app"}}, {});
  o.line_format = LineFormat::kField;
  o.line_field = "log";
  return o;
}

TEST(LokiProtocolTest, JsonRequestWithTenantAndRejectedEvents) {
  LokiProtocol p(Options(PushFormat::kJson));
  const std::string r0 = Record({{"app", "x"}, {"log", "second"}});
  const std::string r1 = Record({{"log", "no app"}});
  const std::string r2 = Record({{"app", "x"}});
  const std::string r3 = Record({{"app", "x"}, {"log", "first"}});
  const http_client::Event events[] = {Ev(r0, {20, 0}), Ev(r1, {1, 0}), Ev(r2, {1, 0}),
                                       Ev(r3, {10, 0})};
  http_client::HttpProtocol::Encoded out;
  ASSERT_TRUE(p.Encode(events, &out).ok());
  EXPECT_EQ(out.request.method, "POST");
  EXPECT_EQ(out.request.url, "http://127.0.0.1:1/loki/api/v1/push");
  EXPECT_EQ(out.request.content_type, "application/json");
  EXPECT_TRUE(out.request.compress);
  const std::vector<std::pair<std::string, std::string>> headers = {{"X-Scope-OrgID", "team-a"}};
  EXPECT_EQ(out.request.headers, headers);
  EXPECT_EQ(out.request.body,
            "{\"streams\":[{\"stream\":{\"app\":\"x\"},\"values\":[[\"10000000000\",\"first\"],"
            "[\"20000000000\",\"second\"]]}]}");
  const std::vector<std::pair<uint32_t, std::string>> rejected = {
      {1, "the event has none of the configured labels (Loki needs one)"},
      {2, "no field 'log' for the line"}};
  EXPECT_EQ(out.rejected, rejected);
}

TEST(LokiProtocolTest, ProtobufRequestIsSnappyAndNotCompressedAgain) {
  LokiProtocol p(Options(PushFormat::kProtobuf));
  const std::string r0 = Record({{"app", "x"}, {"log", "one"}});
  const http_client::Event events[] = {Ev(r0, {5, 6})};
  http_client::HttpProtocol::Encoded out;
  ASSERT_TRUE(p.Encode(events, &out).ok());
  EXPECT_EQ(out.request.content_type, "application/x-protobuf");
  EXPECT_FALSE(out.request.compress);
  Result<std::string> raw = SnappyUncompress(out.request.body);
  ASSERT_TRUE(raw.has_value());
  StreamGrouper g;
  g.Add({{"app", "x"}}, EventTime{5, 6}, "one", 0);
  EXPECT_EQ(*raw, EncodeProtobufPush(g.Finish()));
  EXPECT_TRUE(out.rejected.empty());
}

TEST(LokiProtocolTest, ClassifyRebuildsTheStreamsOfTheSentEvents) {
  LokiProtocol p(Options(PushFormat::kProtobuf));
  const std::string late = Record({{"app", "x"}, {"log", "late"}});
  const std::string fine = Record({{"app", "x"}, {"log", "fine"}});
  const http_client::Event events[] = {Ev(fine, {9, 0}), Ev(late, {1, 0})};
  Outcome o = p.Classify(
      events, Reply(400,
                    "entry with timestamp 1970-01-01 00:00:01 +0000 UTC ignored, reason: 'entry "
                    "out of order' for stream: {app=\"x\"},\ntotal ignored: 1 out of 2"));
  ASSERT_EQ(o.kind, Kind::kPerEvent);
  ASSERT_EQ(o.events.size(), 2u);
  EXPECT_EQ(o.events[0].kind, Kind::kDelivered);
  EXPECT_EQ(o.events[1].kind, Kind::kRejected);
  EXPECT_EQ(p.Classify(events, Reply(204)).kind, Kind::kDelivered);
}

}  // namespace
}  // namespace runnel::plugins::loki
