// Unit tests of the multiline grouping (plugins/inputs/tail/multiline.h): every built-in on
// real-looking traces interleaved with ordinary lines, the regex modes, the flush timeout, the
// max_lines / max_bytes splits and the offsets each record covers.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/inputs/tail/multiline.h"

namespace runnel::plugins::tail {
namespace {

using Clock = MultilineGrouper::Clock;
using std::chrono::milliseconds;

struct Out {
  std::string text;
  uint64_t start;
  uint64_t end;
  uint32_t lines;
  bool split;
  int64_t time_ns;
};

class Collect : public GroupSink {
 public:
  void OnRecord(const GroupedRecord& r) override {
    out.push_back(Out{std::string(r.text), r.start, r.end, r.lines, r.split, r.time.ToNanos()});
  }
  std::vector<std::string> Texts() const {
    std::vector<std::string> t;
    for (const Out& o : out) {
      t.push_back(o.text);
    }
    return t;
  }
  std::vector<Out> out;
};

std::shared_ptr<const MultilineRules> Rules(MultilineOptions o) {
  Result<std::shared_ptr<const MultilineRules>> r = MultilineRules::Compile(o);
  EXPECT_TRUE(r.has_value()) << r.error().ToString();
  return r.value_or(nullptr);
}
std::shared_ptr<const MultilineRules> Builtin(MultilineParser p) {
  MultilineOptions o;
  o.parser = p;
  return Rules(o);
}

// Feeds `text` line by line (split at '\n'; the last line must end with one), each line's
// offsets as in a file holding exactly `text`, one millisecond apart; then finishes.
class Feeder {
 public:
  explicit Feeder(std::shared_ptr<const MultilineRules> rules) : grouper(std::move(rules)) {}
  void Feed(const std::string& text) {
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      ASSERT_NE(nl, std::string::npos) << "the text must end with a newline";
      GroupLine line{std::string_view(text).substr(pos, nl - pos),
                     EventTime::FromNanos(1'000'000'000 + offset_), offset_,
                     offset_ + (nl - pos) + 1};
      offset_ = line.end;
      now += milliseconds(1);
      grouper.Add(line, now, sink);
      pos = nl + 1;
    }
  }
  std::vector<std::string> Finish() {
    grouper.Finish(sink);
    return sink.Texts();
  }
  MultilineGrouper grouper;
  Collect sink;
  Clock::time_point now{};

