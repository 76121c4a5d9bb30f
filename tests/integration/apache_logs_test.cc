// The Apache scanners on what a real Apache httpd writes: Debian's apache2-bin running one
// process (-X) on loopback with a minimal config of this test, curl sending the requests, and
// its access log (the "combined" LogFormat) and 2.4 error log read back.
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

constexpr const char* kApache = "/usr/sbin/apache2";
constexpr const char* kModules = "/usr/lib/apache2/modules";

using runnel::testing::kCurl;
using runnel::testing::ReadLines;

class ApacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kApache, X_OK) != 0 || access(kCurl, X_OK) != 0) {
      GTEST_SKIP() << kApache << " or " << kCurl << " is missing (Debian packages apache2-bin, "
                   << "curl)";
    }
    port_ = runnel::testing::FreeLoopbackPort();
    // httpd serves as "nobody": the directories must be searchable by others.
    ASSERT_EQ(chmod(dir_.path().c_str(), 0755), 0);
    ASSERT_EQ(mkdir(dir_.Path("www").c_str(), 0755), 0);
    ASSERT_TRUE(runnel::testing::WriteFile(dir_.Path("www/index.html"), "hello\n"));
    std::ostringstream conf;
    conf
        << "ServerRoot " << dir_.path() << "\n"
        << "ServerName localhost\n"
        << "LoadModule mpm_prefork_module " << kModules << "/mod_mpm_prefork.so\n"
        << "LoadModule authz_core_module " << kModules << "/mod_authz_core.so\n"
        << "Listen 127.0.0.1:" << port_ << "\n"
        << "PidFile " << dir_.Path("httpd.pid") << "\n"
        << "Mutex file:" << dir_.path() << " default\n"
        << "ErrorLog " << dir_.Path("error.log") << "\n"
        << "LogLevel info\n"
        << "LogFormat \"%h %l %u %t \\\"%r\\\" %>s %b \\\"%{Referer}i\\\" \\\"%{User-agent}i\\\"\" "
           "combined\n"
        << "CustomLog " << dir_.Path("access.log") << " combined\n"
        << "User nobody\nGroup nogroup\n"
        << "DocumentRoot " << dir_.Path("www") << "\n"
        << "<Directory " << dir_.Path("www") << ">\n  Require all granted\n</Directory>\n";
    ASSERT_TRUE(runnel::testing::WriteFile(dir_.Path("httpd.conf"), conf.str()));
    runnel::testing::Process::Options options;
    options.argv = {kApache, "-X", "-f", dir_.Path("httpd.conf")};
    options.stdout_path = dir_.Path("httpd.out");
    options.stderr_path = dir_.Path("httpd.out");
    runnel::testing::SpawnServer(options, port_, {dir_.Path("httpd.out"), dir_.Path("error.log")},
                                 &httpd_);
  }

  void Curl(const std::string& path) { runnel::testing::CurlGet(port_, path); }

  // The first line of the error log that holds `needle`, or "".
  std::string ErrorLine(const std::string& needle) {
    for (const std::string& line : ReadLines(dir_.Path("error.log"))) {
      if (line.find(needle) != std::string::npos) {
        return line;
      }
    }
    return "";
  }

  uint16_t port_ = 0;
  runnel::testing::TempDir dir_;
  runnel::testing::Process httpd_;
};

TEST_F(ApacheTest, AccessAndErrorLogs) {
  const int64_t before = static_cast<int64_t>(std::time(nullptr));
  ASSERT_NO_FATAL_FAILURE(Curl("/index.html"));
  ASSERT_NO_FATAL_FAILURE(Curl("/missing?q=1"));
  ASSERT_TRUE(runnel::testing::PollUntil(
      [&] {
        return ReadLines(dir_.Path("access.log")).size() == 2 && !ErrorLine("AH00128").empty();
      },
      std::chrono::seconds(30)));
  const std::vector<std::string> access = ReadLines(dir_.Path("access.log"));
  const Scanned ok = Scan("apache_combined", access[0]);
  EXPECT_EQ(ok.error, "") << access[0];
  EXPECT_EQ(ok.fields,
            R"x(client="127.0.0.1" method="GET" path="/index.html" )x"
            R"x(protocol="HTTP/1.1" status=200 bytes=6 )x"
            R"x(referer="http://ref.example/start" user_agent="runnel-test/1.0 (x; y)")x")
      << access[0];
  EXPECT_GE(int64_t{ok.time.sec}, before - 1);
  EXPECT_LE(int64_t{ok.time.sec}, static_cast<int64_t>(std::time(nullptr)) + 1);
  const Scanned missing = Scan("apache_combined", access[1]);
  EXPECT_EQ(missing.error, "") << access[1];
  EXPECT_TRUE(missing.fields.starts_with(R"(client="127.0.0.1" method="GET" )"
                                         R"(path="/missing?q=1" protocol="HTTP/1.1" status=404 )"))
      << missing.fields;

  const std::string line = ErrorLine("AH00128");
  const Scanned error = Scan("apache_error", line);
  EXPECT_EQ(error.error, "") << line;
  // -X: one process, the pid is also the tid; the client port is curl's.
  const std::string pid = std::to_string(httpd_.pid());
  const std::string prefix = "module=\"core\" level=\"info\" pid=" + pid + " tid=" + pid +
                             " client=\"127.0.0.1\" client_port=";
  EXPECT_TRUE(error.fields.starts_with(prefix)) << error.fields;
  EXPECT_TRUE(error.fields.ends_with(
      " code=\"AH00128\" message=\"File does not exist: " + dir_.Path("www") +
      "/missing\" referer=\"http://ref.example/start\""))
      << error.fields;
  EXPECT_GE(int64_t{error.time.sec}, before - 1);
  EXPECT_NE(error.time.nsec, 0u);  // 2.4 writes microseconds
}

}  // namespace
}  // namespace runnel::formats
