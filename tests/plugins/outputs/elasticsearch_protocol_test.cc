// The elasticsearch output's protocol without a server: the exact _bulk bytes Encode builds
// (index patterns and fields, ids, routing, time), and how Classify reads every kind of answer.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "plugins/outputs/elasticsearch/es_protocol.h"
#include "plugins/outputs/elasticsearch/index_pattern.h"

namespace runnel::plugins::elasticsearch {
namespace {

using http_client::Event;
using http_client::HttpProtocol;
using http_client::Outcome;
using http_client::Response;

constexpr uint32_t kTime = 1764810123;  // 2025-12-04T01:02:03Z

// A record written field by field: strings, or integers when `is_int`.
struct Field {
  std::string key;
  std::string text;
  int64_t number = 0;
  bool is_int = false;
};

Field S(std::string key, std::string value) { return {std::move(key), std::move(value), 0, false}; }
Field I(std::string key, int64_t value) { return {std::move(key), "", value, true}; }

class Events {
 public:
  Events() {
    batch_.id = BatchId{0x0123456789abcdefull, 0xfedcba9876543210ull};
    batch_.tag = "app";
  }
  // Adds one entry; positions count from 0.
  void Add(EventTime time, const std::vector<Field>& fields) {
    BatchBuilder b(&batch_);
    b.BeginEntry(time, static_cast<uint32_t>(fields.size()));
    for (const Field& f : fields) {
      b.writer().Str(f.key);
      if (f.is_int) {
        b.writer().Int(f.number);
      } else {
        b.writer().Str(f.text);
      }
    }
  }
  // Adds an entry whose record is the raw msgpack `record`.
  void AddRaw(EventTime time, std::string_view record) {
    BatchBuilder b(&batch_);
    b.writer().ArrayHeader(2);
    b.writer().Time(time);
    b.writer().Raw(record);
    ++batch_.count;
  }
  std::vector<Event> events() const {
    std::vector<Event> out;
    BatchReader reader(batch_.data);
    uint32_t position = 0;
    while (!reader.AtEnd()) {
      Event e;
      EXPECT_TRUE(reader.Next(&e.time, &e.record).ok());
      e.batch = &batch_;
      e.position = position++;
      out.push_back(e);
    }
    return out;
  }

