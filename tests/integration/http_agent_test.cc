// runnel-agent's http input as an operator runs it: curl posts an object, gzip NDJSON and an
// array to the real binary, and each 200 means the file output already holds the events (no
// waiting: the answer comes after the output's acknowledgement), with their time from time_key,
// their tag and the client's address; SIGTERM then stops it cleanly.
#include <signal.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/plugins/inputs/http_test_util.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/loopback.h"
#include "tests/testing/process.h"
#include "tests/testing/runnel_binary.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {
namespace {

TEST(HttpAgentTest, EachAnswerComesAfterTheFileHasTheEvents) {
  if (!Installed(kCurl) || !Installed(kGzipCli)) {
    GTEST_SKIP() << "curl or gzip is not installed (Debian packages curl, gzip)";
  }
  const std::string agent = RunnelBinaryPath("runnel-agent");
  ASSERT_FALSE(agent.empty()) << kRunnelBinariesNotFound;
  TempDir dir;
  const std::string out = dir.Path("out.jsonl");
  const std::string stderr_path = dir.Path("agent.stderr");
  ASSERT_TRUE(WriteFile(dir.Path("agent.toml"),
                        "data_dir = \"" + dir.Path("data") +
                            "\"\nlog_level = \"info\"\n"
                            "[inputs.web]\ntype = \"http\"\nhost = \"127.0.0.1\"\nport = 0\n"
                            "time_key = \"t\"\ntime_format = \"unix\"\ntime_keep = false\n"
                            "source_address_key = \"ip\"\n"
                            "[outputs.o]\ntype = \"file\"\ninputs = [\"web\"]\n"
                            "time_format = \"unix\"\npath = \"" +
                            out + "\"\n"));
  Result<Process> proc =
      Process::Spawn({{agent, "-c", dir.Path("agent.toml")}, "", stderr_path, ""});
  ASSERT_TRUE(proc.has_value()) << proc.error().ToString();
  const uint16_t port = WaitForLoggedPort(stderr_path, "inputs.web", *proc);
  ASSERT_NE(port, 0) << ReadFileOrEmpty(stderr_path);
  const std::string base = "http://127.0.0.1:" + std::to_string(port);

  CurlReply one =
      Curl(dir, {"--data-binary", R"({"t":1700000000.5,"log":"one"})", base + "/app.one"});
  ASSERT_EQ(one.status, 200) << one.err << ReadFileOrEmpty(stderr_path);
  EXPECT_EQ(one.body, "{\"events\":1}\n");
  EXPECT_EQ(ReadFileOrEmpty(out),
            "{\"time\":1700000000.500000000,\"log\":\"one\",\"ip\":\"127.0.0.1\"}\n");

  std::string nd;
  for (int i = 0; i < 100; ++i) {
    nd +=
        "{\"t\":" + std::to_string(1700000100 + i) + ",\"log\":\"nd " + std::to_string(i) + "\"}\n";
  }
  ASSERT_TRUE(WriteFile(dir.Path("nd.json"), nd));
  ASSERT_EQ(RunToExit({kGzipCli, dir.Path("nd.json")}, "", dir).status.ToString(), "exit 0");
  CurlReply gz = Curl(dir, {"--data-binary", "@" + dir.Path("nd.json.gz"), "-H",
                            "Content-Encoding: gzip", base + "/app.nd"});
  ASSERT_EQ(gz.status, 200) << gz.body;
  EXPECT_EQ(gz.body, "{\"events\":100}\n");
  std::string want = "{\"time\":1700000000.500000000,\"log\":\"one\",\"ip\":\"127.0.0.1\"}\n";
  for (int i = 0; i < 100; ++i) {
    want += "{\"time\":" + std::to_string(1700000100 + i) + ".000000000,\"log\":\"nd " +
            std::to_string(i) + "\",\"ip\":\"127.0.0.1\"}\n";
  }
  EXPECT_EQ(ReadFileOrEmpty(out), want);

  CurlReply bad = Curl(dir, {"--data-binary", "[{\"log\":1},", base + "/app"});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, "400 Bad Request: the array does not end\n");
  EXPECT_EQ(ReadFileOrEmpty(out), want);

  ASSERT_TRUE(proc->Signal(SIGTERM).ok());
  Result<ExitStatus> exit = proc->Wait(std::chrono::seconds(30));
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->ToString(), "exit 0") << ReadFileOrEmpty(stderr_path);
}

}  // namespace
}  // namespace runnel::testing
