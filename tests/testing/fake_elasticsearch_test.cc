// The fake Elasticsearch held to the documented _bulk API over real HTTP on loopback: per-item
// results (created, 409 on create, updated on index, mapper errors, 429 on demand), whole-request
// errors, filter_path, gzip bodies, authentication, the size limit, _count and _search, and a
// restart that keeps what was acknowledged.
#include "tests/testing/fake_elasticsearch.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/testing/compress.h"
#include "tests/testing/http_client.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {
namespace {

HttpReply Send(uint16_t port, const std::string& method, const std::string& target,
               const std::string& body, const std::string& extra_headers = "") {
  HttpConnection c(port);
  EXPECT_TRUE(c.connected());
  EXPECT_TRUE(c.Send(method + " " + target +
                     " HTTP/1.1\r\nHost: es\r\nContent-Type: "
                     "application/x-ndjson\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n" + extra_headers +
                     "Connection: close\r\n\r\n" + body));
  return c.Read();
}

class FakeElasticsearchTest : public ::testing::Test {
 protected:
  void StartWith(FakeElasticsearchOptions options) {
    es_ = std::make_unique<FakeElasticsearch>(std::move(options));
    ASSERT_TRUE(es_->Start().ok());
  }
  HttpReply Bulk(const std::string& body, const std::string& query = "") {
    return Send(es_->port(), "POST", "/_bulk" + query, body);
  }
  std::unique_ptr<FakeElasticsearch> es_;
};

TEST_F(FakeElasticsearchTest, CreatesConflictsUpdatesAndMapsPerItem) {
  StartWith({});
  HttpReply r = Bulk(
      "{\"create\":{\"_index\":\"logs\",\"_id\":\"a\"}}\n{\"n\":1,\"msg\":\"x\"}\n"
      "{\"create\":{\"_index\":\"logs\",\"_id\":\"a\"}}\n{\"n\":2}\n"
      "{\"index\":{\"_index\":\"logs\",\"_id\":\"b\"}}\n{\"n\":3}\n"
      "{\"index\":{\"_index\":\"logs\",\"_id\":\"b\"}}\n{\"n\":4}\n"
      "{\"create\":{\"_index\":\"logs\",\"_id\":\"c\"}}\n{\"n\":\"abc\"}\n"
      "{\"create\":{\"_index\":\"Logs\",\"_id\":\"d\"}}\n{\"n\":5}\n");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body,
            "{\"took\":1,\"errors\":true,\"items\":["
            "{\"create\":{\"_index\":\"logs\",\"_id\":\"a\",\"_version\":1,\"result\":\"created\","
            "\"_shards\":{\"total\":2,\"successful\":1,\"failed\":0},\"_seq_no\":0,"
            "\"_primary_term\":1,\"status\":201}},"
            "{\"create\":{\"_index\":\"logs\",\"_id\":\"a\",\"status\":409,\"error\":{\"type\":"
            "\"version_conflict_engine_exception\",\"reason\":\"[a]: version conflict, document "
            "already exists (current version [1])\",\"index\":\"logs\"}}},"
            "{\"index\":{\"_index\":\"logs\",\"_id\":\"b\",\"_version\":1,\"result\":\"created\","
            "\"_shards\":{\"total\":2,\"successful\":1,\"failed\":0},\"_seq_no\":1,"
            "\"_primary_term\":1,\"status\":201}},"
            "{\"index\":{\"_index\":\"logs\",\"_id\":\"b\",\"_version\":2,\"result\":\"updated\","
            "\"_shards\":{\"total\":2,\"successful\":1,\"failed\":0},\"_seq_no\":2,"
            "\"_primary_term\":1,\"status\":200}},"
            "{\"create\":{\"_index\":\"logs\",\"_id\":\"c\",\"status\":400,\"error\":{\"type\":"
            "\"mapper_parsing_exception\",\"reason\":\"failed to parse field [n] of type [long] "
            "in document with id 'c'. Preview of field's value: 'abc'\",\"index\":\"logs\"}}},"
            "{\"create\":{\"_index\":\"Logs\",\"_id\":\"d\",\"status\":400,\"error\":{\"type\":"
            "\"invalid_index_name_exception\",\"reason\":\"Invalid index name [Logs], must be "
            "lowercase\",\"index\":\"Logs\"}}}]}");
  EXPECT_EQ(es_->Count("logs"), 2u);
  std::vector<fake_es::StoredDoc> docs = es_->Documents("logs");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].source, "{\"n\":1,\"msg\":\"x\"}");
  EXPECT_EQ(docs[1].source, "{\"n\":4}");
  EXPECT_EQ(docs[1].version, 2);
  fake_es::StoreStats s = es_->store_stats();
  EXPECT_EQ(s.items, 6u);
  EXPECT_EQ(s.created, 2u);
  EXPECT_EQ(s.updated, 1u);
  EXPECT_EQ(s.conflicts, 1u);
  EXPECT_EQ(s.mapping_errors, 1u);
  EXPECT_EQ(s.other_errors, 1u);
}

