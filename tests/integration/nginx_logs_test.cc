// The nginx scanners on what a real nginx writes: Debian's nginx (nginx-light) serving a
// directory of this test on loopback, curl sending the requests, and its access log (the
// predefined "combined" format) and error log read back.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "plugins/formats/web.h"
#include "tests/integration/web_server_support.h"
#include "tests/plugins/formats/format_test_util.h"
#include "tests/testing/capture_emitter.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/loopback.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace runnel::formats {
namespace {

constexpr const char* kNginx = "/usr/sbin/nginx";

using runnel::testing::kCurl;
using runnel::testing::ReadLines;

class NginxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kNginx, X_OK) != 0 || access(kCurl, X_OK) != 0) {
      GTEST_SKIP() << kNginx << " or " << kCurl << " is missing (Debian packages nginx-light, "
                   << "curl)";
    }
    port_ = runnel::testing::FreeLoopbackPort();
    ASSERT_EQ(mkdir(dir_.Path("www").c_str(), 0755), 0);
    ASSERT_TRUE(runnel::testing::WriteFile(dir_.Path("www/index.html"), "hello\n"));
    std::ostringstream conf;
    conf << "daemon off;\nmaster_process off;\nworker_processes 1;\n"
         << "pid " << dir_.Path("nginx.pid") << ";\n"
         << "error_log " << dir_.Path("error.log") << " error;\n"
         << "events { worker_connections 16; }\n"
         << "http {\n"
         << "  access_log " << dir_.Path("access.log") << " combined;\n"
         << "  client_body_temp_path " << dir_.Path("body") << ";\n"
         << "  proxy_temp_path " << dir_.Path("proxy") << ";\n"
         << "  fastcgi_temp_path " << dir_.Path("fastcgi") << ";\n"
         << "  server {\n"
         << "    listen 127.0.0.1:" << port_ << ";\n"
         << "    server_name localhost;\n"
         << "    root " << dir_.Path("www") << ";\n"
         << "  }\n"
         << "}\n";
    ASSERT_TRUE(runnel::testing::WriteFile(dir_.Path("nginx.conf"), conf.str()));
    runnel::testing::Process::Options options;
    options.argv = {
        kNginx, "-p", dir_.path(), "-e", dir_.Path("error.log"), "-c", dir_.Path("nginx.conf")};
    options.stderr_path = dir_.Path("nginx.err");
    runnel::testing::SpawnServer(options, port_, {dir_.Path("nginx.err"), dir_.Path("error.log")},
                                 &nginx_);
  }

  void Curl(const std::string& path) { runnel::testing::CurlGet(port_, path); }

  uint16_t port_ = 0;
  runnel::testing::TempDir dir_;
  runnel::testing::Process nginx_;
};

TEST_F(NginxTest, AccessAndErrorLogs) {
  const int64_t before = static_cast<int64_t>(std::time(nullptr));
  ASSERT_NO_FATAL_FAILURE(Curl("/index.html"));
  ASSERT_NO_FATAL_FAILURE(Curl("/missing?q=1"));
  ASSERT_TRUE(runnel::testing::PollUntil(
      [&] {
        return ReadLines(dir_.Path("access.log")).size() == 2 &&
               !ReadLines(dir_.Path("error.log")).empty();
      },
      std::chrono::seconds(30)));
  const std::vector<std::string> access = ReadLines(dir_.Path("access.log"));
  const std::string agent = R"(referer="http://ref.example/start" )"
                            R"x(user_agent="runnel-test/1.0 (x; y)")x";
  const Scanned ok = Scan("nginx_combined", access[0]);
  EXPECT_EQ(ok.error, "") << access[0];
  EXPECT_EQ(ok.fields, R"(client="127.0.0.1" method="GET" path="/index.html" )"
                       R"(protocol="HTTP/1.1" status=200 bytes=6 )" +
                           agent)
      << access[0];
  EXPECT_GE(int64_t{ok.time.sec}, before - 1);
  EXPECT_LE(int64_t{ok.time.sec}, static_cast<int64_t>(std::time(nullptr)) + 1);
  const Scanned missing = Scan("nginx_combined", access[1]);
  EXPECT_EQ(missing.error, "") << access[1];
  EXPECT_TRUE(missing.fields.starts_with(R"(client="127.0.0.1" method="GET" )"
                                         R"(path="/missing?q=1" protocol="HTTP/1.1" status=404 )"))
      << missing.fields;

  const std::string error_line = ReadLines(dir_.Path("error.log")).back();
  const Scanned error = Scan("nginx_error", error_line);
  EXPECT_EQ(error.error, "") << error_line;
  // One process (master_process off): pid and tid are the same. Connection 1 was the readiness
  // probe, 2 the first curl.
  const std::string pid = std::to_string(nginx_.pid());
  const std::string expected_prefix = "level=\"error\" pid=" + pid + " tid=" + pid +
                                      " connection=3 message=\"open() \\\"" + dir_.Path("www") +
                                      "/missing\\\" failed (2: No such file or directory)\" "
                                      "client=\"127.0.0.1\" server=\"localhost\" "
                                      "request=\"GET /missing?q=1 HTTP/1.1\" host=\"127.0.0.1:" +
                                      std::to_string(port_) + "\"";
  EXPECT_EQ(error.fields, expected_prefix + " referrer=\"http://ref.example/start\"") << error_line;
}

}  // namespace
}  // namespace runnel::formats
