// Micro benchmarks of the named-format scanners (plugins/formats) against the RE2 regex with
// named groups that the parse filter would otherwise need for the same format (matching only:
// the regex side does no type conversion and no time parsing, which the scanners do).
// Items are lines, bytes the lines' bytes.
//   build/bench/micro/formats_bench --benchmark_filter=nginx
#include <benchmark/benchmark.h>
#include <re2/re2.h>

#include <string>
#include <vector>

#include "plugins/formats/format.h"
#include "runnel/arena.h"
#include "runnel/record.h"

namespace runnel::formats {
namespace {

constexpr int kLines = 256;

struct Case {
  const char* format;
  // A line with "~" where a varying number goes, so lines differ.
  const char* line;
  const char* regex;  // nullptr: no sensible regex for this format (JSON)
};

const Case kCases[] = {
    {"syslog_rfc5424",
     R"(<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog ~ ID47 )"
     R"([exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] An application )"
     R"(event log entry)",
     R"(^<(?P<pri>\d{1,3})>(?P<version>\d{1,2}) (?P<timestamp>\S+) (?P<hostname>\S+) )"
     R"((?P<appname>\S+) (?P<procid>\S+) (?P<msgid>\S+) (?P<sd>-|(?:\[(?:[^\]\\]|\\.)*\])+))"
     R"((?: (?P<message>.*))?$)"},
    {"syslog_rfc3164",
     "<13>Jan  2 03:04:05 web-1 sshd[~]: Accepted publickey for root from "
     "192.0.2.7 port 52144 ssh2",
     R"(^<(?P<pri>\d{1,3})>(?P<time>[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}) (?P<host>\S+) )"
     R"((?P<tag>[^:\[ ]+)(?:\[(?P<pid>\d+)\])?: (?P<message>.*)$)"},
    {"cri", "2016-10-06T00:17:09.669794202Z stdout F request ~ served in 12ms for /api/v1/items",
     R"(^(?P<time>\S+) (?P<stream>stdout|stderr) (?P<logtag>[PF]) (?P<log>.*)$)"},
    {"docker",
     R"({"log":"request ~ served in 12ms for \"/api/v1/items\"\n","stream":"stdout",)"
     R"("time":"2019-01-01T11:11:11.111111111Z"})",
     R"re(^\{"log":"(?P<log>(?:[^"\\]|\\.)*)","stream":"(?P<stream>[^"]*)",)re"
     R"re("time":"(?P<time>[^"]*)"\}$)re"},
    {"apache_combined",
     R"x(203.0.113.9 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif?id=~ HTTP/1.0" 200 )x"
     R"x(2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)")x",
     R"(^(?P<host>\S+) (?P<ident>\S+) (?P<user>\S+) \[(?P<time>[^\]]+)\] )"
     R"re("(?P<method>\S+) (?P<path>\S+) (?P<protocol>[^"]+)" (?P<code>\d{3}) (?P<size>\d+|-) )re"
     R"re("(?P<referer>[^"]*)" "(?P<agent>[^"]*)"$)re"},
    {"apache_error",
     "[Fri Sep 09 10:42:29.902022 2011] [core:error] [pid ~:tid 4328636416] [client "
     "72.15.99.187:51234] AH00128: File does not exist: /usr/local/apache2/htdocs/favicon.ico",
     R"(^\[(?P<time>[^\]]+)\] \[(?:(?P<module>[^:\]]+):)?(?P<level>[^\]]+)\])"
     R"((?: \[pid (?P<pid>\d+)(?::tid (?P<tid>\d+))?\])?(?: \[client (?P<client>[^\]]+)\])? )"
     R"((?:(?P<code>AH\d{5}): )?(?P<message>.*)$)"},
    {"nginx_combined",
     R"(203.0.113.5 - alice [02/Jan/2024:03:04:05 +0000] "POST /api/v1/items/~ HTTP/2.0" 201 512 )"
     R"("https://example.com/" "curl/8.5.0")",
     R"re(^(?P<client>\S+) - (?P<user>\S+) \[(?P<time>[^\]]+)\] "(?P<method>\S+) (?P<path>\S+) )re"
     R"re((?P<protocol>[^"]+)" (?P<status>\d{3}) (?P<bytes>\d+) "(?P<referer>[^"]*)" )re"
     R"re("(?P<agent>[^"]*)"$)re"},
    {"nginx_error",
     R"(2024/01/02 05:04:05 [error] 1234#5678: *~ open() "/usr/share/nginx/html/x" failed (2: )"
     R"(No such file or directory), client: 192.0.2.7, server: localhost, request: "GET /x )"
     R"(HTTP/1.1", host: "example.com")",
     R"re(^(?P<time>\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}) \[(?P<level>\w+)\] (?P<pid>\d+)#)re"
     R"re((?P<tid>\d+): (?:\*(?P<connection>\d+) )?(?P<message>.*?)(?:, client: (?P<client>[^,]+))re"
     R"re()?(?:, server: (?P<server>[^,]*))?(?:, request: "(?P<request>[^"]*)")?(?:, upstream: )re"
     R"re("(?P<upstream>[^"]*)")?(?:, host: "(?P<host>[^"]*)")?(?:, referrer: )re"
     R"re("(?P<referrer>[^"]*)")?$)re"},
    {"envoy",
     R"([2016-04-15T20:17:00.310Z] "POST /api/v1/locations/~ HTTP/2" 204 - 154 0 226 100 )"
     R"("10.0.35.28" "nsq2http" "cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" "locations" )"
     R"("tcp://10.0.2.1:80")",
     R"re(^\[(?P<start_time>[^\]]+)\] "(?P<method>\S+) (?P<path>\S+) (?P<protocol>[^"]+)" )re"
     R"re((?P<response_code>\d+) (?P<response_flags>\S+) (?P<bytes_received>\d+) )re"
     R"re((?P<bytes_sent>\d+) (?P<duration>\d+) (?P<upstream_service_time>\S+) )re"
     R"re("(?P<x_forwarded_for>[^"]*)" "(?P<user_agent>[^"]*)" "(?P<request_id>[^"]*)" )re"
     R"re("(?P<authority>[^"]*)" "(?P<upstream_host>[^"]*)"$)re"},
    {"istio",
     R"([2020-11-25T21:26:18.409Z] "GET /status/~ HTTP/1.1" 418 - via_upstream - "-" 0 135 4 4 )"
     R"("-" "curl/7.73.0-DEV" "84961386-6d84-929d-98bd-c5aee93b5c88" "httpbin:8000" )"
     R"("10.44.1.27:80" outbound|8000||httpbin.foo.svc.cluster.local 10.44.1.23:37652 )"
     R"(10.0.45.184:8000 10.44.1.23:46520 - default)",
     R"re(^\[(?P<start_time>[^\]]+)\] "(?P<method>\S+) (?P<path>\S+) (?P<protocol>[^"]+)" )re"
     R"re((?P<response_code>\d+) (?P<response_flags>\S+) (?P<response_code_details>\S+) )re"
     R"re((?P<connection_termination_details>\S+) "(?P<upstream_transport_failure_reason>[^"]*)" )re"
     R"re((?P<bytes_received>\d+) (?P<bytes_sent>\d+) (?P<duration>\d+) )re"
     R"re((?P<upstream_service_time>\S+) "(?P<x_forwarded_for>[^"]*)" "(?P<user_agent>[^"]*)" )re"
     R"re("(?P<request_id>[^"]*)" "(?P<authority>[^"]*)" "(?P<upstream_host>[^"]*)" )re"
     R"re((?P<upstream_cluster>\S+) (?P<upstream_local_address>\S+) )re"
     R"re((?P<downstream_local_address>\S+) (?P<downstream_remote_address>\S+) )re"
     R"re((?P<requested_server_name>\S+) (?P<route_name>\S+)$)re"},
    {"linkerd",
     "[  1343.375252s] DEBUG ThreadId(02) daemon:admin{listen.addr=0.0.0.0:4191}:accept{client."
     "addr=172.60.102.79:~}: linkerd_proxy_http::server: The client is shutting down the "
     "connection res=Ok(())",
     R"(^\[\s*(?P<uptime>[\d.]+)s\]\s+(?P<level>[A-Z]+) (?P<thread>ThreadId\(\d+\)) )"
     R"((?:(?P<spans>.*?): )?(?P<target>\w+(?:::\w+)*): (?P<message>.*)$)"},
};

std::vector<std::string> Lines(const Case& c) {
  std::vector<std::string> lines;
  const std::string templ = c.line;
  const size_t hash = templ.find('~');
  for (int i = 0; i < kLines; ++i) {
    std::string line = templ;
    if (hash != std::string::npos) {
      line.replace(hash, 1, std::to_string(1000 + i * 37));
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

int64_t TotalBytes(const std::vector<std::string>& lines) {
  int64_t n = 0;
  for (const std::string& l : lines) {
    n += static_cast<int64_t>(l.size());
  }
  return n;
}

void BM_Scanner(benchmark::State& state, const Case& c) {
  const Format* format = FindFormat(c.format);
  const std::vector<std::string> lines = Lines(c);
  Arena arena;
  std::vector<Field> fields;
  ScanOptions options;
  options.now_seconds = 1768003200;
  for (auto _ : state) {
    for (const std::string& line : lines) {
      fields.clear();
      EventTime time;
      const char* error = format->scan(line, options, arena, &fields, &time);
      if (error != nullptr) {
        state.SkipWithError(error);
        return;
      }
      benchmark::DoNotOptimize(fields.data());
      benchmark::DoNotOptimize(time);
    }
    arena.Reset();
  }
  state.SetItemsProcessed(state.iterations() * kLines);
  state.SetBytesProcessed(state.iterations() * TotalBytes(lines));
}

void BM_Regex(benchmark::State& state, const Case& c) {
  RE2 re(c.regex);
  if (!re.ok()) {
    state.SkipWithError(re.error().c_str());
    return;
  }
  const std::vector<std::string> lines = Lines(c);
  const int n = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> groups(n);
  for (auto _ : state) {
    for (const std::string& line : lines) {
      if (!re.Match(line, 0, line.size(), RE2::UNANCHORED, groups.data(), n)) {
        state.SkipWithError("the regex does not match");
        return;
      }
      benchmark::DoNotOptimize(groups.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * kLines);
  state.SetBytesProcessed(state.iterations() * TotalBytes(lines));
}

void Register() {
  for (const Case& c : kCases) {
    benchmark::RegisterBenchmark((std::string(c.format) + "/scanner").c_str(), BM_Scanner, c);
    if (c.regex != nullptr) {
      benchmark::RegisterBenchmark((std::string(c.format) + "/re2").c_str(), BM_Regex, c);
    }
  }
}

}  // namespace
}  // namespace runnel::formats

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  runnel::formats::Register();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
