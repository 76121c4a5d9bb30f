// The admin API of the real runnel-agent and runnel-aggregator ([api] address = "127.0.0.1:0"):
// exact counts in /metrics after a generate run, Debian's promtool on the body, /health and
// /ready (a dead forward server makes /health 503, and /ready is 503 while the drain waits for
// it), a port in use is a start-up error, and docs/operations.md lists every metric family
// /metrics renders, with its type, and no other.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "tests/testing/capture_emitter.h"  // PollUntil
#include "tests/testing/file_helpers.h"
#include "tests/testing/http_client.h"
#include "tests/testing/loopback.h"
#include "tests/testing/process.h"
#include "tests/testing/runnel_binary.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {
namespace {

using std::chrono::seconds;

constexpr int kEvents = 2500;

bool HavePromtool() { return std::filesystem::exists("/usr/bin/promtool"); }

// family name -> type, from the "# TYPE" lines of Prometheus text.
std::map<std::string, std::string> Families(const std::string& metrics) {
  std::map<std::string, std::string> out;
  std::istringstream in(metrics);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("# TYPE ")) {
      std::istringstream words(line.substr(7));
      std::string name, type;
      words >> name >> type;
      out[name] = type;
    }
  }
  return out;
}

class ApiTest : public ::testing::TestWithParam<std::string_view> {
 protected:
  void SetUp() override { ASSERT_TRUE(RunnelBinariesFound()) << kRunnelBinariesNotFound; }

  // Starts the binary on `body` (after data_dir and [api]); returns the API's port, 0 on failure.
  uint16_t Start(const std::string& body, const std::string& api_extra = "") {
    const std::string config = tmp_.Path("pipeline.toml");
    EXPECT_TRUE(WriteFile(config, "data_dir = \"" + tmp_.Path("data") +
                                      "\"\nshutdown_timeout = \"3s\"\n[api]\n"
                                      "address = \"127.0.0.1:0\"\n" +
                                      api_extra + body));
    Result<Process> p = Process::Spawn(
        {{RunnelBinaryPath(GetParam()), "-c", config}, "", tmp_.Path("stderr"), tmp_.path()});
    EXPECT_TRUE(p.has_value()) << p.error().ToString();
    if (!p.has_value()) {
      return 0;
    }
    process_ = std::move(*p);
    const uint16_t port = WaitForLoggedPort(tmp_.Path("stderr"), "api", process_);
    EXPECT_NE(port, 0) << Stderr();
    return port;
  }
  std::string Stderr() const { return ReadFileOrEmpty(tmp_.Path("stderr")); }
  // Polls /metrics until `series` has `value`; returns the last body.
  std::string WaitForSample(uint16_t port, const std::string& series, double value) {
    std::string body;
    PollUntil(
        [&] {
          body = HttpGet(port, "/metrics").body;
          return SampleValue(body, series) == value;
        },
        seconds(60));
    return body;
  }
  // Polls GET `path` until it answers `status`; returns the last reply.
  static HttpReply WaitForStatus(uint16_t port, const std::string& path, int status,
                                 std::chrono::milliseconds timeout) {
    HttpReply reply;
    PollUntil(
        [&] {
          reply = HttpGet(port, path);
          return reply.status == status;
        },
        timeout);
    return reply;
  }
  std::string Stop() {
    EXPECT_TRUE(process_.Signal(SIGTERM).ok());
    Result<ExitStatus> st = process_.Wait(seconds(30));
    EXPECT_TRUE(st.has_value()) << Stderr();
    return st.has_value() ? st->ToString() : "";
  }

  TempDir tmp_;
  Process process_;
};

