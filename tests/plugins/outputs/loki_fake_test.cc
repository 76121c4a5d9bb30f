// The fake Loki (tests/testing/fake_loki.py) against the loki output's own bodies, over a real
// socket: it stores what the encoders send, applies Loki's ordering rule, and its 400 reads
// back per entry. The output's tests against the fake rely on this.
#include <gtest/gtest.h>

#include "plugins/outputs/loki/loki_push.h"
#include "plugins/outputs/loki/loki_response.h"
#include "tests/testing/fake_loki.h"
#include "tests/testing/http_client.h"
#include "tests/testing/temp_dir.h"

namespace runnel::plugins::loki {
namespace {

using runnel::testing::FakeLoki;
using runnel::testing::HttpConnection;
using runnel::testing::HttpReply;
using runnel::testing::LokiEntry;
using runnel::testing::TempDir;

HttpReply Post(uint16_t port, const std::string& content_type, const std::string& body) {
  HttpConnection c(port);
  EXPECT_TRUE(c.connected());
  c.Send("POST /loki/api/v1/push HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + content_type +
         "\r\nX-Scope-OrgID: t1\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body);
  return c.Read();
}

class LokiFakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = FakeLoki::WhyUnavailable(); !why.empty()) {
      GTEST_SKIP() << why;
    }
    ASSERT_TRUE(loki_.Start().ok());
  }
  TempDir dir_;
  FakeLoki loki_{dir_.path()};
};

TEST_F(LokiFakeTest, StoresProtobufAndJsonAndEnforcesOrder) {
  StreamGrouper g;
  g.Add({{"app", "a"}}, EventTime{100, 5}, "first", 0);
  g.Add({{"app", "b"}, {"env", "x\"y"}}, EventTime{100, 0}, "other", 1);
  g.Add({{"app", "a"}}, EventTime{101, 0}, "second", 2);
  std::vector<PushStream> first = g.Finish();
  HttpReply r =
      Post(loki_.port(), "application/x-protobuf", SnappyCompress(EncodeProtobufPush(first)));
  ASSERT_EQ(r.status, 204) << r.body;

  // Older than {app="a"}'s newest: ignored; the same newest entry again: a silent duplicate;
  // a newer one: stored.
  g.Add({{"app", "a"}}, EventTime{100, 9}, "late", 0);
  g.Add({{"app", "a"}}, EventTime{101, 0}, "second", 1);
  g.Add({{"app", "a"}}, EventTime{102, 0}, "third", 2);
  std::vector<PushStream> second = g.Finish();
  r = Post(loki_.port(), "application/json", EncodeJsonPush(second));
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            "entry with timestamp 1970-01-01 00:01:40.000000009 +0000 UTC ignored, reason: "
            "'entry out of order' for stream: {app=\"a\"},\ntotal ignored: 1 out of 3\n");
  http_client::Response response;
  response.status = r.status;
  response.body = r.body;
  http_client::Outcome o = ClassifyPushResponse(second, 3, response);
  ASSERT_EQ(o.kind, http_client::Outcome::Kind::kPerEvent);
  ASSERT_EQ(o.events.size(), 3u);
  EXPECT_EQ(o.events[0].kind, http_client::Outcome::Kind::kRejected);
  EXPECT_EQ(o.events[1].kind, http_client::Outcome::Kind::kDelivered);
  EXPECT_EQ(o.events[2].kind, http_client::Outcome::Kind::kDelivered);

  std::vector<LokiEntry> e = loki_.Entries();
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(e[0].stream, "{app=\"a\"}");
  EXPECT_EQ(e[0].ts, 100'000'000'005);
  EXPECT_EQ(e[0].line, "first");
  EXPECT_EQ(e[0].tenant, "t1");
  EXPECT_EQ(e[1].stream, "{app=\"a\"}");
  EXPECT_EQ(e[1].line, "second");
  EXPECT_EQ(e[2].stream, "{app=\"b\", env=\"x\\\"y\"}");
  EXPECT_EQ(e[2].line, "other");
  EXPECT_EQ(e[3].line, "third");
  EXPECT_EQ(loki_.Stats(),
            "{\"pushes\": 2, \"stored\": 4, \"ignored\": 1, \"duplicates\": 1, "
            "\"content_types\": {\"application/x-protobuf\": 1, \"application/json\": 1}}");
}

TEST_F(LokiFakeTest, KeepsItsStreamsAcrossARestartAndFailsOnDemand) {
  StreamGrouper g;
  g.Add({{"app", "a"}}, EventTime{100, 0}, "one", 0);
  ASSERT_EQ(Post(loki_.port(), "application/json", EncodeJsonPush(g.Finish())).status, 204);
  loki_.Kill();
  ASSERT_TRUE(loki_.Start().ok());
  g.Add({{"app", "a"}}, EventTime{99, 0}, "older", 0);
  EXPECT_EQ(Post(loki_.port(), "application/json", EncodeJsonPush(g.Finish())).status, 400);
  ASSERT_TRUE(loki_.FailNext(429, 1, 3).ok());
  g.Add({{"app", "a"}}, EventTime{101, 0}, "two", 0);
  const std::string body = EncodeJsonPush(g.Finish());
  HttpReply r = Post(loki_.port(), "application/json", body);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.Header("retry-after"), "3");
  EXPECT_EQ(Post(loki_.port(), "application/json", body).status, 204);
  std::vector<LokiEntry> e = loki_.Entries();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].line, "one");
  EXPECT_EQ(e[1].line, "two");
}

}  // namespace
}  // namespace runnel::plugins::loki
