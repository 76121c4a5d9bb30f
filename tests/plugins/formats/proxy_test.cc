// Golden tests of the proxy scanners. Envoy's default format:
// https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage#default-format-string
// (the example line is the one given there); Istio's access logs:
// https://istio.io/latest/docs/tasks/observability/logs/access-log/ (TEXT example from there;
// the JSON keys of its default JSON encoding); linkerd-proxy's logs:
// https://linkerd.io/2/reference/proxy-log-level/ and the proxy's LINKERD2_PROXY_LOG_FORMAT.
#include "plugins/formats/proxy.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "tests/plugins/formats/format_test_util.h"

namespace runnel::formats {
namespace {

TEST(Envoy, DocumentedLine) {
  const Scanned s =
      Scan("envoy", R"([2016-04-15T20:17:00.310Z] "POST /api/v1/locations HTTP/2" 204 - 154 )"
                    R"(0 226 100 "10.0.35.28" "nsq2http" )"
                    R"("cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" "locations" "tcp://10.0.2.1:80")");
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.fields,
            R"(method="POST" path="/api/v1/locations" protocol="HTTP/2" response_code=204 )"
            R"(bytes_received=154 bytes_sent=0 duration=226 upstream_service_time=100 )"
            R"(x_forwarded_for="10.0.35.28" user_agent="nsq2http" )"
            R"(request_id="cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" authority="locations" )"
            R"(upstream_host="tcp://10.0.2.1:80")");
  EXPECT_EQ(s.time, (EventTime{1460751420, 310000000}));
}

TEST(Envoy, UnsetValuesAndTcp) {
  EXPECT_EQ(Scan("envoy", R"([2016-04-15T20:17:00.310Z] "- - -" 0 UF,URX 0 0 5 - "-" "-" "-" )"
                          R"("-" "10.0.2.1:80")")
                .fields,
            R"(response_code=0 response_flags="UF,URX" bytes_received=0 bytes_sent=0 )"
            R"(duration=5 upstream_host="10.0.2.1:80")");
}

TEST(Envoy, Errors) {
  const std::string ok_tail = R"( 204 - 154 0 226 100 "a" "b" "c" "d" "e")";
  const std::pair<std::string, const char*> cases[] = {
      {"", "not an Envoy access log line: no [START_TIME] at the start"},
      {R"([2016-04-15 20:17:00] "GET / HTTP/1.1")" + ok_tail,
       "not an Envoy access log line: no [START_TIME] at the start"},
      {R"([2016-04-15T20:17:00.310Z] GET / HTTP/1.1)" + ok_tail,
       "not an Envoy access log line: no quoted \"METHOD PATH PROTOCOL\" after the time"},
      {R"([2016-04-15T20:17:00.310Z] "GET / HTTP/1.1" x - 154 0 226 100 "a" "b" "c" "d" "e")",
       "not an Envoy access log line: RESPONSE_CODE is not a number"},
      {R"([2016-04-15T20:17:00.310Z] "GET / HTTP/1.1" 200 - 1 2 3 x "a" "b" "c" "d" "e")",
       "not an Envoy access log line: X-ENVOY-UPSTREAM-SERVICE-TIME is neither a number nor '-'"},
      {R"([2016-04-15T20:17:00.310Z] "GET / HTTP/1.1" 200 - 1 2 3 4 "a" "b" "c" "d")",
       "not an Envoy access log line: no quoted UPSTREAM_HOST"},
      {R"([2016-04-15T20:17:00.310Z] "GET / HTTP/1.1")" + ok_tail + " x",
       "not an Envoy access log line: text after UPSTREAM_HOST"},
  };
  for (const auto& [line, error] : cases) {
    EXPECT_EQ(Scan("envoy", line).error, error) << line;
  }
}

TEST(Istio, DefaultTextFormat) {
  const Scanned s = Scan(
      "istio",
      R"([2020-11-25T21:26:18.409Z] "GET /status/418 HTTP/1.1" 418 - via_upstream - "-" 0 135 4 )"
      R"(4 "-" "curl/7.73.0-DEV" "84961386-6d84-929d-98bd-c5aee93b5c88" "httpbin:8000" )"
      R"("10.44.1.27:80" outbound|8000||httpbin.foo.svc.cluster.local 10.44.1.23:37652 )"
      R"(10.0.45.184:8000 10.44.1.23:46520 - default)");
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.fields,
            R"(method="GET" path="/status/418" protocol="HTTP/1.1" response_code=418 )"
            R"(response_code_details="via_upstream" bytes_received=0 bytes_sent=135 duration=4 )"
            R"(upstream_service_time=4 user_agent="curl/7.73.0-DEV" )"
            R"(request_id="84961386-6d84-929d-98bd-c5aee93b5c88" authority="httpbin:8000" )"
            R"(upstream_host="10.44.1.27:80" )"
            R"(upstream_cluster="outbound|8000||httpbin.foo.svc.cluster.local" )"
            R"(upstream_local_address="10.44.1.23:37652" )"
            R"(downstream_local_address="10.0.45.184:8000" )"
            R"(downstream_remote_address="10.44.1.23:46520" route_name="default")");
  EXPECT_EQ(s.time, (EventTime{1606339578, 409000000}));
}

TEST(Istio, JsonEncoding) {
  const Scanned s =
      Scan("istio",
           R"({"authority":"httpbin:8000","bytes_received":0,"bytes_sent":135,)"
           R"("connection_termination_details":null,"downstream_local_address":"10.0.45.184:8000",)"
           R"("downstream_remote_address":"10.44.1.23:46520","duration":4,"method":"GET",)"
           R"("path":"/status/418","protocol":"HTTP/1.1",)"
           R"("request_id":"84961386-6d84-929d-98bd-c5aee93b5c88","requested_server_name":null,)"
           R"("response_code":418,"response_code_details":"via_upstream","response_flags":"-",)"
           R"("route_name":"default","start_time":"2020-11-25T21:26:18.409Z",)"
           R"("upstream_cluster":"outbound|8000||httpbin.foo.svc.cluster.local",)"
           R"("upstream_host":"10.44.1.27:80","upstream_local_address":"10.44.1.23:37652",)"
           R"("upstream_service_time":"4","upstream_transport_failure_reason":null,)"
           R"("user_agent":"curl/7.73.0-DEV","x_forwarded_for":null})");
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.fields, R"(authority="httpbin:8000" bytes_received=0 bytes_sent=135 )"
                      R"(downstream_local_address="10.0.45.184:8000" )"
                      R"(downstream_remote_address="10.44.1.23:46520" duration=4 method="GET" )"
                      R"(path="/status/418" protocol="HTTP/1.1" )"
                      R"(request_id="84961386-6d84-929d-98bd-c5aee93b5c88" response_code=418 )"
                      R"(response_code_details="via_upstream" route_name="default" )"
                      R"(upstream_cluster="outbound|8000||httpbin.foo.svc.cluster.local" )"
                      R"(upstream_host="10.44.1.27:80" upstream_local_address="10.44.1.23:37652" )"
                      R"(upstream_service_time=4 user_agent="curl/7.73.0-DEV")");
  EXPECT_EQ(s.time, (EventTime{1606339578, 409000000}));
}

TEST(Istio, Errors) {
  EXPECT_EQ(Scan("istio", R"({"start_time":"now"})").error,
            "not an Istio JSON access log line: start_time is not an RFC 3339 time");
  EXPECT_EQ(Scan("istio", R"({"duration":"4ms"})").error,
            "not an Istio JSON access log line: a count or duration is not a number");
  EXPECT_EQ(Scan("istio", R"({"duration":4)").error,
            "invalid JSON: the text ends inside the object");
  EXPECT_EQ(
      Scan("istio", R"([2020-11-25T21:26:18.409Z] "GET / HTTP/1.1" 418 - via_upstream)").error,
      "not an Istio access log line: no CONNECTION_TERMINATION_DETAILS");
  EXPECT_EQ(Scan("istio", "x").error, "not an Istio access log line: no [START_TIME] at the start");
}

TEST(Linkerd, PlainWithUptime) {
  const Scanned s = Scan("linkerd",
                         "[     0.002172s]  INFO ThreadId(01) linkerd2_proxy::rt: Using "
                         "single-threaded proxy runtime");
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.fields,
            "uptime=0.002172d level=\"INFO\" thread=\"ThreadId(01)\" "
            "target=\"linkerd2_proxy::rt\" message=\"Using single-threaded proxy runtime\"");
  EXPECT_EQ(s.time, (EventTime{1, 2}));
}

