// The parse filter allocates nothing on the heap per record once warm, and may run on several
// threads at once. This file replaces the global operator new to count allocations.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "tests/plugins/filters/parse_harness.h"
#include "tests/testing/sanitizers.h"

// Sanitizers own operator new; counting is only done in plain builds.
#define RUNNEL_COUNT_ALLOCATIONS (!RUNNEL_TESTING_ASAN)

namespace {
std::atomic<int64_t> g_allocations{0};
thread_local bool g_counting = false;
}  // namespace

#if RUNNEL_COUNT_ALLOCATIONS
void* operator new(std::size_t n) {
  if (g_counting) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
  }
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) {
    std::abort();
  }
  return p;
}
// These replace the global operators, so malloc/free are their matching pair; GCC cannot see
// that after inlining and warns.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop
#endif

namespace runnel::plugins::parse {
namespace {

using filters_testing::Str;

Batch MakeBatch(const std::vector<std::string>& lines) {
  Batch batch;
  BatchBuilder builder(&batch);
  for (const std::string& line : lines) {
    builder.BeginEntry(EventTime{1, 0}, 2);
    builder.writer().Str("log");
    builder.writer().Str(line);
    builder.writer().Str("stream");
    builder.writer().Str("stdout");
  }
  return batch;
}

// Allocations made by Process on a warm filter and EventBatch.
int64_t AllocationsOfSecondRun(ParseHarness& h, const Batch& batch) {
  EventBatch events;
  EXPECT_TRUE(events.Decode(batch).ok());
  h.Run(events);  // warm-up: buffers and arena blocks grow here
  EXPECT_TRUE(events.Decode(batch).ok());
  g_allocations = 0;
  g_counting = true;
  h.Run(events);
  g_counting = false;
  return g_allocations.load();
}

TEST(ParseAllocations, TheCounterSeesAllocations) {
  if (!RUNNEL_COUNT_ALLOCATIONS) {
    GTEST_SKIP() << "allocation counting is off under sanitizers";
  }
  g_allocations = 0;
  g_counting = true;
  auto* s = new std::string(100, 'x');
  g_counting = false;
  delete s;
  EXPECT_EQ(g_allocations.load(), 2);  // the string object and its buffer
}

TEST(ParseAllocations, JsonWithNestedValuesTimeAndTarget) {
  if (!RUNNEL_COUNT_ALLOCATIONS) {
    GTEST_SKIP() << "allocation counting is off under sanitizers";
  }
  ParseHarness h({{"time_key", Str("ts")}, {"target", Str("p")}});
  std::vector<std::string> lines;
  for (int i = 0; i < 500; ++i) {
    lines.push_back(R"({"ts":"2023-11-14T22:13:20.5Z","msg":"a \"quoted\" \u00e9","n":)" +
                    std::to_string(i) + R"(,"o":{"k":[1,2,{"z":null}]}})");
  }
  lines.push_back("invalid");
  EXPECT_EQ(AllocationsOfSecondRun(h, MakeBatch(lines)), 0);
  EXPECT_EQ(h.parse_errors(), 2u);
}

TEST(ParseAllocations, RegexAndLogfmt) {
  if (!RUNNEL_COUNT_ALLOCATIONS) {
    GTEST_SKIP() << "allocation counting is off under sanitizers";
  }
  ParseHarness regex({{"format", Str("regex")},
                      {"regex", Str(R"((?P<a>\w+) (?P<b>\w+)(?: (?P<c>\d+))?)")},
                      {"on_error", Str("drop")}});
  ParseHarness logfmt({{"format", Str("logfmt")}});
  std::vector<std::string> lines;
  for (int i = 0; i < 500; ++i) {
    lines.push_back("x=" + std::to_string(i) + " msg=\"a \\\"b\\\"\" flag");
  }
  lines.push_back("!");
  EXPECT_EQ(AllocationsOfSecondRun(regex, MakeBatch(lines)), 0);
  EXPECT_EQ(AllocationsOfSecondRun(logfmt, MakeBatch(lines)), 0);
}

TEST(ParseAllocations, NamedFormats) {
  if (!RUNNEL_COUNT_ALLOCATIONS) {
    GTEST_SKIP() << "allocation counting is off under sanitizers";
  }
  const std::pair<const char*, std::string> cases[] = {
      {"syslog", R"(<165>1 2003-10-11T22:14:15.003Z host app - ID47 [ex@1 a="x\"y" b="2"][z] hi)"},
      {"syslog_rfc3164", "<13>Jan  2 03:04:05 web-1 sshd[4242]: Accepted publickey for root"},
      {"cri", "2016-10-06T00:17:09.669794202Z stdout P log content 1"},
      {"docker", R"({"log":"caf\u00e9 \"a long quoted value\"\n","stream":"stderr",)"
                 R"("attrs":{"tag":"web","env":["A=1",2]},"time":"2024-05-06T07:08:09Z"})"},
      {"apache_combined", R"(127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" )"
                          R"(200 2326 "http://example.com/" "Mozilla/4.08")"},
      {"apache_error",
       "[Fri Sep 09 10:42:29.902022 2011] [core:error] [pid 1:tid 2] [client "
       "1.2.3.4:5] AH00128: File does not exist: /x"},
      {"nginx_combined", R"(10.0.0.1 - - [02/Jan/2024:03:04:05 +0000] "GET / HTTP/1.1" 200 0 )"
                         R"("-" "curl/8.5.0")"},
      {"nginx_error", R"(2024/01/02 05:04:05 [error] 1#2: *7 open() failed, client: 1.2.3.4, )"
                      R"(server: s, request: "GET /x HTTP/1.1", host: "e.com")"},
      {"envoy", R"([2016-04-15T20:17:00.310Z] "POST /a HTTP/2" 204 - 154 0 226 100 "1.2.3.4" )"
                R"("nsq2http" "cc21d9b0" "locations" "tcp://10.0.2.1:80")"},
      {"istio", R"({"start_time":"2020-11-25T21:26:18.409Z","method":"GET","response_code":418,)"
                R"("upstream_service_time":"4","x_forwarded_for":null})"},
      {"linkerd", R"({"timestamp":"[     0.002362s]","level":"INFO","fields":{"message":"m",)"
                  R"x("n":3},"target":"linkerd2_proxy","threadId":"ThreadId(1)"})x"},
  };
  for (const auto& [format, line] : cases) {
    ParseHarness h({{"format", Str(format)}});
    const std::vector<std::string> lines(200, line);
    EXPECT_EQ(AllocationsOfSecondRun(h, MakeBatch(lines)), 0) << format;
    EXPECT_EQ(h.parse_errors(), 0u) << format;
  }
}