 private:
  uint64_t offset_ = 0;
};

const std::string kJavaTrace =
    "Exception in thread \"main\" java.lang.IllegalStateException: connection pool exhausted\n"
    "\tat com.acme.db.Pool.acquire(Pool.java:118)\n"
    "\tat com.acme.db.Repository.find(Repository.java:42)\n"
    "\tat com.acme.Main.main(Main.java:17)\n"
    "Caused by: java.util.concurrent.TimeoutException: waited 30000 ms\n"
    "\tat java.base/java.util.concurrent.FutureTask.get(FutureTask.java:204)\n"
    "\tat com.acme.db.Pool.acquire(Pool.java:112)\n"
    "\t... 12 more\n";

TEST(MultilineTest, JavaTraceBetweenOrdinaryLines) {
  Feeder f(Builtin(MultilineParser::kJava));
  // The line before the trace is its message (it joins); the one before that is not.
  f.Feed("2026-12-03 19:00:00 INFO starting\n2026-12-03 19:00:00 ERROR failed\n" + kJavaTrace +
         "2026-12-03 19:00:01 INFO retrying\n");
  std::vector<std::string> got = f.Finish();
  std::string trace = kJavaTrace.substr(0, kJavaTrace.size() - 1);
  EXPECT_EQ(got, (std::vector<std::string>{"2026-12-03 19:00:00 INFO starting",
                                           "2026-12-03 19:00:00 ERROR failed\n" + trace,
                                           "2026-12-03 19:00:01 INFO retrying"}));
  ASSERT_EQ(f.sink.out.size(), 3u);
  EXPECT_EQ(f.sink.out[1].lines, 9u);
  EXPECT_EQ(f.sink.out[1].start, 34u);  // after the first line and its newline
  EXPECT_EQ(f.sink.out[1].end, 34u + 33u + kJavaTrace.size());
  EXPECT_EQ(f.sink.out[1].time_ns, 1'000'000'000 + 34);  // its first line's
  EXPECT_EQ(f.grouper.splits(), 0u);
}

TEST(MultilineTest, JavaMessageLineJoinsTheTraceAfterIt) {
  Feeder f(Builtin(MultilineParser::kJava));
  f.Feed(
      "ERROR [main] c.a.Service - request failed\n"
      "java.lang.NullPointerException: name\n"
      "\tat com.acme.Service.handle(Service.java:55)\n"
      "  Suppressed: java.io.IOException: close failed\n"
      "\t\tat com.acme.Io.close(Io.java:9)\n"
      "\t... 3 common frames omitted\n"
      "INFO next request\n"
      "INFO and another\n");
  EXPECT_EQ(f.Finish(),
            (std::vector<std::string>{"ERROR [main] c.a.Service - request failed\n"
                                      "java.lang.NullPointerException: name\n"
                                      "\tat com.acme.Service.handle(Service.java:55)\n"
                                      "  Suppressed: java.io.IOException: close failed\n"
                                      "\t\tat com.acme.Io.close(Io.java:9)\n"
                                      "\t... 3 common frames omitted",
                                      "INFO next request", "INFO and another"}));
}

TEST(MultilineTest, PythonTracebackWithChainedException) {
  const std::string trace =
      "Traceback (most recent call last):\n"
      "  File \"/app/worker.py\", line 12, in load\n"
      "    return json.loads(raw)\n"
      "           ^^^^^^^^^^^^^^^\n"
      "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)\n"
      "\n"
      "During handling of the above exception, another exception occurred:\n"
      "\n"
      "Traceback (most recent call last):\n"
      "  File \"/app/worker.py\", line 30, in <module>\n"
      "    main()\n"
      "ValueError: bad payload\n";
  Feeder f(Builtin(MultilineParser::kPython));
  // The empty line after it might have begun a chained traceback: taken, then dropped.
  f.Feed("INFO:root:loading\n" + trace + "\nINFO:root:done\n");
  EXPECT_EQ(f.Finish(),
            (std::vector<std::string>{"INFO:root:loading\n" + trace.substr(0, trace.size() - 1),
                                      "INFO:root:done"}));
}

TEST(MultilineTest, PythonTrailingEmptyLineIsDroppedWhenNoChainFollows) {
  Feeder f(Builtin(MultilineParser::kPython));
  f.Feed(
      "Traceback (most recent call last):\n"
      "  File \"main.py\", line 3, in <module>\n"
      "    raise KeyError('k')\n"
      "KeyError: 'k'\n"
      "\n"
      "next line\n");
  EXPECT_EQ(f.Finish(), (std::vector<std::string>{"Traceback (most recent call last):\n"
                                                  "  File \"main.py\", line 3, in <module>\n"
                                                  "    raise KeyError('k')\n"
                                                  "KeyError: 'k'",
                                                  "next line"}));
  EXPECT_EQ(f.sink.out[0].lines, 5u);  // the empty line is covered, not emitted
  EXPECT_EQ(f.sink.out[1].start, f.sink.out[0].end);
}

TEST(MultilineTest, GoPanicWithTwoGoroutines) {
  const std::string panic =
      "panic: runtime error: index out of range [5] with length 3\n"
      "\n"
      "goroutine 1 [running]:\n"
      "main.lookup(...)\n"
      "\t/src/app/main.go:14\n"
      "main.(*Server).Handle(0xc000010000, {0x4b8a2e, 0x5})\n"
      "\t/src/app/main.go:22 +0x1d\n"
      "\n"
      "goroutine 7 [chan receive]:\n"
      "main.worker(0xc00001c0c0)\n"
      "\t/src/app/worker.go:9 +0x45\n"
      "created by main.main in goroutine 1\n"
      "\t/src/app/main.go:30 +0x6f\n"
      "exit status 2\n";
  Feeder f(Builtin(MultilineParser::kGo));
  f.Feed("listening on :8080\n" + panic);
  // The group ends at "exit status 2" without waiting for the next line.
  ASSERT_EQ(f.sink.out.size(), 2u);
  f.Feed("restarted\n");
  EXPECT_EQ(f.Finish(), (std::vector<std::string>{"listening on :8080",
                                                  panic.substr(0, panic.size() - 1), "restarted"}));
}

TEST(MultilineTest, GoPanicEndsAtAnOrdinaryLine) {
  Feeder f(Builtin(MultilineParser::kGo));
  f.Feed(
      "panic: boom [recovered]\n"
      "\tpanic: boom\n"
      "\n"
      "goroutine 1 [running]:\n"
      "main.main()\n"
      "\t/src/main.go:8 +0x1d\n"
      "\n"
      "2026/12/03 19:00:00 service started (pid 42)\n");
  EXPECT_EQ(f.Finish(),
            (std::vector<std::string>{"panic: boom [recovered]\n\tpanic: boom\n\ngoroutine 1 "
                                      "[running]:\nmain.main()\n\t/src/main.go:8 +0x1d",
                                      "2026/12/03 19:00:00 service started (pid 42)"}));
}

TEST(MultilineTest, RubyBacktrace) {
  Feeder f(Builtin(MultilineParser::kRuby));
  f.Feed(
      "I, [2026-12-03T19:00:00] INFO -- : job 7\n"
      "app.rb:12:in 'Integer#/': divided by 0 (ZeroDivisionError)\n"
      "\tfrom app.rb:12:in 'Calc#divide'\n"
      "\tfrom app.rb:20:in '<main>'\n"
      "/usr/lib/ruby/3.1.0/json/common.rb:216:in `parse': unexpected token (JSON::ParserError)\n"
      "\tfrom /usr/lib/ruby/3.1.0/json/common.rb:216:in `parse'\n"
      "\t ... 4 levels...\n"
      "I, [2026-12-03T19:00:01] INFO -- : job 8\n");
  EXPECT_EQ(f.Finish(), (std::vector<std::string>{
                            "I, [2026-12-03T19:00:00] INFO -- : job 7",
                            "app.rb:12:in 'Integer#/': divided by 0 (ZeroDivisionError)\n"
                            "\tfrom app.rb:12:in 'Calc#divide'\n"
                            "\tfrom app.rb:20:in '<main>'",
                            "/usr/lib/ruby/3.1.0/json/common.rb:216:in `parse': unexpected token "
                            "(JSON::ParserError)\n"
                            "\tfrom /usr/lib/ruby/3.1.0/json/common.rb:216:in `parse'\n"
                            "\t ... 4 levels...",
                            "I, [2026-12-03T19:00:01] INFO -- : job 8"}));
}

TEST(MultilineTest, DotnetInnerException) {
  const std::string trace =
      "Unhandled exception. System.InvalidOperationException: Order 17 cannot be shipped\n"
      " ---> System.ArgumentNullException: Value cannot be null. (Parameter 'address')\n"
      "   at Shop.Orders.Validate(Order order) in /src/Shop/Orders.cs:line 41\n"
      "   --- End of inner exception stack trace ---\n"
      "   at Shop.Orders.Ship(Int32 id) in /src/Shop/Orders.cs:line 58\n"
      "--- End of stack trace from previous location ---\n"
      "   at Shop.Program.Main(String[] args) in /src/Shop/Program.cs:line 12\n";
  Feeder f(Builtin(MultilineParser::kDotnet));
  f.Feed("info: Shop.Program[0] started\n" + trace + "info: Shop.Program[0] stopped\n");
  EXPECT_EQ(f.Finish(), (std::vector<std::string>{"info: Shop.Program[0] started",
                                                  trace.substr(0, trace.size() - 1),
                                                  "info: Shop.Program[0] stopped"}));
}

TEST(MultilineTest, RegexContinueMode) {
  MultilineOptions o;
  o.start = R"(^\d{4}-\d{2}-\d{2} )";
  o.cont = R"(^\s)";
  Feeder f(Rules(o));
  f.Feed(
      "  orphan continuation\n"
      "  and its second line\n"
      "stray line\n"
      "2026-12-03 one\n"
      "  detail a\n"
      "  detail b\n"
      "2026-12-03 two\n");
  EXPECT_EQ(f.Finish(),
            (std::vector<std::string>{"  orphan continuation\n  and its second line", "stray line",
                                      "2026-12-03 one\n  detail a\n  detail b", "2026-12-03 two"}));
}

TEST(MultilineTest, RegexContinueWithoutStart) {
  MultilineOptions o;
  o.cont = R"(^\s)";
  Feeder f(Rules(o));
  f.Feed("a\n b\nc\nd\n e\n");
  EXPECT_EQ(f.Finish(), (std::vector<std::string>{"a\n b", "c", "d\n e"}));
}

TEST(MultilineTest, RegexNotStartMode) {
  MultilineOptions o;
  o.mode = MultilineMode::kNotStart;
  o.start = R"(^\[)";
  Feeder f(Rules(o));
  f.Feed("before\n[1] a\nx\ny\n[2] b\n[3] c\nz\n");
  EXPECT_EQ(f.Finish(), (std::vector<std::string>{"before", "[1] a\nx\ny", "[2] b", "[3] c\nz"}));
}

TEST(MultilineTest, RegexErrorsNameThePattern) {
  MultilineOptions o;
  o.start = "(";
  o.cont = "^x";
  Result<std::shared_ptr<const MultilineRules>> r = MultilineRules::Compile(o);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "multiline.start: does not compile: missing ): (");
  o.start = "";
  o.cont = "";
  r = MultilineRules::Compile(o);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(),
            "multiline.continue is required when multiline.parser = \"regex\" and "
            "multiline.mode = \"continue\"");
  o.mode = MultilineMode::kNotStart;
  r = MultilineRules::Compile(o);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "multiline.start is required when multiline.mode = \"not_start\"");
}