TEST(Linkerd, PlainWithTimeAndSpans) {
  const Scanned s =
      Scan("linkerd",
           "2024-03-04T05:06:07.123456Z DEBUG ThreadId(02) daemon:admin{listen.addr=0.0.0.0:4191}:"
           "accept{client.addr=172.60.102.79:41872}: linkerd_proxy_http::server: The client is "
           "shutting down the connection res=Ok(())");
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.fields,
            "level=\"DEBUG\" thread=\"ThreadId(02)\" spans=\"daemon:admin{listen.addr=0.0.0.0:"
            "4191}:accept{client.addr=172.60.102.79:41872}\" target=\"linkerd_proxy_http::server\" "
            "message=\"The client is shutting down the connection res=Ok(())\"");
  EXPECT_EQ(s.time, (EventTime{1709528767, 123456000}));
}

TEST(Linkerd, Json) {
  const Scanned s = Scan(
      "linkerd",
      R"({"timestamp":"[     0.002362s]","level":"INFO","fields":{"message":"Admin interface on )"
      R"x(0.0.0.0:4191","n":3},"target":"linkerd2_proxy","threadId":"ThreadId(1)",)x"
      R"("spans":[{"name":"daemon"}]})");
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.fields,
            R"(uptime=0.002362d level="INFO" message="Admin interface on 0.0.0.0:4191" n=3 )"
            R"x(target="linkerd2_proxy" thread="ThreadId(1)" spans=[{"name":"daemon"}])x");
  EXPECT_EQ(Scan("linkerd", R"({"timestamp":"2024-03-04T05:06:07Z","level":"WARN"})").time,
            (EventTime{1709528767, 0}));
}

TEST(Linkerd, Errors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "not a linkerd-proxy log line: no [uptime] or RFC 3339 time at the start"},
      {"[0.1] INFO ThreadId(01) a: b",
       "not a linkerd-proxy log line: no [uptime] or RFC 3339 time at the start"},
      {"[0.1s] NOTE ThreadId(01) a: b",
       "not a linkerd-proxy log line: no level (TRACE, DEBUG, INFO, WARN, ERROR)"},
      {"[0.1s] INFO main a: b", "not a linkerd-proxy log line: no ThreadId(N) after the level"},
      {"[0.1s] INFO ThreadId(01) no target here",
       "not a linkerd-proxy log line: no target (a module path and ':') after the thread"},
      {"[0.1s] INFO ThreadId(01) a:b: c",
       "not a linkerd-proxy log line: no target (a module path and ':') after the thread"},
      {R"({"timestamp":"soon"})",
       "not a linkerd-proxy JSON log line: timestamp is neither [uptime] nor RFC 3339"},
  };
  for (const auto& [line, error] : cases) {
    EXPECT_EQ(Scan("linkerd", line).error, error) << line;
  }
}

}  // namespace
}  // namespace runnel::formats
