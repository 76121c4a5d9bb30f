#include "tests/testing/fake_elasticsearch.h"

#include <zlib.h>

#include <cstdlib>
#include <map>

#include "runnel/net/http.h"

namespace runnel::testing {
namespace {

std::string Base64(std::string_view in) {
  static constexpr char kChars[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += {kChars[v >> 18], kChars[(v >> 12) & 63], kChars[(v >> 6) & 63], kChars[v & 63]};
  }
  if (i + 1 == in.size()) {
    const uint32_t v = uint8_t(in[i]) << 16;
    out += {kChars[v >> 18], kChars[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += {kChars[v >> 18], kChars[(v >> 12) & 63], kChars[(v >> 6) & 63], '='};
  }
  return out;
}

// Inflates a gzip body; false when it is corrupt or inflates beyond `max_bytes`.
bool Gunzip(std::string_view in, uint64_t max_bytes, std::string* out) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) {
    return false;
  }
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  out->clear();
  int rc = Z_OK;
  char buf[1 << 16];
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      break;
    }
    out->append(buf, sizeof(buf) - zs.avail_out);
    if (out->size() > max_bytes || (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0)) {
      break;
    }
  }
  inflateEnd(&zs);
  return rc == Z_STREAM_END && out->size() <= max_bytes;
}

std::string Escape(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(c) >= 0x20) out.push_back(c);
  }
  return out + "\"";
}

std::string ErrorJson(int status, std::string_view type, std::string_view reason) {
  const std::string cause = "{\"type\":" + Escape(type) + ",\"reason\":" + Escape(reason) + "}";
  return "{\"error\":{\"root_cause\":[" + cause + "],\"type\":" + Escape(type) +
         ",\"reason\":" + Escape(reason) + "},\"status\":" + std::to_string(status) + "}";
}

// The query parameters of a request target ("/_bulk?a=b&c=d"), percent-decoded.
std::map<std::string, std::string> Query(std::string_view target) {
  std::map<std::string, std::string> out;
  const size_t q = target.find('?');
  if (q == std::string_view::npos) {
    return out;
  }
  auto decode = [](std::string_view s) {
    std::string r;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '%' && i + 2 < s.size()) {
        r.push_back(
            static_cast<char>(std::strtol(std::string(s.substr(i + 1, 2)).c_str(), nullptr, 16)));
        i += 2;
      } else {
        r.push_back(s[i] == '+' ? ' ' : s[i]);
      }
    }
    return r;
  };
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    const size_t eq = pair.find('=');
    out[decode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : decode(pair.substr(eq + 1));
    rest = amp == std::string_view::npos ? "" : rest.substr(amp + 1);
  }
  return out;
}

