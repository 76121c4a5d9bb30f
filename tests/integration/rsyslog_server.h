#pragma once
// A real rsyslogd (Debian rsyslog; rsyslog-openssl for TLS) run as a child with a config of the
// test's own: one input (imudp, imtcp, or imtcp with the ossl stream driver) writing every
// message it receives to a file with a template that shows each part:
//   PRI|FACILITY|SEVERITY|HOSTNAME|APP-NAME|PROCID|MSGID|STRUCTURED-DATA|MSG
// Start() waits until rsyslog accepts TCP connections (a UDP-only rsyslog also listens on a
// TCP probe port, so readiness is seen the same way). Stop() sends SIGTERM, which lets rsyslog
// write what it has received, and waits for it to exit.

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/testing/capture_emitter.h"  // PollUntil
#include "tests/testing/file_helpers.h"
#include "tests/testing/loopback.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {

inline constexpr char kRsyslogd[] = "/usr/sbin/rsyslogd";
inline constexpr char kRsyslogOssl[] = "/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_ossl.so";

inline bool HaveRsyslog() { return access(kRsyslogd, X_OK) == 0; }
inline bool HaveRsyslogOssl() { return access(kRsyslogOssl, R_OK) == 0; }

class RsyslogServer {
 public:
  enum class Input { kUdp, kTcp, kTls };
  struct Tls {
    std::string ca_file, cert_file, key_file;
  };

  // `port` 0 picks a free one; a restart passes the same port again.
  void Start(const TempDir& dir, Input input, uint16_t port = 0, const Tls& tls = {}) {
    dir_ = dir.Path("rsyslog");
    mkdir(dir_.c_str(), 0700);
    const std::string work = dir_ + "/work";
    mkdir(work.c_str(), 0700);
    port_ = port != 0 ? port : FreeLoopbackPort();
    probe_port_ = input == Input::kUdp ? FreeLoopbackPort() : port_;
    out_ = dir_ + "/messages.txt";
    std::string conf = "global(workDirectory=\"" + work + "\" maxMessageSize=\"64k\"";
    if (input == Input::kTls) {
      conf += " DefaultNetstreamDriver=\"ossl\" DefaultNetstreamDriverCAFile=\"" + tls.ca_file +
              "\" DefaultNetstreamDriverCertFile=\"" + tls.cert_file +
              "\" DefaultNetstreamDriverKeyFile=\"" + tls.key_file + "\"";
    }
    conf += ")\n";
    conf +=
        "template(name=\"parts\" type=\"string\" string=\"%pri%|%syslogfacility-text%|"
        "%syslogseverity-text%|%hostname%|%app-name%|%procid%|%msgid%|%structured-data%|"
        "%msg%\\n\")\n";
    if (input == Input::kUdp) {
      conf += "module(load=\"imudp\")\ninput(type=\"imudp\" address=\"127.0.0.1\" port=\"" +
              std::to_string(port_) + "\" ruleset=\"out\")\n";
      conf += "module(load=\"imtcp\")\ninput(type=\"imtcp\" address=\"127.0.0.1\" port=\"" +
              std::to_string(probe_port_) + "\" ruleset=\"out\")\n";
    } else if (input == Input::kTcp) {
      conf += "module(load=\"imtcp\")\ninput(type=\"imtcp\" address=\"127.0.0.1\" port=\"" +
              std::to_string(port_) + "\" ruleset=\"out\")\n";
    } else {
      conf +=
          "module(load=\"imtcp\" StreamDriver.Name=\"ossl\" StreamDriver.Mode=\"1\" "
          "StreamDriver.AuthMode=\"anon\")\ninput(type=\"imtcp\" address=\"127.0.0.1\" "
          "port=\"" +
          std::to_string(port_) + "\" ruleset=\"out\")\n";
    }
    conf += "ruleset(name=\"out\") {\n  action(type=\"omfile\" file=\"" + out_ +
            "\" template=\"parts\")\n}\n";
    const std::string conf_path = dir_ + "/rsyslog.conf";
    ASSERT_TRUE(WriteFile(conf_path, conf));
    err_ = dir_ + "/rsyslog.err";
    Result<Process> p =
        Process::Spawn({{kRsyslogd, "-n", "-f", conf_path, "-i", dir_ + "/rsyslog.pid"},
                        dir_ + "/rsyslog.out",
                        err_,
                        ""});
    ASSERT_TRUE(p.has_value()) << p.error().ToString();
    proc_ = std::move(*p);
    ASSERT_TRUE(PollUntil([&] { return AcceptsConnections(probe_port_) || !proc_.running(); },
                          std::chrono::seconds(30)));
    ASSERT_TRUE(proc_.running()) << ReadFileOrEmpty(err_);
  }

  // SIGTERM, then waits for the exit.
  void Stop() {
    if (!proc_.running()) {
      return;
    }
    ASSERT_TRUE(proc_.Signal(SIGTERM).ok());
    Result<ExitStatus> exit = proc_.Wait(std::chrono::seconds(30));
    ASSERT_TRUE(exit.has_value()) << "rsyslogd did not exit within 30 s of SIGTERM";
  }

  // The lines of the output file (without their newlines).
  std::vector<std::string> Lines() const {
    std::vector<std::string> lines;
    const std::string text = ReadFileOrEmpty(out_);
    for (size_t start = 0, nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
      lines.push_back(text.substr(start, nl - start));
    }
    return lines;
  }
  // Waits (up to `timeout`) until the file holds at least `n` lines; returns them.
  std::vector<std::string> WaitLines(size_t n,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    std::vector<std::string> lines;
    EXPECT_TRUE(PollUntil(
        [&] {
          lines = Lines();
          return lines.size() >= n;
        },
        timeout))
        << lines.size() << " lines of " << n << "\n"
        << ReadFileOrEmpty(err_);
    return lines;
  }

  uint16_t port() const { return port_; }
  bool running() { return proc_.running(); }
  std::string log() const { return ReadFileOrEmpty(err_); }

 private:
  std::string dir_, out_, err_;
  uint16_t port_ = 0;
  uint16_t probe_port_ = 0;
  Process proc_;
};

}  // namespace runnel::testing