TEST(MultilineTest, FlushTimeoutEmitsThePendingGroup) {
  MultilineOptions o;
  o.parser = MultilineParser::kJava;
  o.flush_timeout = milliseconds(500);
  MultilineGrouper g(Rules(o));
  Collect sink;
  Clock::time_point t0{};
  g.Add(GroupLine{"java.lang.RuntimeException: x", EventTime::FromNanos(5), 0, 30}, t0, sink);
  g.Add(GroupLine{"\tat A.b(A.java:1)", EventTime::FromNanos(6), 30, 48}, t0 + milliseconds(300),
        sink);
  EXPECT_TRUE(g.pending());
  EXPECT_EQ(g.pending_start(), 0u);
  EXPECT_FALSE(g.Tick(t0 + milliseconds(799), sink));  // 499 ms since the last line joined
  EXPECT_TRUE(sink.out.empty());
  EXPECT_TRUE(g.Tick(t0 + milliseconds(800), sink));
  ASSERT_EQ(sink.out.size(), 1u);
  EXPECT_EQ(sink.out[0].text, "java.lang.RuntimeException: x\n\tat A.b(A.java:1)");
  EXPECT_EQ(sink.out[0].end, 48u);
  EXPECT_EQ(sink.out[0].time_ns, 5);
  EXPECT_FALSE(g.pending());
  EXPECT_FALSE(g.Tick(t0 + milliseconds(5000), sink));
}

