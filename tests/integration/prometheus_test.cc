// A real Prometheus (the Debian package) scrapes runnel-agent's and runnel-aggregator's /metrics
// every second; the value read back through Prometheus's HTTP API is the exact number of events
// delivered. Skipped, saying so, where prometheus is not installed (packaging/deps installs it).
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

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

constexpr char kPrometheus[] = "/usr/bin/prometheus";
constexpr int kEvents = 4321;

// The value of the first sample of a Prometheus instant-query response:
// {"status":"success","data":{"resultType":"vector","result":[{"metric":{...},"value":[t,"v"]}]}}
std::string FirstValue(const std::string& json) {
  const size_t value = json.find("\"value\":[");
  if (value == std::string::npos) {
    return "";
  }
  const size_t open = json.find(",\"", value);
  const size_t close = open == std::string::npos ? open : json.find('"', open + 2);
  return close == std::string::npos ? "" : json.substr(open + 2, close - open - 2);
}

class PrometheusTest : public ::testing::TestWithParam<std::string_view> {
 protected:
  void TearDown() override {
    for (Process* p : {&prometheus_, &runnel_}) {
      if (p->running()) {
        (void)p->Signal(SIGTERM);
        if (!p->Wait(seconds(10)).has_value()) {
          p->Kill();
        }
      }
    }
  }

  TempDir tmp_;
  Process runnel_;
  Process prometheus_;
};

TEST_P(PrometheusTest, ScrapesTheExactDeliveredCount) {
  if (!std::filesystem::exists(kPrometheus)) {
    GTEST_SKIP() << kPrometheus
                 << " is not installed (Debian package prometheus; packaging/deps installs it)";
  }
  ASSERT_TRUE(RunnelBinariesFound()) << kRunnelBinariesNotFound;
  const std::string config = tmp_.Path("runnel.toml");
  ASSERT_TRUE(WriteFile(config, "data_dir = \"" + tmp_.Path("data") +
                                    "\"\n[api]\naddress = \"127.0.0.1:0\"\n"
                                    "[inputs.gen]\ntype = \"generate\"\nrate = 0\ncount = " +
                                    std::to_string(kEvents) +
                                    "\nexit_on_count = false\n"
                                    "[outputs.x]\ntype = \"null\"\ninputs = [\"gen\"]\n"));
  Result<Process> r = Process::Spawn(
      {{RunnelBinaryPath(GetParam()), "-c", config}, "", tmp_.Path("runnel.err"), tmp_.path()});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  runnel_ = std::move(*r);
  const uint16_t api = WaitForLoggedPort(tmp_.Path("runnel.err"), "api", runnel_);
  ASSERT_NE(api, 0) << ReadFileOrEmpty(tmp_.Path("runnel.err"));

  const uint16_t web = FreeLoopbackPort();
  ASSERT_TRUE(WriteFile(tmp_.Path("prometheus.yml"),
                        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                        "scrape_configs:\n  - job_name: runnel\n    static_configs:\n"
                        "      - targets: [\"127.0.0.1:" +
                            std::to_string(api) + "\"]\n"));
  Result<Process> p = Process::Spawn({{kPrometheus, "--config.file=" + tmp_.Path("prometheus.yml"),
                                       "--storage.tsdb.path=" + tmp_.Path("tsdb"),
                                       "--web.listen-address=127.0.0.1:" + std::to_string(web)},
                                      "",
                                      tmp_.Path("prometheus.err"),
                                      tmp_.path()});
  ASSERT_TRUE(p.has_value()) << p.error().ToString();
  prometheus_ = std::move(*p);

  // up{job="runnel"} == 1 once a scrape succeeded; then the counter reaches the count.
  auto query = [&](const std::string& escaped) {
    return FirstValue(HttpGet(web, "/api/v1/query?query=" + escaped).body);
  };
  EXPECT_TRUE(PollUntil([&] { return query("up%7Bjob%3D%22runnel%22%7D") == "1"; }, seconds(60)))
      << ReadFileOrEmpty(tmp_.Path("prometheus.err"));
  std::string value;
  EXPECT_TRUE(PollUntil(
      [&] {
        value = query("runnel_events_out_total%7Bcomponent%3D%22outputs.x%22%7D");
        return value == std::to_string(kEvents);
      },
      seconds(60)))
      << "last value read back: \"" << value << "\"\n"
      << ReadFileOrEmpty(tmp_.Path("prometheus.err"));
  EXPECT_EQ(value, std::to_string(kEvents));
  // The build info and the process metrics arrive too.
  EXPECT_EQ(query("runnel_build_info"), "1");
  EXPECT_NE(query("process_resident_memory_bytes"), "");
}

INSTANTIATE_TEST_SUITE_P(Binaries, PrometheusTest, ::testing::ValuesIn(kRunnelBinaries),
                         [](const auto& info) { return BinaryTestName(info.param); });

}  // namespace
}  // namespace runnel::testing