 private:
  Batch batch_;
};

constexpr std::string_view kId = "0123456789abcdeffedcba9876543210";

EsProtocol Make(EsConfig config, std::string url = "http://es.test:9200") {
  Result<IndexPattern> index = IndexPattern::Compile(config.index);
  EXPECT_TRUE(index.has_value()) << index.error().ToString();
  return EsProtocol(std::move(config), std::move(*index), std::move(url));
}

HttpProtocol::Encoded Encode(EsProtocol& protocol, const Events& events) {
  HttpProtocol::Encoded out;
  std::vector<Event> list = events.events();
  EXPECT_TRUE(protocol.Encode(list, &out).ok());
  return out;
}

TEST(EsEncodeTest, BuildsAnActionAndADocumentLinePerEvent) {
  EsProtocol protocol = Make(EsConfig{});
  Events events;
  events.Add(EventTime{kTime, 456'789'123}, {S("message", "hello \"world\""), I("n", 7)});
  events.Add(EventTime{kTime + 1, 0}, {S("message", "second")});
  HttpProtocol::Encoded out = Encode(protocol, events);
  EXPECT_TRUE(out.rejected.empty());
  EXPECT_EQ(out.request.method, "POST");
  EXPECT_EQ(out.request.url,
            "http://es.test:9200/_bulk?filter_path=errors,items.*.status,items.*.error.type,"
            "items.*.error.reason");
  EXPECT_EQ(out.request.content_type, "application/x-ndjson");
  EXPECT_TRUE(out.request.compress);
  EXPECT_EQ(out.request.body,
            "{\"create\":{\"_index\":\"runnel\",\"_id\":\"" + std::string(kId) +
                "-0\"}}\n"
                "{\"@timestamp\":\"2025-12-04T01:02:03.456Z\",\"message\":\"hello \\\"world\\\"\","
                "\"n\":7}\n"
                "{\"create\":{\"_index\":\"runnel\",\"_id\":\"" +
                std::string(kId) +
                "-1\"}}\n"
                "{\"@timestamp\":\"2025-12-04T01:02:04.000Z\",\"message\":\"second\"}\n");
}

TEST(EsEncodeTest, IndexOpNanosecondsRoutingTypeAndServerIds) {
  EsConfig config;
  config.op_type = OpType::kIndex;
  config.document_id = DocumentId::kAuto;
  config.time_precision = TimePrecision::kNanos;
  config.routing_field = "user";
  config.type = "_doc";
  config.pipeline = "geo ip/v2";
  EsProtocol protocol = Make(config, "https://es.test/prefix//");
  Events events;
  events.Add(EventTime{kTime, 5}, {S("user", "ann"), S("m", "a")});
  events.Add(EventTime{kTime, 6}, {I("user", -42)});
  events.Add(EventTime{kTime, 7}, {});
  HttpProtocol::Encoded out = Encode(protocol, events);
  EXPECT_EQ(out.request.url,
            "https://es.test/prefix/_bulk?filter_path=errors,items.*.status,items.*.error.type,"
            "items.*.error.reason&pipeline=geo%20ip%2Fv2");
  EXPECT_EQ(out.request.body,
            "{\"index\":{\"_index\":\"runnel\",\"_type\":\"_doc\",\"routing\":\"ann\"}}\n"
            "{\"@timestamp\":\"2025-12-04T01:02:03.000000005Z\",\"user\":\"ann\",\"m\":\"a\"}\n"
            "{\"index\":{\"_index\":\"runnel\",\"_type\":\"_doc\",\"routing\":\"-42\"}}\n"
            "{\"@timestamp\":\"2025-12-04T01:02:03.000000006Z\",\"user\":-42}\n"
            "{\"index\":{\"_index\":\"runnel\",\"_type\":\"_doc\"}}\n"
            "{\"@timestamp\":\"2025-12-04T01:02:03.000000007Z\"}\n");
}

TEST(EsEncodeTest, ARecordKeepsItsOwnTimeFieldAndAnEmptyTimeKeyLeavesTheTimeOut) {
  EsProtocol with_time = Make(EsConfig{});
  Events events;
  events.Add(EventTime{kTime, 0}, {S("m", "x"), S("@timestamp", "yesterday")});
  EXPECT_EQ(Encode(with_time, events).request.body,
            "{\"create\":{\"_index\":\"runnel\",\"_id\":\"" + std::string(kId) +
                "-0\"}}\n"
                "{\"m\":\"x\",\"@timestamp\":\"yesterday\"}\n");
  EsConfig config;
  config.time_key = "";
  config.document_id = DocumentId::kAuto;
  EsProtocol without = Make(config);
  Events plain;
  plain.Add(EventTime{kTime, 0}, {S("m", "x")});
  EXPECT_EQ(Encode(without, plain).request.body,
            "{\"create\":{\"_index\":\"runnel\"}}\n{\"m\":\"x\"}\n");
}

TEST(EsEncodeTest, DatedIndexFollowsEachEventsUtcTime) {
  EsConfig config;
  config.index = "logs-%Y.%m.%d-%H-%j-%y-%%";
  config.document_id = DocumentId::kAuto;
  config.time_key = "";
  EsProtocol protocol = Make(config);
  Events events;
  events.Add(EventTime{1767225599, 0}, {I("n", 1)});  // 2025-12-31T23:59:59Z
  events.Add(EventTime{1767225600, 0}, {I("n", 2)});  // 2026-01-01T00:00:00Z
  events.Add(EventTime{1767225601, 0}, {I("n", 3)});
  EXPECT_EQ(Encode(protocol, events).request.body,
            "{\"create\":{\"_index\":\"logs-2025.12.31-23-365-25-%\"}}\n{\"n\":1}\n"
            "{\"create\":{\"_index\":\"logs-2026.01.01-00-001-26-%\"}}\n{\"n\":2}\n"
            "{\"create\":{\"_index\":\"logs-2026.01.01-00-001-26-%\"}}\n{\"n\":3}\n");
}

TEST(EsEncodeTest, IndexFieldWinsFallsBackToThePatternAndRejectsBadNames) {
  EsConfig config;
  config.index = "fallback";
  config.index_field = "target";
  config.time_key = "";
  EsProtocol protocol = Make(config);
  Events events;
  events.Add(EventTime{kTime, 0}, {S("target", "orders"), I("n", 0)});
  events.Add(EventTime{kTime, 0}, {I("n", 1)});                         // absent
  events.Add(EventTime{kTime, 0}, {I("target", 5), I("n", 2)});         // not a string
  events.Add(EventTime{kTime, 0}, {S("target", ""), I("n", 3)});        // empty
  events.Add(EventTime{kTime, 0}, {S("target", "Orders"), I("n", 4)});  // refused
  events.Add(EventTime{kTime, 0}, {S("target", "a,b"), I("n", 5)});     // refused
  HttpProtocol::Encoded out = Encode(protocol, events);
  const std::string id(kId);
  EXPECT_EQ(out.request.body, "{\"create\":{\"_index\":\"orders\",\"_id\":\"" + id +
                                  "-0\"}}\n"
                                  "{\"target\":\"orders\",\"n\":0}\n"
                                  "{\"create\":{\"_index\":\"fallback\",\"_id\":\"" +
                                  id +
                                  "-1\"}}\n{\"n\":1}\n"
                                  "{\"create\":{\"_index\":\"fallback\",\"_id\":\"" +
                                  id +
                                  "-2\"}}\n"
                                  "{\"target\":5,\"n\":2}\n"
                                  "{\"create\":{\"_index\":\"fallback\",\"_id\":\"" +
                                  id +
                                  "-3\"}}\n"
                                  "{\"target\":\"\",\"n\":3}\n");
  ASSERT_EQ(out.rejected.size(), 2u);
  EXPECT_EQ(out.rejected[0].first, 4u);
  EXPECT_EQ(out.rejected[0].second,
            "index \"Orders\" from field target is not a valid index name: it must be lowercase");
  EXPECT_EQ(out.rejected[1].first, 5u);
  EXPECT_EQ(out.rejected[1].second,
            "index \"a,b\" from field target is not a valid index name: it must not contain "
            "\\ / * ? \" < > | space , # or :");
}

TEST(EsEncodeTest, ARecordWithANonStringKeyIsRejectedAlone) {
  EsConfig config;
  config.time_key = "";
  config.document_id = DocumentId::kAuto;
  EsProtocol protocol = Make(config);
  Events events;
  events.Add(EventTime{kTime, 0}, {I("n", 1)});
  events.AddRaw(EventTime{kTime, 0}, "\x81\x01\x02");  // {1: 2}
  events.Add(EventTime{kTime, 0}, {I("n", 3)});
  HttpProtocol::Encoded out = Encode(protocol, events);
  EXPECT_EQ(out.request.body,
            "{\"create\":{\"_index\":\"runnel\"}}\n{\"n\":1}\n"
            "{\"create\":{\"_index\":\"runnel\"}}\n{\"n\":3}\n");
  ASSERT_EQ(out.rejected.size(), 1u);
  EXPECT_EQ(out.rejected[0].first, 1u);
  EXPECT_EQ(out.rejected[0].second, "the record has a key that is not a string");
}

TEST(IndexPatternTest, CompileErrorsSayWhatIsWrong) {
  auto bad = [](std::string_view p) {
    Result<IndexPattern> r = IndexPattern::Compile(p);
    return r.has_value() ? std::string("compiled") : r.error().message();
  };
  EXPECT_EQ(bad("logs-%Q"), "%Q is not one of %Y %y %m %d %H %j %%");
  EXPECT_EQ(bad("logs-%"), "ends with a lone '%'; write %% for a '%'");
  EXPECT_EQ(bad("Logs-%Y"), "\"Logs-%Y\" cannot make a valid index name: it must be lowercase");
  EXPECT_EQ(bad("_logs"),
            "\"_logs\" cannot make a valid index name: it must not start with "
            "'-', '_' or '+'");
  EXPECT_EQ(bad("a b"),
            "\"a b\" cannot make a valid index name: it must not contain \\ / * ? "
            "\" < > | space , # or :");
  EXPECT_EQ(bad(""), "\"\" cannot make a valid index name: it must not be empty");
  EXPECT_EQ(bad("%Y"), "compiled");
  Result<IndexPattern> fixed = IndexPattern::Compile("logs");
  ASSERT_TRUE(fixed.has_value());
  EXPECT_TRUE(fixed->fixed());
  EXPECT_EQ(fixed->Format(EventTime{kTime, 0}), "logs");
}

// ---- Classify ----

Response Ok(std::string body) { return Response{200, "", std::move(body), {}}; }

std::vector<Event> Some(const Events& events) { return events.events(); }

Events ThreeEvents() {
  Events e;
  for (int i = 0; i < 3; ++i) {
    e.Add(EventTime{kTime, 0}, {I("n", i)});
  }
  return e;
}

TEST(EsClassifyTest, NoErrorsDeliversEverything) {
  EsProtocol protocol = Make(EsConfig{});
  Events events = ThreeEvents();
  Outcome o = protocol.Classify(
      Some(events),
      Ok(R"({"errors":false,"items":[{"create":{"status":201}},{"create":{"status":201}},)"
         R"({"create":{"status":201}}]})"));
  EXPECT_EQ(o.kind, Outcome::Kind::kDelivered);
  // The full form (no filter_path) reads the same.
  o = protocol.Classify(
      Some(events),
      Ok(R"({"took":3,"errors":false,"items":[{"create":{"_index":"runnel","_id":"a-0",)"
         R"("_version":1,"result":"created","_shards":{"total":2,"successful":1,"failed":0},)"
         R"("_seq_no":0,"_primary_term":1,"status":201}}]})"));
  EXPECT_EQ(o.kind, Outcome::Kind::kDelivered);
}

TEST(EsClassifyTest, ItemsAreDeliveredRetriedOrRejectedOneByOne) {
  EsProtocol protocol = Make(EsConfig{});
  Events events;
  for (int i = 0; i < 6; ++i) {
    events.Add(EventTime{kTime, 0}, {I("n", i)});
  }
  Outcome o = protocol.Classify(
      Some(events),
      Ok(R"({"errors":true,"items":[)"
         R"({"create":{"status":201}},)"
         R"({"create":{"status":409,"error":{"type":"version_conflict_engine_exception",)"
         R"j("reason":"[x-1]: version conflict, document already exists (current version [1])"}}},)j"
         R"({"create":{"status":429,"error":{"type":"es_rejected_execution_exception",)"
         R"("reason":"rejected execution of coordinating operation"}}},)"
         R"({"create":{"status":503,"error":{"type":"unavailable_shards_exception",)"
         R"("reason":"primary shard is not active"}}},)"
         R"({"create":{"status":400,"error":{"type":"mapper_parsing_exception",)"
         R"("reason":"failed to parse field [n] of type [long] in document with id 'x-4'. )"
         R"(Preview of field's value: 'abc'"}}},)"
         R"({"create":{"status":404,"error":{"type":"index_not_found_exception",)"
         R"("reason":"no such index [runnel]"}}}]})"));
  ASSERT_EQ(o.kind, Outcome::Kind::kPerEvent);
  ASSERT_EQ(o.events.size(), 6u);
  EXPECT_EQ(o.events[0].kind, Outcome::Kind::kDelivered);
  EXPECT_EQ(o.events[1].kind, Outcome::Kind::kDelivered);  // 409 on create: already indexed
  EXPECT_EQ(o.events[2].kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.events[2].reason,
            "es_rejected_execution_exception: rejected execution of coordinating operation");
  EXPECT_EQ(o.events[3].kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.events[3].reason, "unavailable_shards_exception: primary shard is not active");
  EXPECT_EQ(o.events[4].kind, Outcome::Kind::kRejected);
  EXPECT_EQ(o.events[4].reason,
            "mapper_parsing_exception: failed to parse field [n] of type [long] in document "
            "with id 'x-4'. Preview of field's value: 'abc'");
  EXPECT_EQ(o.events[5].kind, Outcome::Kind::kRejected);
  EXPECT_EQ(o.events[5].reason, "index_not_found_exception: no such index [runnel]");
}