TEST(MultilineTest, MaxLinesSplitsAndTheRestStaysTogether) {
  MultilineOptions o;
  o.parser = MultilineParser::kJava;
  o.max_lines = 3;
  Feeder f(Rules(o));
  f.Feed(
      "java.lang.Error: deep\n"
      "\tat A.a(A.java:1)\n"
      "\tat A.b(A.java:2)\n"
      "\tat A.c(A.java:3)\n"
      "\tat A.d(A.java:4)\n"
      "\tat A.e(A.java:5)\n"
      "\tat A.f(A.java:6)\n"
      "\tat A.g(A.java:7)\n"
      "done\n");
  EXPECT_EQ(f.Finish(), (std::vector<std::string>{
                            "java.lang.Error: deep\n\tat A.a(A.java:1)\n\tat A.b(A.java:2)",
                            "\tat A.c(A.java:3)\n\tat A.d(A.java:4)\n\tat A.e(A.java:5)",
                            "\tat A.f(A.java:6)\n\tat A.g(A.java:7)", "done"}));
  EXPECT_EQ(f.grouper.splits(), 2u);
  EXPECT_TRUE(f.sink.out[0].split);
  EXPECT_TRUE(f.sink.out[1].split);
  EXPECT_FALSE(f.sink.out[2].split);
  EXPECT_EQ(f.sink.out[1].start, f.sink.out[0].end);
  EXPECT_EQ(f.sink.out[2].start, f.sink.out[1].end);
}

TEST(MultilineTest, MaxBytesSplits) {
  MultilineOptions o;
  o.cont = R"(^\s)";
  o.max_bytes = 10;
  Feeder f(Rules(o));
  f.Feed("abcd\n efg\n hij\n k\n");  // "abcd\n efg" is 9 bytes; adding " hij" would make 14
  EXPECT_EQ(f.Finish(), (std::vector<std::string>{"abcd\n efg", " hij\n k"}));
  EXPECT_EQ(f.grouper.splits(), 1u);
}

TEST(MultilineTest, OrdinaryLinesAreNotHeldByTheNonCandidateBuiltins) {
  Feeder f(Builtin(MultilineParser::kGo));
  f.Feed("one\ntwo\n");
  EXPECT_EQ(f.sink.Texts(), (std::vector<std::string>{"one", "two"}));  // before Finish
  EXPECT_FALSE(f.grouper.pending());
}

}  // namespace
}  // namespace runnel::plugins::tail
