// runnel-aggregator (tail → syslog output over TCP, the default disk buffer) under load while
// the real rsyslogd it sends to is stopped with SIGTERM for 30 s and started again on the same
// port: afterwards rsyslog's file holds every line written, each exactly as written; the
// duplicates are counted, and there are no more of them than the output said it sent again
// (its resend_window, logged as "sent N events again") plus the batches it retried.
//
// SIGTERM lets rsyslog write what it had read; what sat unread in its socket when it closed is
// lost to it, and that is what resend_window sends again. SIGKILL would also lose what rsyslog
// had read and not yet written (its in-memory queue): plain TCP syslog has no acknowledgement,
// so only what the resend window still holds would make up for it.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <thread>

#include "tests/integration/crash_support.h"
#include "tests/integration/rsyslog_server.h"
#include "tests/testing/runnel_binary.h"

namespace runnel::testing {
namespace {

constexpr int kLinesPerSecond = 2'000;
constexpr auto kOutage = std::chrono::seconds(30);

// The sum of N over the output's "sent N events again" log lines.
uint64_t ResentEvents(const std::string& log) {
  static const std::regex kLine("sent ([0-9]+) events again");
  uint64_t n = 0;
  for (std::sregex_iterator it(log.begin(), log.end(), kLine), end; it != end; ++it) {
    n += std::stoull((*it)[1].str());
  }
  return n;
}

TEST(SyslogOutputOutageTest, NothingLostWhileRsyslogIsDownFor30Seconds) {
  if (!HaveRsyslog()) {
    GTEST_SKIP() << kRsyslogd << " not found (Debian package rsyslog; packaging/deps installs it)";
  }
  const std::string aggregator = RunnelBinaryPath("runnel-aggregator");
  ASSERT_FALSE(aggregator.empty()) << "runnel-aggregator not found (run through ctest)";
  TempDir dir;
  RsyslogServer rsyslog;
  ASSERT_NO_FATAL_FAILURE(rsyslog.Start(dir, RsyslogServer::Input::kTcp));
  const uint16_t port = rsyslog.port();

  const std::string logs = dir.Path("logs");
  ASSERT_EQ(mkdir(logs.c_str(), 0700), 0);
  const std::string app_log = logs + "/app.log";
  const std::string config = dir.Path("aggregator.toml");
  ASSERT_TRUE(WriteFile(config, "data_dir = \"" + dir.Path("data") +
                                    "\"\n[inputs.app]\ntype = \"tail\"\npaths = [\"" + app_log +
                                    "\"]\npoll_interval = \"20ms\"\n"
                                    "[outputs.rsyslog]\ntype = \"syslog\"\ninputs = [\"app\"]\n"
                                    "host = \"127.0.0.1\"\nport = " +
                                    std::to_string(port) +
                                    "\nappname = \"app\"\nmessage_key = \"log\"\n"
                                    "retry_max = \"500ms\"\n"));
  const std::string log = dir.Path("aggregator.log");
  PacedLineWriter writer({.path = app_log, .lines_per_second = kLinesPerSecond});
  writer.Start();
  Result<Process> proc = Process::Spawn({{aggregator, "-c", config}, "", log, ""});
  ASSERT_TRUE(proc.has_value()) << proc.error().ToString();

  // Under load: lines reach rsyslog, then it stops for 30 s while the writer goes on.
  ASSERT_TRUE(PollUntil([&] { return rsyslog.Lines().size() >= 10'000; }, std::chrono::seconds(30)))
      << LogTail(log);
  ASSERT_NO_FATAL_FAILURE(rsyslog.Stop());
  const size_t before = rsyslog.Lines().size();
  const auto down_at = std::chrono::steady_clock::now();
  // The outage itself (a duration the scenario sets, not a wait for a condition); the
  // aggregator must keep running through it.
  while (std::chrono::steady_clock::now() - down_at < kOutage) {
    ASSERT_TRUE(proc->running()) << LogTail(log);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_NO_FATAL_FAILURE(rsyslog.Start(dir, RsyslogServer::Input::kTcp, port));
  ASSERT_TRUE(
      PollUntil([&] { return rsyslog.Lines().size() >= before + 1'000; }, std::chrono::seconds(20)))
      << LogTail(log);
  const int written = writer.Stop();
  ASSERT_EQ(writer.error(), "");

  // Every line, each as written: "14|user|info|<host>|app|-|-|-|<line>". Waits until every
  // line written is there (duplicates do not count twice).
  std::map<int, int> seen;
  std::vector<std::string> lines;
  auto Seq = [](const std::string& line) {
    const std::string text = line.substr(line.rfind('|') + 1);
    return text.size() > 14 && text.starts_with("line ") ? std::atoi(text.c_str() + 5) : 0;
  };
  ASSERT_TRUE(PollUntil(
      [&] {
        lines = rsyslog.Lines();
        std::set<int> unique;
        for (const std::string& line : lines) {
          unique.insert(Seq(line));
        }
        unique.erase(0);
        return unique.size() >= static_cast<size_t>(written);
      },
      std::chrono::seconds(40)))
      << lines.size() << " lines for " << written << " written\n"
      << LogTail(log);
  int corrupt = 0;
  for (const std::string& line : lines) {
    const size_t last = line.rfind('|');
    const std::string head = line.substr(0, last + 1);
    const std::string text = line.substr(last + 1);
    const int seq = Seq(line);
    std::string want = CrashLine(seq);
    want.pop_back();
    if (seq < 1 || seq > written || text != want || !head.starts_with("14|user|info|") ||
        !head.ends_with("|app|-|-|-|")) {
      ADD_FAILURE() << "not a written line: " << line;
      if (++corrupt > 5) {
        break;
      }
      continue;
    }
    ++seen[seq];
  }
  int missing = 0;
  uint64_t duplicates = 0;
  for (int seq = 1; seq <= written; ++seq) {
    auto it = seen.find(seq);
    if (it == seen.end()) {
      if (++missing <= 5) {
        ADD_FAILURE() << "line " << seq << " never arrived";
      }
      continue;
    }
    duplicates += static_cast<uint64_t>(it->second - 1);
  }
  ASSERT_NO_FATAL_FAILURE(StopCleanly(*proc, log));
  rsyslog.Stop();
  const uint64_t resent = ResentEvents(ReadFileOrEmpty(log));
  EXPECT_EQ(missing, 0) << "of " << written;
  EXPECT_EQ(corrupt, 0);
  // A duplicate is a line sent again: by the resend window (counted in the log) or in a batch
  // retried after its connection broke while it was written (at most one batch per break; a
  // tail batch here is at most 1000 lines).
  EXPECT_LE(duplicates, resent + 1'000) << "resent " << resent;
  std::cout << "written " << written << ", in rsyslog's file " << lines.size() << ", duplicates "
            << duplicates << ", sent again by resend_window " << resent
            << ", lines before the stop " << before << "\n";
}

}  // namespace
}  // namespace runnel::testing
