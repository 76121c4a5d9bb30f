// The syslog output against a real rsyslogd (tests/integration/rsyslog_server.h): the same
// events sent over UDP, TCP with octet counting, TCP with LF framing, TLS (rsyslog's ossl
// driver) and as RFC 3164, each written by rsyslog with a template that shows every part; the
// lines are compared exactly. Invalid values (a facility out of range, a host name with a
// space, an over-long APP-NAME) arrive cleaned and are counted.
#include <gtest/gtest.h>

#include "runnel/batch.h"
#include "runnel/registry.h"
#include "tests/integration/rsyslog_server.h"
#include "tests/testing/load_config.h"
#include "tests/testing/tls_certs.h"

namespace runnel::testing {
namespace {

using Input = RsyslogServer::Input;

constexpr EventTime kTime{1'700'000'000, 123'456'000};

// The three events every case sends: all parts set, none set, and invalid ones.
Batch Events() {
  Batch b;
  b.tag = "t";
  BatchBuilder builder(&b);
  MsgpackWriter& w = builder.writer();
  builder.BeginEntry(kTime, 8);
  w.Str("facility"), w.Str("local3");
  w.Str("severity"), w.Str("warning");
  w.Str("hostname"), w.Str("web-1");
  w.Str("appname"), w.Str("shop");
  w.Str("procid"), w.Str("4242");
  w.Str("msgid"), w.Str("ORDER");
  w.Str("structured_data");
  w.MapHeader(1);
  w.Str("origin@32473");
  w.MapHeader(2);
  w.Str("ip"), w.Str("10.0.0.7");
  w.Str("note"), w.Str("a \"quoted\" ]value\\");
  w.Str("message"), w.Str("order 1 placed");

  builder.BeginEntry(kTime, 1);
  w.Str("message"), w.Str("plain message");

  builder.BeginEntry(kTime, 4);
  w.Str("facility"), w.Int(99);
  w.Str("hostname"), w.Str("bad host");
  w.Str("appname"), w.Str(std::string(60, 'a'));
  w.Str("message"), w.Str("cleaned");
  return b;
}

class SyslogOutputRsyslogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveRsyslog()) {
      GTEST_SKIP() << kRsyslogd
                   << " not found (Debian package rsyslog; packaging/deps installs it)";
    }
  }

  // Creates and starts the output with `body` (TOML after type and inputs).
  std::unique_ptr<Output> MakeOutput(const std::string& body) {
    auto cfg = LoadToml(dir_, "data_dir = \"" + dir_.Path("data") +
                                  "\"\n[inputs.i]\ntype = \"generate\"\n[outputs.o]\n"
                                  "type = \"syslog\"\ninputs = [\"i\"]\nhost = \"127.0.0.1\"\n" +
                                  body);
    EXPECT_TRUE(cfg.has_value()) << cfg.error().ToString();
    if (!cfg) {
      return nullptr;
    }
    PluginContext ctx = TestContext(dir_, &metrics_, "outputs.o");
    const PluginInfo* info = BuiltinRegistry().Find(PluginKind::kOutput, "syslog");
    auto out = info->create_output(cfg->outputs.at(0), ctx);
    EXPECT_TRUE(out.has_value()) << out.error().ToString();
    if (!out) {
      return nullptr;
    }
    EXPECT_TRUE((*out)->Start().ok());
    return std::move(*out);
  }
  uint64_t Count(const std::string& name, MetricLabels labels = {}) {
    return metrics_.GetCounter(name, "outputs.o", "", labels)->value();
  }
  // Sends Events() with `body` to an rsyslog with `input` and returns what rsyslog wrote.
  std::vector<std::string> RoundTrip(Input input, const std::string& body,
                                     const RsyslogServer::Tls& tls = {}) {
    server_.Start(dir_, input, 0, tls);
    if (::testing::Test::HasFatalFailure()) {
      return {};
    }
    auto out = MakeOutput("port = " + std::to_string(server_.port()) + "\n" + body);
    if (out == nullptr) {
      return {};
    }
    WriteResult r = out->Write(Events());
    EXPECT_EQ(r.kind, WriteResult::Kind::kDelivered) << r.reason;
    std::vector<std::string> lines = server_.WaitLines(3);
    out->Stop();
    server_.Stop();
    EXPECT_EQ(Count("syslog_output_cleaned_total", {{"part", "facility"}}), 1u);
    EXPECT_EQ(Count("syslog_output_cleaned_total", {{"part", "hostname"}}), 1u);
    EXPECT_EQ(Count("syslog_output_cleaned_total", {{"part", "appname"}}), 1u);
    return lines;
  }