TEST(EsClassifyTest, ConflictsOnlyCountAsDeliveredForCreate) {
  Events events = ThreeEvents();
  const std::string body =
      R"({"errors":true,"items":[{"create":{"status":409,"error":{"type":"version_conflict_engine_exception","reason":"exists"}}},)"
      R"({"create":{"status":409}},{"create":{"status":200}}]})";
  EsProtocol create = Make(EsConfig{});
  EXPECT_EQ(create.Classify(Some(events), Ok(body)).kind, Outcome::Kind::kDelivered);
  EsConfig config;
  config.op_type = OpType::kIndex;
  EsProtocol index = Make(config);
  Outcome o = index.Classify(Some(events), Ok(body));
  ASSERT_EQ(o.kind, Outcome::Kind::kPerEvent);
  EXPECT_EQ(o.events[0].kind, Outcome::Kind::kRejected);
  EXPECT_EQ(o.events[0].reason, "version_conflict_engine_exception: exists");
  EXPECT_EQ(o.events[1].kind, Outcome::Kind::kRejected);
  EXPECT_EQ(o.events[1].reason, "status 409");
  EXPECT_EQ(o.events[2].kind, Outcome::Kind::kDelivered);
}

TEST(EsClassifyTest, MissingItemsAreRetried) {
  EsProtocol protocol = Make(EsConfig{});
  Events events = ThreeEvents();
  Outcome o = protocol.Classify(
      Some(events),
      Ok(R"({"errors":true,"items":[{"create":{"status":400,"error":{"type":"t","reason":"r"}}}]})"));
  ASSERT_EQ(o.kind, Outcome::Kind::kPerEvent);
  EXPECT_EQ(o.events[0].kind, Outcome::Kind::kRejected);
  EXPECT_EQ(o.events[1].kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.events[1].reason, "the _bulk response has 1 results for 3 documents");
  EXPECT_EQ(o.events[2].kind, Outcome::Kind::kRetry);
}