TEST_P(ApiTest, MetricsCountEveryEventAndPassPromtool) {
  const uint16_t port =
      Start("[inputs.gen]\ntype = \"generate\"\nrate = 0\nbatch_max_events = 100\ncount = " +
            std::to_string(kEvents) +
            "\nexit_on_count = false\n"
            "[outputs.out]\ntype = \"null\"\ninputs = [\"gen\"]\n"
            "[outputs.archive]\ntype = \"file\"\ninputs = [\"gen\"]\npath = \"" +
            tmp_.Path("out.jsonl") + "\"\n");
  ASSERT_NE(port, 0);
  // Exact values: every event emitted once, taken in and delivered by both outputs, nothing
  // waiting (a disk buffer's gauges follow within its 200 ms tick), dropped, rejected or retried.
  const std::vector<std::pair<std::string, double>> expected = {
      {R"(runnel_events_out_total{component="inputs.gen"})", kEvents},
      {R"(runnel_events_in_total{component="outputs.out"})", kEvents},
      {R"(runnel_events_out_total{component="outputs.out"})", kEvents},
      {R"(runnel_events_in_total{component="outputs.archive"})", kEvents},
      {R"(runnel_events_out_total{component="outputs.archive"})", kEvents},
      {R"(runnel_events_dropped_total{component="outputs.out"})", 0},
      {R"(runnel_retries_total{component="outputs.archive"})", 0},
      {R"(runnel_dead_letters_total{component="outputs.out"})", 0},
      {R"(runnel_buffer_batches{component="outputs.out"})", 0},
      {R"(runnel_buffer_batches{component="outputs.archive"})", 0},
      {R"(runnel_memory_budget_used_bytes)", 0},
      {R"(runnel_memory_budget_limit_bytes)", 256 << 20},
  };
  std::string m;
  PollUntil(
      [&] {
        m = HttpGet(port, "/metrics").body;
        for (const auto& [series, value] : expected) {
          if (SampleValue(m, series) != value) {
            return false;
          }
        }
        return true;
      },
      seconds(60));
  for (const auto& [series, value] : expected) {
    EXPECT_EQ(SampleValue(m, series), value) << series << "\n" << m;
  }
  EXPECT_EQ(SampleValue(m, R"(runnel_bytes_in_total{component="outputs.out"})"),
            SampleValue(m, R"(runnel_bytes_out_total{component="outputs.out"})"));
  EXPECT_GT(*SampleValue(m, R"(runnel_bytes_out_total{component="outputs.out"})"), 0);
  EXPECT_GT(*SampleValue(m, "process_resident_memory_bytes"), 1e6);
  // runnel_build_info names the version --version prints.
  CommandResult version = RunToExit({RunnelBinaryPath(GetParam()), "--version"}, "", tmp_);
  const std::string v =
      version.out.substr(version.out.find(' ') + 1, version.out.size() - version.out.find(' ') - 2);
  EXPECT_EQ(SampleValue(m, R"(runnel_build_info{version=")" + v + R"("})"), 1) << m;

  HttpReply health = HttpGet(port, "/health");
  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_TRUE(health.body.starts_with(
      R"({"status":"ok","outputs":{"outputs.out":{"pending_batches":0,"last_delivery_seconds_ago":)"))
      << health.body;
  HttpReply ready = HttpGet(port, "/ready");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, "{\"status\":\"ready\"}\n");
  HttpReply head = HttpGet(port, "/metrics", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.Header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_GT(std::stoul(head.Header("content-length")), 1000u);

  if (HavePromtool()) {
    ASSERT_TRUE(WriteFile(tmp_.Path("metrics.txt"), HttpGet(port, "/metrics").body));
    CommandResult lint = RunToExit(
        {"/bin/sh", "-c", "promtool check metrics < " + tmp_.Path("metrics.txt")}, "", tmp_);
    EXPECT_EQ(lint.status.ToString(), "exit 0") << lint.out << lint.err;
    EXPECT_EQ(lint.out + lint.err, "");  // no lint warnings either
  }
  EXPECT_EQ(Stop(), "exit 0") << Stderr();
  if (!HavePromtool()) {
    GTEST_SKIP() << "promtool (Debian package prometheus, installed by packaging/deps) is not "
                    "installed: the metrics were not linted";
  }
}