  TempDir dir_;
  MetricsRegistry metrics_;
  RsyslogServer server_;
};

// What rsyslog writes for Events() sent as RFC 5424, in the template's parts.
const std::vector<std::string> k5424 = {
    "156|local3|warning|web-1|shop|4242|ORDER|"
    "[origin@32473 ip=\"10.0.0.7\" note=\"a \\\"quoted\\\" \\]value\\\\\"]|order 1 placed",
    "14|user|info|test-host|-|-|-|-|plain message",
    "14|user|info|bad_host|" + std::string(48, 'a') + "|-|-|-|cleaned",
};

TEST_F(SyslogOutputRsyslogTest, Rfc5424OverTcpWithOctetCounting) {
  EXPECT_EQ(RoundTrip(Input::kTcp, "mode = \"tcp\"\nframing = \"octet_counting\"\n"), k5424);
  EXPECT_EQ(Count("syslog_output_connects_total"), 1u);
}

TEST_F(SyslogOutputRsyslogTest, Rfc5424OverTcpWithNewlineFraming) {
  EXPECT_EQ(RoundTrip(Input::kTcp, "mode = \"tcp\"\nframing = \"newline\"\n"), k5424);
}

TEST_F(SyslogOutputRsyslogTest, Rfc5424OverUdp) {
  EXPECT_EQ(RoundTrip(Input::kUdp, "mode = \"udp\"\n"), k5424);
  EXPECT_EQ(Count("syslog_output_udp_send_errors_total"), 0u);
}

TEST_F(SyslogOutputRsyslogTest, Rfc5424OverTls) {
  if (!HaveRsyslogOssl()) {
    GTEST_SKIP() << kRsyslogOssl
                 << " not found (Debian package rsyslog-openssl; packaging/deps installs it)";
  }
  TlsTestFiles files = MakeTlsTestFiles(dir_.path());
  EXPECT_EQ(RoundTrip(Input::kTls,
                      "tls.enabled = true\ntls.ca_file = \"" + files.ca_cert +
                          "\"\ntls.server_name = \"localhost\"\n",
                      {files.ca_cert, files.server_cert, files.server_key}),
            k5424);
}

TEST_F(SyslogOutputRsyslogTest, TlsWithAnUntrustedServerIsARetry) {
  if (!HaveRsyslogOssl()) {
    GTEST_SKIP() << kRsyslogOssl
                 << " not found (Debian package rsyslog-openssl; packaging/deps installs it)";
  }
  TlsTestFiles files = MakeTlsTestFiles(dir_.path());
  server_.Start(dir_, Input::kTls, 0, {files.ca_cert, files.server_cert, files.server_key});
  ASSERT_FALSE(HasFatalFailure());
  auto out = MakeOutput("port = " + std::to_string(server_.port()) +
                        "\ntls.enabled = true\ntls.ca_file = \"" + files.other_ca_cert + "\"\n");
  ASSERT_NE(out, nullptr);
  WriteResult r = out->Write(Events());
  EXPECT_EQ(r.kind, WriteResult::Kind::kRetry);
  EXPECT_NE(r.reason.find("certificate verify failed"), std::string::npos) << r.reason;
  EXPECT_EQ(Count("syslog_output_connect_failures_total"), 1u);
  out->Stop();
  server_.Stop();
  EXPECT_EQ(server_.Lines().size(), 0u);
}

TEST_F(SyslogOutputRsyslogTest, Rfc3164OverTcp) {
  // RFC 3164 has no MSGID and no structured data; the TAG is cut to 32 characters. A message
  // without a TAG (no appname) has its first word taken for one by rsyslog, as RFC 3164 says.
  EXPECT_EQ(RoundTrip(Input::kTcp, "format = \"rfc3164\"\n"),
            (std::vector<std::string>{
                "156|local3|warning|web-1|shop|4242|-|-| order 1 placed",
                "14|user|info|test-host|plain|-|-|-| message",
                "14|user|info|bad_host|" + std::string(32, 'a') + "|-|-|-| cleaned",
            }));
}

}  // namespace
}  // namespace runnel::testing