TEST(EsClassifyTest, ABodyCutShortIsReadUpToItsLastWholeItem) {
  EsProtocol protocol = Make(EsConfig{});
  Events events = ThreeEvents();
  // Cut inside the second item, inside a string holding brackets.
  Outcome o = protocol.Classify(
      Some(events),
      Ok(R"({"errors":true,"items":[{"create":{"status":400,"error":{"type":"t",)"
         R"("reason":"a } ] \" {"}}},{"create":{"status":201,"error":{"reason":"[x)"));
  ASSERT_EQ(o.kind, Outcome::Kind::kPerEvent);
  EXPECT_EQ(o.events[0].kind, Outcome::Kind::kRejected);
  EXPECT_EQ(o.events[0].reason, "t: a } ] \" {");
  EXPECT_EQ(o.events[1].kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.events[1].reason, "the _bulk response was cut short before this document's result");
  EXPECT_EQ(o.events[2].kind, Outcome::Kind::kRetry);
}

TEST(EsClassifyTest, AnUnreadableSuccessIsRetried) {
  EsProtocol protocol = Make(EsConfig{});
  Events events = ThreeEvents();
  Outcome o = protocol.Classify(Some(events), Ok("<html>proxy</html>"));
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.reason, "HTTP 200: _bulk response: not JSON (18 bytes)");
  o = protocol.Classify(Some(events), Ok(R"({"took":1})"));
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.reason, "HTTP 200: _bulk response: no boolean \"errors\"");
}