TEST_P(ApiTest, ADeadForwardServerMakesHealth503AndReadyIs503DuringTheDrain) {
  const uint16_t dead = FreeLoopbackPort();  // nothing listens there
  const uint16_t port = Start(
      "[inputs.gen]\ntype = \"generate\"\nrate = 0\ncount = 10\nexit_on_count = false\n"
      "[outputs.fwd]\ntype = \"forward\"\ninputs = [\"gen\"]\nservers = [\"127.0.0.1:" +
          std::to_string(dead) + "\"]\n",
      "health_window = \"1s\"\n");
  ASSERT_NE(port, 0);
  HttpReply health = WaitForStatus(port, "/health", 503, seconds(30));
  ASSERT_EQ(health.status, 503) << health.body;
  const std::string prefix =
      R"({"status":"unhealthy","outputs":{"outputs.fwd":{"reason":"nothing delivered for )";
  EXPECT_TRUE(health.body.starts_with(prefix)) << health.body;
  EXPECT_NE(health.body.find(R"(s with 1 batch waiting","pending_batches":1,"stalled_seconds":)"),
            std::string::npos)
      << health.body;
  EXPECT_TRUE(health.body.ends_with(",\"last_delivery_seconds_ago\":null}}}\n")) << health.body;
  EXPECT_EQ(health.Header("content-type"), "application/json");
  std::string m = HttpGet(port, "/metrics").body;
  EXPECT_EQ(SampleValue(m, R"(runnel_forward_replicas_down{component="outputs.fwd"})"), 1) << m;
  EXPECT_EQ(
      SampleValue(m, R"(runnel_forward_replica_up{component="outputs.fwd",address="127.0.0.1:)" +
                         std::to_string(dead) + "\"}"),
      0)
      << m;
  EXPECT_EQ(HttpGet(port, "/ready").status, 200);  // not ready is not the same as unhealthy

  // SIGTERM: the drain waits for the dead server (shutdown_timeout = 3s), /ready says so.
  ASSERT_TRUE(process_.Signal(SIGTERM).ok());
  HttpReply ready = WaitForStatus(port, "/ready", 503, seconds(5));
  ASSERT_EQ(ready.status, 503) << Stderr();
  EXPECT_EQ(ready.body, "{\"status\":\"draining\"}\n");
  Result<ExitStatus> st = process_.Wait(seconds(30));
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->ToString(), "exit 0") << Stderr();
  EXPECT_FALSE(HttpConnection(port).connected());  // the API stops with the process
}

