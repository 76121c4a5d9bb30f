// Every scanner on damaged input: each golden line cut at every byte offset, and with bytes
// flipped, inserted and removed at random. Never a crash or an out-of-bounds read (this runs
// under ASan/UBSan in CI); each result is either fields or a non-empty static message, and what
// was produced encodes as valid msgpack.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "plugins/formats/format.h"
#include "runnel/arena.h"
#include "runnel/msgpack.h"
#include "runnel/record.h"

namespace runnel::formats {
namespace {

struct Golden {
  std::string_view format;
  std::string_view line;
};

// At least one line per format; each must be accepted as it is.
constexpr Golden kGolden[] = {
    {"syslog_rfc5424",
     "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 "
     "iut=\"3\" eventSource=\"App\\\"lication\" eventID=\"1011\"][examplePriority@32473 "
     "class=\"high\"] \xEF\xBB\xBFHello"},
    {"syslog_rfc5424", "<34>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% msg"},
    {"syslog_rfc3164", "<13>Jan  2 03:04:05 web-1 sshd[4242]: Accepted publickey for root"},
    {"syslog_rfc3164", "<30>2024-01-02T04:04:05.123456+01:00 app-host systemd[1]: Started."},
    {"syslog_rfc3164", "<189>123: *Mar  1 18:46:11.123: %SYS-5-CONFIG_I: Configured from x"},
    {"syslog", "<34>1 - h a - - [a b=\"c\"] m"},
    {"cri", "2016-10-06T00:17:09.669794202Z stdout P log content 1"},
    {"docker", R"({"log":"caf\u00e9 \"q\" \ud83d\ude00\n","stream":"stderr","attrs":{"tag":"web",)"
               R"("env":["A=1",2,true,null,-1.5e3]},"time":"2024-05-06T07:08:09.123Z"})"},
    {"apache_combined",
     R"(127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a\"b HTTP/1.0" 200 2326 )"
     R"x("http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)")x"},
    {"apache_error",
     "[Fri Sep 09 10:42:29.902022 2011] [core:error] [pid 35708:tid 4328636416] [client "
     "72.15.99.187:51234] AH00128: File does not exist: /favicon.ico"},
    {"nginx_combined", R"(10.0.0.1 - - [02/Jan/2024:03:04:05 +0000] "GET / HTTP/1.1" 200 0 )"
                       R"("https://example.com/" "Mozilla/5.0" "198.51.100.7, 10.0.0.2")"},
    {"nginx_error",
     "2024/01/02 05:04:05 [error] 1234#5678: *7 open() \"/x\" failed (2: No such file), "
     "client: 192.0.2.7, server: localhost, request: \"GET /x HTTP/1.1\", host: \"e.com\""},
    {"envoy", R"([2016-04-15T20:17:00.310Z] "POST /api/v1/locations HTTP/2" 204 - 154 0 226 100 )"
              R"("10.0.35.28" "nsq2http" "cc21d9b0-cf5c" "locations" "tcp://10.0.2.1:80")"},
    {"istio",
     R"([2020-11-25T21:26:18.409Z] "GET /status/418 HTTP/1.1" 418 - via_upstream - "-" 0 135 4 )"
     R"(4 "-" "curl/7.73.0-DEV" "8496" "httpbin:8000" "10.44.1.27:80" outbound|8000||h )"
     R"(10.44.1.23:37652 10.0.45.184:8000 10.44.1.23:46520 - default)"},
    {"istio", R"({"start_time":"2020-11-25T21:26:18.409Z","method":"GET","response_code":418,)"
              R"("upstream_service_time":"4","x_forwarded_for":null})"},
    {"linkerd",
     "2024-03-04T05:06:07.123456Z DEBUG ThreadId(02) daemon:admin{listen.addr=0.0.0.0:4191}: "
     "linkerd_proxy_http::server: The client is shutting down"},
    {"linkerd",
     R"({"timestamp":"[     0.002362s]","level":"INFO","fields":{"message":"Admin","n":3},)"
     R"x("target":"linkerd2_proxy","threadId":"ThreadId(1)","spans":[{"name":"daemon"}]})x"},
};

void ScanOne(const Format& format, std::string_view line) {
  Arena arena;
  std::vector<Field> fields;
  EventTime time{1, 2};
  ScanOptions options;
  options.now_seconds = 1768003200;
  const char* error = format.scan(line, options, arena, &fields, &time);
  if (error != nullptr) {
    EXPECT_GT(std::string_view(error).size(), 10u);
    return;
  }
  Event event;
  for (const Field& f : fields) {
    // Only JSON members may have an empty key ({"":1} is valid JSON).
    EXPECT_TRUE(!f.key.empty() || line.find('{') != std::string_view::npos) << line;
    event.fields().push_back(f);
  }
  std::string encoded;
  MsgpackWriter w(&encoded);
  event.Encode(w);
  MsgpackReader reader(encoded);
  EXPECT_TRUE(reader.Skip().ok());
  EXPECT_TRUE(reader.AtEnd());
}

TEST(FormatsRobustness, GoldenLinesParse) {
  for (const Golden& g : kGolden) {
    const Format* format = FindFormat(g.format);
    ASSERT_NE(format, nullptr) << g.format;
    Arena arena;
    std::vector<Field> fields;
    EventTime time;
    EXPECT_EQ(format->scan(g.line, ScanOptions{}, arena, &fields, &time), nullptr) << g.line;
  }
}

TEST(FormatsRobustness, EveryFormatHasAGoldenLine) {
  for (const Format& format : AllFormats()) {
    bool found = false;
    for (const Golden& g : kGolden) {
      found = found || g.format == format.name;
    }
    EXPECT_TRUE(found) << format.name;
  }
}

TEST(FormatsRobustness, TruncatedAtEveryOffset) {
  for (const Golden& g : kGolden) {
    const Format* format = FindFormat(g.format);
    ASSERT_NE(format, nullptr);
    for (size_t n = 0; n <= g.line.size(); ++n) {
      // A copy of exactly n bytes, so ASan sees a read past the cut.
      const std::string cut(g.line.substr(0, n));
      ScanOne(*format, cut);
    }
  }
}

TEST(FormatsRobustness, MutatedBytes) {
  static constexpr char kAlphabet[] = "<>[]{}\"\\:,=- .0123456789TZ+*%\n\r\t\xEF\xBB\xBF\xFF\x00a";
  std::mt19937 rng(42);
  for (const Golden& g : kGolden) {
    const Format* format = FindFormat(g.format);
    ASSERT_NE(format, nullptr);
    for (int i = 0; i < 2000; ++i) {
      std::string s(g.line);
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits && !s.empty(); ++e) {
        const size_t at = rng() % s.size();
        const char c = kAlphabet[rng() % (sizeof(kAlphabet) - 1)];
        switch (rng() % 4) {
          case 0:
            s[at] = c;
            break;
          case 1:
            s.erase(at, 1 + rng() % 3);
            break;
          case 2:
            s[at] = static_cast<char>(s[at] ^ (1 << (rng() % 8)));
            break;
          default:
            s.insert(at, 1, c);
        }
      }
      ScanOne(*format, s);
    }
  }
}

}  // namespace
}  // namespace runnel::formats