TEST(ParseThreads, OneFilterOnSeveralThreads) {
  ParseHarness h({{"time_key", Str("t")}, {"time_format", Str("unix")}});
  constexpr int kThreads = 4;
  constexpr int kEvents = 300;
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::string> lines;
      for (int i = 0; i < kEvents; ++i) {
        lines.push_back(R"({"t":)" + std::to_string(1000 * t + i) + R"(,"s":"thread )" +
                        std::to_string(t) + R"(","a":[)" + std::to_string(i) + "]}");
      }
      const Batch batch = MakeBatch(lines);
      EventBatch events;
      for (int round = 0; round < 20; ++round) {
        if (!events.Decode(batch).ok()) {
          ++wrong;
          return;
        }
        h.Run(events);
        for (int i = 0; i < kEvents; ++i) {
          const Event& e = events[i];
          const Value* s = e.Find("s");
          if (e.time.sec != static_cast<uint32_t>(1000 * t + i) || s == nullptr ||
              s->bytes != "thread " + std::to_string(t) ||
              filters_testing::ValueJson(*e.Find("a")) != "[" + std::to_string(i) + "]") {
            ++wrong;
          }
        }
      }
    });
  }
  for (std::thread& th : threads) {
    th.join();
  }
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(h.parse_errors(), 0u);
}

}  // namespace
}  // namespace runnel::plugins::parse