TEST_F(FakeElasticsearchTest, FilterPathRejectionsAndWholeRequestFailures) {
  StartWith({});
  es_->RejectNextItems(1);
  const std::string body =
      "{\"create\":{\"_index\":\"logs\",\"_id\":\"a\"}}\n{\"n\":1}\n"
      "{\"create\":{\"_index\":\"logs\",\"_id\":\"b\"}}\n{\"n\":2}\n";
  HttpReply r = Bulk(body, "?filter_path=errors,items.*.status,items.*.error.type");
  EXPECT_EQ(r.body,
            "{\"errors\":true,\"items\":[{\"create\":{\"status\":429,\"error\":{\"type\":"
            "\"es_rejected_execution_exception\"}}},{\"create\":{\"status\":201}}]}");
  es_->FailNextRequests(1, 503, 2);
  r = Bulk(body);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.Header("retry-after"), "2");
  r = Send(es_->port(), "POST", "/_fake/fail_requests?count=1&status=429", "");
  EXPECT_EQ(r.status, 200);
  r = Bulk(body);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.body,
            "{\"error\":{\"root_cause\":[{\"type\":\"es_rejected_execution_exception\",\"reason\":"
            "\"rejected execution of coordinating operation\"}],\"type\":"
            "\"es_rejected_execution_exception\",\"reason\":\"rejected execution of coordinating "
            "operation\"},\"status\":429}");
  r = Bulk("{\"create\":{\"_index\":\"logs\",\"_id\":\"c\"}}\n{\"n\":3}");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("The bulk request must be terminated by a newline [\\\\n]"),
            std::string::npos)
      << r.body;
  r = Bulk("{\"create\":{\"_index\":\"logs\",\"_type\":\"_doc\"}}\n{\"n\":3}\n");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("Action/metadata line [1] contains an unknown parameter [_type]"),
            std::string::npos)
      << r.body;
  r = Send(es_->port(), "GET", "/logs/_count", "");
  EXPECT_EQ(r.body,
            "{\"count\":1,\"_shards\":{\"total\":1,\"successful\":1,\"skipped\":0,"
            "\"failed\":0}}");
}

TEST_F(FakeElasticsearchTest, GzipPipelinesAuthAndSizeLimit) {
  FakeElasticsearchOptions options;
  options.api_key = "a2V5";
  options.max_content_length = 4096;
  options.store.pipelines = {"geo"};
  StartWith(options);
  const std::string body = "{\"create\":{\"_index\":\"logs\",\"_id\":\"a\"}}\n{\"n\":1}\n";
  HttpReply r = Send(es_->port(), "POST", "/_bulk", body);
  EXPECT_EQ(r.status, 401);
  r = Send(es_->port(), "POST", "/_bulk?pipeline=geo", Gzip(body),
           "Authorization: ApiKey a2V5\r\nContent-Encoding: gzip\r\n");
  EXPECT_EQ(r.status, 200) << r.body;
  r = Send(es_->port(), "POST", "/_bulk?pipeline=nope",
           "{\"create\":{\"_index\":\"logs\",\"_id\":\"b\"}}\n{\"n\":1}\n",
           "Authorization: ApiKey a2V5\r\n");
  EXPECT_NE(r.body.find("pipeline with id [nope] does not exist"), std::string::npos) << r.body;
  r = Send(es_->port(), "POST", "/_bulk", std::string(5000, ' '), "Authorization: ApiKey a2V5\r\n");
  EXPECT_EQ(r.status, 413);
  std::vector<fake_es::StoredDoc> docs = es_->Documents();
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].pipeline, "geo");
  EXPECT_EQ(es_->request_stats().gzip_requests, 1u);
}

TEST_F(FakeElasticsearchTest, ARestartKeepsEveryAcknowledgedDocument) {
  TempDir dir;
  FakeElasticsearchOptions options;
  options.store.data_file = dir.Path("docs.ndjson");
  StartWith(options);
  ASSERT_EQ(Bulk("{\"create\":{\"_index\":\"logs\",\"_id\":\"a\"}}\n{\"n\":1}\n"
                 "{\"index\":{\"_index\":\"logs\",\"_id\":\"a2\",\"routing\":\"u\"}}\n{\"n\":2}\n")
                .status,
            200);
  es_.reset();
  {
    // A torn last line, as a kill in the middle of a write leaves it.
    FILE* f = std::fopen(options.store.data_file.c_str(), "a");
    std::fputs("{\"_index\":\"logs\",\"_id\":\"zz", f);
    std::fclose(f);
  }
  StartWith(options);
  EXPECT_EQ(es_->Count(), 2u);
  HttpReply r = Bulk(
      "{\"create\":{\"_index\":\"logs\",\"_id\":\"a\"}}\n{\"n\":1}\n"
      "{\"create\":{\"_index\":\"logs\",\"_id\":\"b\"}}\n{\"n\":\"text\"}\n",
      "?filter_path=items.*.status");
  EXPECT_EQ(r.body, "{\"items\":[{\"create\":{\"status\":409}},{\"create\":{\"status\":400}}]}");
  r = Send(es_->port(), "GET", "/log*/_search", "");
  EXPECT_EQ(r.body,
            "{\"took\":1,\"timed_out\":false,\"_shards\":{\"total\":1,\"successful\":1,"
            "\"skipped\":0,\"failed\":0},\"hits\":{\"total\":{\"value\":2,\"relation\":\"eq\"},"
            "\"max_score\":1.0,\"hits\":[{\"_index\":\"logs\",\"_id\":\"a\",\"_score\":1.0,"
            "\"_source\":{\"n\":1}},{\"_index\":\"logs\",\"_id\":\"a2\",\"_score\":1.0,"
            "\"_routing\":\"u\",\"_source\":{\"n\":2}}]}}");
}

}  // namespace
}  // namespace runnel::testing