TEST(EsClassifyTest, WholeRequestStatuses) {
  EsProtocol protocol = Make(EsConfig{});
  Events events = ThreeEvents();
  auto classify = [&](long status, std::string body, std::chrono::milliseconds after = {}) {
    return protocol.Classify(Some(events), Response{status, "", std::move(body), after});
  };
  const std::string rejected =
      R"({"error":{"root_cause":[{"type":"es_rejected_execution_exception","reason":"queue full"}],)"
      R"("type":"es_rejected_execution_exception","reason":"queue full"},"status":429})";
  Outcome o = classify(429, rejected, std::chrono::milliseconds(1500));
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.reason, "HTTP 429: es_rejected_execution_exception: queue full");
  EXPECT_EQ(o.retry_after, std::chrono::milliseconds(1500));

  o = classify(503,
               R"({"error":{"type":"cluster_block_exception","reason":"blocked"},"status":503})");
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.reason, "HTTP 503: cluster_block_exception: blocked");

  o = classify(502, "");
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.reason, "HTTP 502");

  o = classify(413, "");
  EXPECT_EQ(o.kind, Outcome::Kind::kRejected);
  EXPECT_EQ(o.reason,
            "HTTP 413: the request is larger than the server takes (http.max_content_length); "
            "lower batch_max_bytes");

  o = classify(
      401,
      R"({"error":{"type":"security_exception","reason":"unable to authenticate user [ann]"},"status":401})");
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.reason,
            "HTTP 401: the server refused the credentials (security_exception: unable to "
            "authenticate user [ann]); check auth.user and auth.password, auth.bearer_token or "
            "auth.api_key. The events are kept and sent again.");

  o = classify(403, R"({"error":"forbidden"})");
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.reason,
            "HTTP 403: the credentials may not write to this index (forbidden); grant the "
            "create_doc (or index) privilege on it. The events are kept and sent again.");

  o = classify(404, "Not Found\n");
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.reason, "HTTP 404: no _bulk API at " + protocol.bulk_url() +
                          " (Not Found); check url. The events are kept and sent again.");

  o = classify(
      400,
      R"({"error":{"type":"illegal_argument_exception","reason":"The bulk request must be terminated by a newline [\\n]"},"status":400})");
  EXPECT_EQ(o.kind, Outcome::Kind::kRejected);
  EXPECT_EQ(o.reason,
            "HTTP 400: illegal_argument_exception: The bulk request must be terminated "
            "by a newline [\\n]");

  o = protocol.Classify(Some(events), Response{0, "Connection refused", "", {}});
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.reason, "no response: Connection refused");
}

}  // namespace
}  // namespace runnel::plugins::elasticsearch
