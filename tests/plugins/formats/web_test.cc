// Golden tests of the web server scanners. Lines follow the servers' documentation:
// Apache access and error logs: https://httpd.apache.org/docs/2.4/logs.html (and 2.2's
// https://httpd.apache.org/docs/2.2/logs.html); nginx's combined format:
// https://nginx.org/en/docs/http/ngx_http_log_module.html#log_format; nginx's error log lines as
// ngx_log_error writes them (https://nginx.org/en/docs/ngx_core_module.html#error_log).
#include "plugins/formats/web.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "tests/plugins/formats/format_test_util.h"

namespace runnel::formats {
namespace {

ScanOptions Offset(int32_t seconds) {
  ScanOptions options;
  options.utc_offset_seconds = seconds;
  return options;
}

TEST(ApacheCombined, DocumentedLine) {
  const Scanned s = Scan("apache_combined",
                         R"(127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif )"
                         R"(HTTP/1.0" 200 2326 "http://www.example.com/start.html" )"
                         R"x("Mozilla/4.08 [en] (Win98; I ;Nav)")x");
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.fields, R"(client="127.0.0.1" user="frank" method="GET" path="/apache_pb.gif" )"
                      R"(protocol="HTTP/1.0" status=200 bytes=2326 )"
                      R"(referer="http://www.example.com/start.html" )"
                      R"x(user_agent="Mozilla/4.08 [en] (Win98; I ;Nav)")x");
  EXPECT_EQ(s.time, (EventTime{971211336, 0}));
}

TEST(ApacheCombined, CommonDashesEscapesAndOddRequests) {
  EXPECT_EQ(Scan("apache_combined",
                 R"(::1 identd - [10/Oct/2000:13:55:36 +0000] "GET /a?q=\"x\" HTTP/1.1" 304 -)")
                .fields,
            R"(client="::1" ident="identd" method="GET" path="/a?q=\\\"x\\\"" )"
            R"(protocol="HTTP/1.1" status=304 bytes=0)");
  EXPECT_EQ(
      Scan("apache_combined", R"(192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "-" 408 - "-" "-")")
          .fields,
      R"(client="192.0.2.1" status=408 bytes=0)");
  EXPECT_EQ(Scan("apache_combined",
                 R"(192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "\x16\x03\x01" 400 226 "-" "-")")
                .fields,
            R"(client="192.0.2.1" request="\\x16\\x03\\x01" status=400 bytes=226)");
  EXPECT_EQ(
      Scan("apache_combined", R"(192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET /old" 200 1)")
          .fields,
      R"(client="192.0.2.1" method="GET" path="/old" status=200 bytes=1)");
}

TEST(ApacheCombined, Errors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "not an Apache access log line: no client address"},
      {"1.2.3.4", "not an Apache access log line: no client address"},
      {"1.2.3.4 -", "not an Apache access log line: no %l (ident) after the client"},
      {"1.2.3.4 - -", "not an Apache access log line: no %u (user) after %l"},
      {"1.2.3.4 - - [10/Oct/2000:13:55:36] \"GET / HTTP/1.0\" 200 1",
       "not an Apache access log line: no [dd/Mmm/yyyy:hh:mm:ss +zzzz] time"},
      {"1.2.3.4 - - [31/Feb/2000:13:55:36 +0000] \"GET / HTTP/1.0\" 200 1",
       "not an Apache access log line: no [dd/Mmm/yyyy:hh:mm:ss +zzzz] time"},
      {"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] GET / HTTP/1.0 200 1",
       "not an Apache access log line: no quoted request line after the time"},
      {"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.0",
       "not an Apache access log line: no quoted request line after the time"},
      {"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.0\" OK 1",
       "not an Apache access log line: the status is not a number"},
      {"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.0\" 200",
       "not an Apache access log line: the size is neither a number nor '-'"},
      {"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.0\" 200 1k",
       "not an Apache access log line: the size is neither a number nor '-'"},
      {"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.0\" 200 1 -",
       "not an Apache access log line: no quoted referer after the size"},
      {"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.0\" 200 1 \"-\"",
       "not an Apache access log line: no quoted user agent after the referer"},
      {"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.0\" 200 1 \"-\" \"a\" x",
       "not an Apache access log line: text after the user agent"},
  };
  for (const auto& [line, error] : cases) {
    EXPECT_EQ(Scan("apache_combined", line).error, error) << line;
  }
}