std::string_view HeaderOf(const std::vector<std::pair<std::string, std::string>>& headers,
                          std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (net::EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

}  // namespace

struct FakeElasticsearch::Answer {
  int status = 200;
  std::string body;
  net::HttpHeaders headers{};
  bool close = false;
  bool drop = false;  // close the connection without answering
};

struct FakeElasticsearch::Session {
  FakeElasticsearch* server;
  std::weak_ptr<net::Connection> conn;
  std::string buffer;
  bool continued = false;

  void OnData(std::string_view data) {
    buffer.append(data);
    auto connection = conn.lock();
    if (!connection) {
      return;
    }
    net::HttpLimits limits;
    limits.max_header_bytes = 64 << 10;
    limits.max_request_line_bytes = 16 << 10;
    limits.max_body_bytes = server->options_.max_content_length;
    limits.allow_chunked = true;
    while (!buffer.empty()) {
      net::HttpParse parse = net::ParseHttpRequest(buffer, limits);
      if (parse.state == net::HttpParse::State::kIncomplete) {
        if (parse.expects_continue && !continued) {
          continued = true;
          (void)connection->Write(std::string("HTTP/1.1 100 Continue\r\n\r\n"));
        }
        return;
      }
      Answer answer;
      bool keep_alive = false;
      if (parse.state == net::HttpParse::State::kError) {
        answer.status = parse.status;
        if (parse.status == 413) {
          std::lock_guard lock(server->mu_);
          ++server->stats_.too_large;
          answer.body = ErrorJson(413, "content_too_long_exception",
                                  "entity content is too long [" + parse.error + "]");
        } else {
          answer.body = ErrorJson(parse.status, "illegal_argument_exception", parse.error);
        }
      } else {
        // The target with its query: the request line as sent.
        const size_t line_start = buffer.find_first_not_of("\r\n");
        const size_t sp1 = buffer.find(' ', line_start);
        const size_t sp2 = buffer.find(' ', sp1 + 1);
        std::string target = buffer.substr(sp1 + 1, sp2 - sp1 - 1);
        answer = server->Handle(parse.request.method, target, parse.request.headers,
                                std::move(parse.request.body));
        keep_alive = parse.request.keep_alive && !answer.close;
        buffer.erase(0, parse.consumed);
        continued = false;
        if (answer.drop) {
          connection->Close(OkStatus());
          buffer.clear();
          return;
        }
      }
      net::HttpResponse response;
      response.status = answer.status;
      response.content_type = "application/json";
      response.body = std::move(answer.body);
      response.headers = std::move(answer.headers);
      response.headers.emplace_back("X-elastic-product", "Elasticsearch");
      (void)connection->Write(
          net::SerializeResponse(response, false, keep_alive, net::HttpDate(std::time(nullptr))));
      if (!keep_alive) {
        connection->CloseAfterWrites(OkStatus());
        buffer.clear();
        return;
      }
    }
  }
};

FakeElasticsearch::FakeElasticsearch(FakeElasticsearchOptions options)
    : options_(std::move(options)), store_(options_.store) {
  if (!options_.user.empty()) {
    basic_ = "Basic " + Base64(options_.user + ":" + options_.password);
  }
}

FakeElasticsearch::~FakeElasticsearch() { Stop(); }

Status FakeElasticsearch::Start() {
  RUNNEL_RETURN_IF_ERROR(store_.Open());
  net::TcpServerOptions opts;
  opts.host = options_.host;
  opts.port = options_.port;
  opts.io_threads = 2;
  opts.tls = options_.tls;
  opts.connection.component = "fake-elasticsearch";
  opts.connection.idle_timeout = std::chrono::minutes(5);
  auto server = net::TcpServer::Start(opts, [this](const std::shared_ptr<net::Connection>& conn) {
    auto session = std::make_shared<Session>(Session{this, conn, {}, false});
    return net::ConnectionCallbacks{
        .on_data = [session](std::string_view d) { session->OnData(d); }, .on_close = {}};
  });
  if (!server.has_value()) {
    return server.error();
  }
  server_ = std::move(*server);
  port_ = server_->port();
  return OkStatus();
}

void FakeElasticsearch::Stop() {
  if (server_) {
    server_->Stop();
    server_.reset();
  }
}

std::string FakeElasticsearch::url() const {
  return (options_.tls ? "https://" : "http://") + options_.host + ":" + std::to_string(port_);
}

bool FakeElasticsearch::Authorized(
    const std::vector<std::pair<std::string, std::string>>& headers) const {
  if (options_.user.empty() && options_.api_key.empty() && options_.bearer_token.empty()) {
    return true;
  }
  const std::string_view auth = HeaderOf(headers, "Authorization");
  return (!basic_.empty() && auth == basic_) ||
         (!options_.api_key.empty() && auth == "ApiKey " + options_.api_key) ||
         (!options_.bearer_token.empty() && auth == "Bearer " + options_.bearer_token);
}

FakeElasticsearch::Answer FakeElasticsearch::Handle(
    const std::string& method, const std::string& target,
    const std::vector<std::pair<std::string, std::string>>& headers, std::string body) {
  const std::string path = target.substr(0, target.find('?'));
  if (path == "/_fake/stats") {
    return {200, StatsJson()};
  }
  std::lock_guard lock(mu_);
  ++stats_.requests;
  std::map<std::string, std::string> query = Query(target);
  const bool write = method == "POST" || method == "PUT";
  if (path.starts_with("/_fake/")) {
    auto number = [&](const char* key) { return std::strtoull(query[key].c_str(), nullptr, 10); };
    if (path == "/_fake/fail_requests" && write) {
      fail_requests_ += number("count");
      fail_status_ = static_cast<int>(number("status"));
      fail_retry_after_ = static_cast<int>(number("retry_after"));
      return {200, "{\"acknowledged\":true}"};
    }
    if (path == "/_fake/drop_responses" && write) {
      drop_responses_ += number("count");
      return {200, "{\"acknowledged\":true}"};
    }
    if (path == "/_fake/reject_items" && write) {
      store_.RejectNextItems(number("count"));
      return {200, "{\"acknowledged\":true}"};
    }
  }
  if (!Authorized(headers)) {
    ++stats_.unauthorized;
    Answer a{401, ErrorJson(401, "security_exception",
                            "missing authentication credentials for REST request [" + path + "]")};
    a.headers.emplace_back("WWW-Authenticate", "Basic realm=\"security\" charset=\"UTF-8\"");
    a.headers.emplace_back("WWW-Authenticate", "ApiKey");
    return a;
  }
  if (path == "/" && (method == "GET" || method == "HEAD")) {
    return {200,
            "{\"name\":\"fake\",\"cluster_name\":\"runnel-fake\",\"version\":{\"number\":"
            "\"8.11.0\",\"build_flavor\":\"default\",\"lucene_version\":\"9.8.0\"},"
            "\"tagline\":\"You Know, for Search\"}"};
  }
  // /{index}/{endpoint} or /{endpoint}
  std::string index;
  std::string endpoint = path.substr(1);
  if (const size_t slash = endpoint.find('/'); slash != std::string::npos) {
    index = endpoint.substr(0, slash);
    endpoint = endpoint.substr(slash + 1);
  }
  if (endpoint == "_bulk" && write) {
    ++stats_.bulk_requests;
    stats_.last_content_type = std::string(HeaderOf(headers, "Content-Type"));
    stats_.last_target = target;
    if (fail_requests_ > 0) {
      --fail_requests_;
      ++stats_.failed_requests;
      Answer a;
      a.status = fail_status_;
      a.body = fail_status_ == 429 ? ErrorJson(429, "es_rejected_execution_exception",
                                               "rejected execution of coordinating operation")
               : fail_status_ == 503
                   ? ErrorJson(503, "cluster_block_exception",
                               "blocked by: [SERVICE_UNAVAILABLE/1/state not recovered "
                               "/initialized];")
                   : ErrorJson(fail_status_, "exception", "told to fail");
      if (fail_retry_after_ > 0) {
        a.headers.emplace_back("Retry-After", std::to_string(fail_retry_after_));
      }
      return a;
    }
    const std::string_view encoding = HeaderOf(headers, "Content-Encoding");
    if (net::EqualsIgnoreCase(encoding, "gzip")) {
      ++stats_.gzip_requests;
      std::string plain;
      if (!Gunzip(body, options_.max_content_length, &plain)) {
        return {400, ErrorJson(400, "illegal_argument_exception", "corrupt gzip body")};
      }
      body = std::move(plain);
    } else if (!encoding.empty()) {
      return {400, ErrorJson(400, "illegal_argument_exception",
                             "unsupported Content-Encoding [" + std::string(encoding) + "]")};
    }
    fake_es::BulkReply reply = store_.Bulk(body, index, query["pipeline"]);
    if (reply.status == 200 && query.contains("filter_path")) {
      reply.body = fake_es::FilterPath(reply.body, query["filter_path"]);
    }
    Answer a{reply.status, std::move(reply.body)};
    if (reply.status == 200 && drop_responses_ > 0) {
      --drop_responses_;
      ++stats_.dropped_responses;
      a.drop = true;
    }
    return a;
  }
  const std::string shards =
      "\"_shards\":{\"total\":1,\"successful\":1,\"skipped\":0,\"failed\":0}";
  if (endpoint == "_count" && (method == "GET" || write)) {
    return {200, "{\"count\":" + std::to_string(store_.Count(index)) + "," + shards + "}"};
  }
  if (endpoint == "_refresh" && write) {
    return {200, "{" + shards + "}"};
  }
  if (endpoint == "_search" && (method == "GET" || write)) {
    std::vector<fake_es::StoredDoc> docs = store_.Documents(index);
    std::string hits;
    for (const fake_es::StoredDoc& d : docs) {
      if (!hits.empty()) hits.push_back(',');
      hits += "{\"_index\":" + Escape(d.index) + ",\"_id\":" + Escape(d.id) + ",\"_score\":1.0" +
              (d.routing.empty() ? "" : ",\"_routing\":" + Escape(d.routing)) +
              ",\"_source\":" + d.source + "}";
    }
    return {200, "{\"took\":1,\"timed_out\":false," + shards +
                     ",\"hits\":{\"total\":{\"value\":" + std::to_string(docs.size()) +
                     ",\"relation\":\"eq\"},\"max_score\":1.0,\"hits\":[" + hits + "]}}"};
  }
  return {404, ErrorJson(404, "illegal_argument_exception",
                         "no handler found for uri [" + path + "] and method [" + method + "]")};
}

void FakeElasticsearch::FailNextRequests(uint64_t n, int status, int retry_after_seconds) {
  std::lock_guard lock(mu_);
  fail_requests_ += n;
  fail_status_ = status;
  fail_retry_after_ = retry_after_seconds;
}

void FakeElasticsearch::DropNextResponses(uint64_t n) {
  std::lock_guard lock(mu_);
  drop_responses_ += n;
}

void FakeElasticsearch::RejectNextItems(uint64_t n) {
  std::lock_guard lock(mu_);
  store_.RejectNextItems(n);
}

uint64_t FakeElasticsearch::Count(const std::string& index_pattern) {
  std::lock_guard lock(mu_);
  return store_.Count(index_pattern);
}

std::vector<fake_es::StoredDoc> FakeElasticsearch::Documents(const std::string& index_pattern) {
  std::lock_guard lock(mu_);
  return store_.Documents(index_pattern);
}

fake_es::StoreStats FakeElasticsearch::store_stats() {
  std::lock_guard lock(mu_);
  return store_.stats();
}

FakeRequestStats FakeElasticsearch::request_stats() {
  std::lock_guard lock(mu_);
  return stats_;
}

std::string FakeElasticsearch::StatsJson() {
  std::lock_guard lock(mu_);
  const fake_es::StoreStats& s = store_.stats();
  auto n = [](const char* key, uint64_t v) {
    return "\"" + std::string(key) + "\":" + std::to_string(v);
  };
  return "{" + n("documents", store_.Count("")) + "," + n("requests", stats_.requests) + "," +
         n("bulk_requests", stats_.bulk_requests) + "," + n("gzip_requests", stats_.gzip_requests) +
         "," + n("failed_requests", stats_.failed_requests) + "," +
         n("unauthorized", stats_.unauthorized) + "," + n("too_large", stats_.too_large) + "," +
         n("dropped_responses", stats_.dropped_responses) + "," + n("items", s.items) + "," +
         n("created", s.created) + "," + n("updated", s.updated) + "," +
         n("conflicts", s.conflicts) + "," + n("mapping_errors", s.mapping_errors) + "," +
         n("rejected_items", s.rejected_items) + "," + n("other_errors", s.other_errors) + "}";
}

}  // namespace runnel::testing