TEST_P(ApiTest, APortInUseIsAClearStartUpError) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = LoopbackAddress(0);
  socklen_t len = sizeof(a);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  const std::string address = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  const std::string config = tmp_.Path("pipeline.toml");
  ASSERT_TRUE(WriteFile(config, "data_dir = \"" + tmp_.Path("data") + "\"\n[api]\naddress = \"" +
                                    address +
                                    "\"\n[inputs.gen]\ntype = \"generate\"\n"
                                    "[outputs.out]\ntype = \"null\"\ninputs = [\"gen\"]\n"));
  CommandResult r = RunToExit({RunnelBinaryPath(GetParam()), "-c", config}, "", tmp_);
  close(fd);
  EXPECT_EQ(r.status.ToString(), "exit 1");
  EXPECT_NE(r.err.find("start-up failed: api.address \"" + address + "\": listen on " + address +
                       ": Address already in use\n"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("runnel started"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(tmp_.Path("data")));  // nothing was started
}

TEST_P(ApiTest, OperationsDocListsEveryMetricFamilyWithItsType) {
  // A pipeline with every kind of component that has metrics of its own: tail, parse, the
  // forward input and output (to that input), a disk buffer, and the http, socket, syslog and
  // journald inputs (idle).
  const uint16_t fwd_port = FreeLoopbackPort();
  ASSERT_EQ(mkdir(tmp_.Path("journal").c_str(), 0755), 0);
  ASSERT_TRUE(WriteFile(tmp_.Path("app.log"), "{\"a\":1}\nnot json\n"));
  const uint16_t port =
      Start("[inputs.app]\ntype = \"tail\"\npaths = [\"" + tmp_.Path("app.log") +
            "\"]\nread_from = \"head\"\n"
            "[filters.json]\ntype = \"parse\"\ninputs = [\"app\"]\nformat = \"json\"\n"
            "[inputs.fwd]\ntype = \"forward\"\nhost = \"127.0.0.1\"\nport = " +
            std::to_string(fwd_port) +
            "\n[outputs.ship]\ntype = \"forward\"\ninputs = [\"json\"]\nservers = [\"127.0.0.1:" +
            std::to_string(fwd_port) +
            "\"]\n"
            "[inputs.web]\ntype = \"http\"\nhost = \"127.0.0.1\"\nport = 0\n"
            "[inputs.lines]\ntype = \"tcp\"\nhost = \"127.0.0.1\"\nport = 0\n"
            "[inputs.sys]\ntype = \"syslog\"\nhost = \"127.0.0.1\"\nport = 0\n"
            "[inputs.journal]\ntype = \"journald\"\ndirectory = \"" +
            tmp_.Path("journal") +
            "\"\n"
            "[outputs.store]\ntype = \"null\"\ninputs = [\"fwd\", \"web\", \"lines\", \"sys\", "
            "\"journal\"]\nbuffer.type = \"disk\"\n");
  ASSERT_NE(port, 0);
  // The aggregator side stores the batch, then acknowledges it: the sender observes the ack's
  // latency a moment after the store's count moved, so wait for both.
  (void)WaitForSample(port, R"(runnel_events_out_total{component="outputs.store"})", 2);
  std::string m = WaitForSample(
      port, R"(runnel_forward_ack_latency_seconds_count{component="outputs.ship"})", 1);
  EXPECT_EQ(SampleValue(m, R"(runnel_events_out_total{component="outputs.store"})"), 2) << m;
  EXPECT_EQ(SampleValue(m, R"(runnel_forward_ack_latency_seconds_count{component="outputs.ship"})"),
            1)
      << m;
  EXPECT_EQ(SampleValue(m, R"(runnel_parse_errors_total{component="filters.json"})"), 1);
  const std::map<std::string, std::string> rendered = Families(m);

  const std::string doc =
      ReadFileOrEmpty(std::string(std::getenv("RUNNEL_SOURCE_DIR")) + "/docs/operations.md");
  ASSERT_FALSE(doc.empty());
  // Rows of the metrics table: | `runnel_x_total` | counter | ... |
  std::map<std::string, std::string> documented;
  std::istringstream in(doc);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("| `")) {
      continue;
    }
    const size_t end = line.find('`', 3);
    const size_t type_start = line.find("| ", end) + 2;
    const std::string type = line.substr(type_start, line.find(' ', type_start) - type_start);
    if (type == "counter" || type == "gauge" || type == "histogram") {
      documented[line.substr(3, end - 3)] = type;
    }
  }
  for (const auto& [name, type] : rendered) {
    EXPECT_EQ(documented[name], type) << name << " is rendered as a " << type;
  }
  for (const auto& [name, type] : documented) {
    EXPECT_TRUE(rendered.contains(name)) << name << " is documented but not rendered";
  }
  EXPECT_EQ(Stop(), "exit 0") << Stderr();
}

INSTANTIATE_TEST_SUITE_P(Binaries, ApiTest, ::testing::ValuesIn(kRunnelBinaries),
                         [](const auto& info) { return BinaryTestName(info.param); });

}  // namespace
}  // namespace runnel::testing