TEST(NginxCombined, DefaultAndMainFormats) {
  const Scanned s = Scan("nginx_combined",
                         R"(203.0.113.5 - alice [02/Jan/2024:03:04:05 +0000] "POST /api/v1/items )"
                         R"(HTTP/2.0" 201 512 "-" "curl/8.5.0")");
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.fields, R"(client="203.0.113.5" user="alice" method="POST" path="/api/v1/items" )"
                      R"(protocol="HTTP/2.0" status=201 bytes=512 user_agent="curl/8.5.0")");
  EXPECT_EQ(s.time, (EventTime{1704164645, 0}));
  EXPECT_EQ(
      Scan("nginx_combined", R"(10.0.0.1 - - [02/Jan/2024:03:04:05 +0000] "GET / HTTP/1.1" 200 0 )"
                             R"("https://example.com/" "Mozilla/5.0" "198.51.100.7, 10.0.0.2")")
          .fields,
      R"(client="10.0.0.1" method="GET" path="/" protocol="HTTP/1.1" status=200 bytes=0 )"
      R"(referer="https://example.com/" user_agent="Mozilla/5.0" )"
      R"(x_forwarded_for="198.51.100.7, 10.0.0.2")");
}

TEST(NginxCombined, Errors) {
  EXPECT_EQ(Scan("nginx_combined",
                 R"(10.0.0.1 x - [02/Jan/2024:03:04:05 +0000] "GET / HTTP/1.1" 200 0 "-" "-")")
                .error,
            "not an nginx access log line: no '-' after the client");
  EXPECT_EQ(Scan("nginx_combined",
                 R"(10.0.0.1 - - [02/Jan/2024:03:04:05 +0000] "GET / HTTP/1.1" 200 - "-" "-")")
                .error,
            "not an nginx access log line: $body_bytes_sent is not a number");
  EXPECT_EQ(Scan("nginx_combined",
                 R"(10.0.0.1 - - [02/Jan/2024:03:04:05 +0000] "GET / HTTP/1.1" 200 0 "-" "-" "a" )"
                 R"("b")")
                .error,
            "not an nginx access log line: text after the user agent");
}

TEST(ApacheError, Version24) {
  const Scanned s = Scan("apache_error",
                         "[Fri Sep 09 10:42:29.902022 2011] [core:error] [pid 35708:tid "
                         "4328636416] [client 72.15.99.187:51234] AH00128: File does not exist: "
                         "/usr/local/apache2/htdocs/favicon.ico",
                         Offset(3600));
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.fields,
            "module=\"core\" level=\"error\" pid=35708 tid=4328636416 client=\"72.15.99.187\" "
            "client_port=51234 code=\"AH00128\" "
            "message=\"File does not exist: /usr/local/apache2/htdocs/favicon.ico\"");
  EXPECT_EQ(s.time, (EventTime{1315564949 - 3600, 902022000}));
  // Prefork (no tid), no client, a space-padded day.
  EXPECT_EQ(Scan("apache_error",
                 "[Mon Jan  1 00:00:01.000001 2024] [mpm_prefork:notice] [pid 1] AH00163: "
                 "Apache/2.4.57 (Debian) configured -- resuming normal operations")
                .fields,
            "module=\"mpm_prefork\" level=\"notice\" pid=1 code=\"AH00163\" "
            "message=\"Apache/2.4.57 (Debian) configured -- resuming normal operations\"");
}

TEST(ApacheError, Referer) {
  EXPECT_EQ(Scan("apache_error",
                 "[Wed Oct 11 14:32:52 2000] [core:info] [pid 1:tid 2] [client 10.0.0.1:5] "
                 "AH00128: File does not exist: /x, referer: http://example.com/a?b=c")
                .fields,
            "module=\"core\" level=\"info\" pid=1 tid=2 client=\"10.0.0.1\" client_port=5 "
            "code=\"AH00128\" message=\"File does not exist: /x\" "
            "referer=\"http://example.com/a?b=c\"");
  // Not at the end, or with a space after it: part of the message.
  EXPECT_EQ(Scan("apache_error", "[Wed Oct 11 14:32:52 2000] [error] a, referer: b c").fields,
            "level=\"error\" message=\"a, referer: b c\"");
}

TEST(ApacheError, Version22) {
  const Scanned s = Scan("apache_error",
                         "[Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] client denied by "
                         "server configuration: /export/home/live/ap/htdocs/test");
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.fields,
            "level=\"error\" client=\"127.0.0.1\" message=\"client denied by server "
            "configuration: /export/home/live/ap/htdocs/test\"");
  EXPECT_EQ(s.time, (EventTime{971274772, 0}));
}

TEST(ApacheError, Errors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "not an Apache error log line: no [Www Mmm dd hh:mm:ss yyyy] time"},
      {"[Wed Oct 11 14:32:52] [error] x",
       "not an Apache error log line: no [Www Mmm dd hh:mm:ss yyyy] time"},
      {"[Wed Oct 11 14:32:52 2000]",
       "not an Apache error log line: no [level] or [module:level] after the time"},
      {"[Wed Oct 11 14:32:52 2000] [error",
       "not an Apache error log line: no [level] or [module:level] after the time"},
      {"[Wed Oct 11 14:32:52 2000] [error] [pid x]",
       "not an Apache error log line: [pid N] without a number"},
      {"[Wed Oct 11 14:32:52 2000] [error] [pid 1:tid x]",
       "not an Apache error log line: [pid N:tid N] without a tid number"},
      {"[Wed Oct 11 14:32:52 2000] [error] [pid 1 x",
       "not an Apache error log line: [pid ...] not closed by ']'"},
      {"[Wed Oct 11 14:32:52 2000] [error] [client 1.2.3.4",
       "not an Apache error log line: [client ...] not closed by ']'"},
  };
  for (const auto& [line, error] : cases) {
    EXPECT_EQ(Scan("apache_error", line).error, error) << line;
  }
}

TEST(NginxError, WithContext) {
  const Scanned s = Scan("nginx_error",
                         "2024/01/02 05:04:05 [error] 1234#5678: *7 open() "
                         "\"/usr/share/nginx/html/x\" failed (2: No such file or directory), "
                         "client: 192.0.2.7, server: localhost, request: \"GET /x HTTP/1.1\", "
                         "upstream: \"http://127.0.0.1:8080/x\", host: \"example.com\", "
                         "referrer: \"https://example.com/\"",
                         Offset(2 * 3600));
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.fields,
            "level=\"error\" pid=1234 tid=5678 connection=7 message=\"open() "
            "\\\"/usr/share/nginx/html/x\\\" failed (2: No such file or directory)\" "
            "client=\"192.0.2.7\" server=\"localhost\" request=\"GET /x HTTP/1.1\" "
            "upstream=\"http://127.0.0.1:8080/x\" host=\"example.com\" "
            "referrer=\"https://example.com/\"");
  EXPECT_EQ(s.time, (EventTime{1704164645, 0}));
}

TEST(NginxError, WithoutConnectionOrContext) {
  EXPECT_EQ(Scan("nginx_error", "2024/01/02 03:04:05 [notice] 1#1: signal process started").fields,
            "level=\"notice\" pid=1 tid=1 message=\"signal process started\"");
  // ", client: " followed by something nginx does not write: the message stays whole.
  EXPECT_EQ(Scan("nginx_error", "2024/01/02 03:04:05 [warn] 1#2: *3 a, client: b, other: c").fields,
            "level=\"warn\" pid=1 tid=2 connection=3 message=\"a, client: b, other: c\"");
}

TEST(NginxError, Errors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "not an nginx error log line: no yyyy/mm/dd hh:mm:ss time"},
      {"2024-01-02 03:04:05 [error] 1#1: x",
       "not an nginx error log line: no yyyy/mm/dd hh:mm:ss time"},
      {"2024/13/02 03:04:05 [error] 1#1: x",
       "not an nginx error log line: no yyyy/mm/dd hh:mm:ss time"},
      {"2024/01/02 03:04:05 error 1#1: x",
       "not an nginx error log line: no [level] after the time"},
      {"2024/01/02 03:04:05 [error] 1: x",
       "not an nginx error log line: no pid#tid: after the level"},
  };
  for (const auto& [line, error] : cases) {
    EXPECT_EQ(Scan("nginx_error", line).error, error) << line;
  }
}

}  // namespace
}  // namespace runnel::formats
