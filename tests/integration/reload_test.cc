// SIGHUP reload of a real runnel-agent under load (issue 8, part 4): a writer appends 20,000
// lines/s to a tailed file while the configuration is reloaded 50 times: a filter changes each
// time, an output is added and removed, and every seventh file is invalid. The tail input and
// the output `all` never change, so `all` must receive every line exactly once, in order, each
// marked by the filter generation that was running when it was read; each short-lived `extra`
// output receives a contiguous run of lines, each once. The service manager's notification
// socket is the synchronisation point: each reload ends with READY=1.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/crash_support.h"
#include "tests/integration/tail_support.h"
#include "tests/testing/capture_emitter.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/http_client.h"
#include "tests/testing/loopback.h"
#include "tests/testing/notify_socket.h"
#include "tests/testing/process.h"
#include "tests/testing/runnel_binary.h"
#include "tests/testing/sanitizers.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// The seq of a CrashLine in a JSON output line, and its "gen" field ("" when absent).
struct Parsed {
  int seq = 0;
  std::string gen;
};

bool Parse(std::string_view json, Parsed* p) {
  std::string log;
  if (!JsonField(json, "log", &log) || sscanf(log.c_str(), "line %d", &p->seq) != 1 ||
      log != CrashLine(p->seq).substr(0, CrashLine(p->seq).size() - 1)) {
    return false;
  }
  p->gen.clear();
  (void)JsonField(json, "gen", &p->gen);
  return true;
}

std::vector<Parsed> ReadOutput(const std::string& path, std::vector<std::string>* bad) {
  std::vector<Parsed> out;
  OutputFollower f(path);
  f.Follow([&](std::string_view line) {
    Parsed p;
    if (Parse(line, &p)) {
      out.push_back(p);
    } else if (bad->size() < 5) {
      bad->emplace_back(line);
    }
  });
  return out;
}

class ReloadUnderLoad : public ::testing::Test {
 protected:
  // The agent's config for reload generation `gen`; `extra`: with an output extra-<gen>.jsonl;
  // `invalid`: with a mistake the loader rejects.
  std::string Config(int gen, bool extra, bool invalid) const {
    std::string c = "data_dir = \"" + tmp_.Path("data") +
                    "\"\n"
                    "shutdown_timeout = \"20s\"\n"
                    "[api]\n"
                    "address = \"127.0.0.1:0\"\n"
                    "[inputs.app]\n"
                    "type = \"tail\"\n"
                    "paths = [\"" +
                    tmp_.Path("app.log") +
                    "\"]\n"
                    "poll_interval = \"20ms\"\n"
                    "batch_max_events = 500\n"
                    "[filters.mark]\n"
                    "type = \"modify\"\n"
                    "inputs = [\"app\"]\n"
                    "set = { gen = \"" +
                    std::to_string(gen) +
                    "\" }\n"
                    "[outputs.all]\n"
                    "type = \"file\"\n"
                    "inputs = [\"mark\"]\n"
                    "path = \"" +
                    tmp_.Path("all.jsonl") +
                    "\"\n"
                    "time_key = \"\"\n";
    if (invalid) {
      c += "flush_evry = \"1s\"\n";  // misspelt
    }
    if (extra) {
      c += "[outputs.extra]\n"
           "type = \"file\"\n"
           "inputs = [\"app\"]\n"
           "path = \"" +
           tmp_.Path("extra-" + std::to_string(gen) + ".jsonl") +
           "\"\n"
           "time_key = \"\"\n";
    }
    return c;
  }

  TempDir tmp_;
};

TEST_F(ReloadUnderLoad, FiftyReloadsLoseAndRepeatNothing) {
  ASSERT_TRUE(RunnelBinariesFound()) << kRunnelBinariesNotFound;
  const int rate = kUnderAsan ? 5'000 : 20'000;
  const int reloads = kUnderAsan ? 20 : 50;
  const std::string config = tmp_.Path("agent.toml");
  ASSERT_TRUE(WriteFile(config, Config(0, false, false)));
  ASSERT_TRUE(WriteFile(tmp_.Path("app.log"), ""));
  NotifySocket manager(tmp_.Path("notify"));
  ASSERT_TRUE(manager.ok());
  setenv("NOTIFY_SOCKET", manager.path().c_str(), 1);
  auto agent = Process::Spawn({{AgentBinary(), "-c", config}, "", tmp_.Path("agent.log"), ""});
  unsetenv("NOTIFY_SOCKET");
  ASSERT_TRUE(agent.has_value()) << agent.error().message();
  ASSERT_FALSE(manager.WaitFor("READY=1", milliseconds(20'000)).empty())
      << LogTail(tmp_.Path("agent.log"));
  const uint16_t api_port = WaitForLoggedPort(tmp_.Path("agent.log"), "api", *agent);
  ASSERT_NE(api_port, 0) << LogTail(tmp_.Path("agent.log"));

  PacedLineWriter writer({tmp_.Path("app.log"), rate});
  writer.Start();
  OutputFollower all(tmp_.Path("all.jsonl"));
  std::set<std::string> generations = {"0"};  // filter settings that were applied
  std::vector<int> extras;                    // gens whose config had the extra output
  std::vector<std::string> summaries;         // what each applied reload must say it did
  bool had_extra = false;
  int failed = 0;
  for (int i = 1; i <= reloads; ++i) {
    const bool invalid = i % 7 == 0;
    const bool extra = i % 2 == 1;
    ASSERT_TRUE(WriteFile(config, Config(i, extra, invalid)));
    ASSERT_TRUE(agent->Signal(SIGHUP).ok());
    std::vector<std::string> got = manager.WaitFor("READY=1", milliseconds(30'000));
    ASSERT_FALSE(got.empty()) << "reload " << i << " did not end\n"
                              << LogTail(tmp_.Path("agent.log"));
    EXPECT_EQ(got.front(), "RELOADING=1\nSTATUS=reloading the configuration");
    EXPECT_EQ(got.back(), invalid ? "READY=1\nSTATUS=running; the last reload failed (see the log)"
                                  : "READY=1\nSTATUS=running")
        << "reload " << i << "\n"
        << LogTail(tmp_.Path("agent.log"));
    if (invalid) {
      ++failed;
    } else {
      generations.insert(std::to_string(i));
      if (extra) {
        extras.push_back(i);
      }
      // The input is rerouted (its filter changed), never restarted; `all` is never touched.
      std::string summary = extra && !had_extra   ? "added outputs.extra; "
                            : !extra && had_extra ? "removed outputs.extra; "
                                                  : "";
      summary += extra && had_extra ? "restarted filters.mark, outputs.extra; "
                                    : "restarted filters.mark; ";
      summaries.push_back(summary + "rerouted inputs.app; 1 unchanged");
      had_extra = extra;
    }
    // Let data flow under the new configuration before the next one.
    const size_t before = all.Poll();
    ASSERT_TRUE(PollUntil([&] { return all.Poll() >= before + static_cast<size_t>(rate / 40); },
                          seconds(30)))
        << LogTail(tmp_.Path("agent.log"));
  }
  const int written = writer.Stop();
  ASSERT_EQ(writer.error(), "");
  ASSERT_TRUE(PollUntil([&] { return all.Poll() >= static_cast<size_t>(written); }, seconds(60)))
      << all.Poll() << " of " << written << " lines\n"
      << LogTail(tmp_.Path("agent.log"));
  // The admin API kept serving through every reload, and counted them.
  const HttpReply scrape = HttpGet(api_port, "/metrics");
  ASSERT_EQ(scrape.status, 200);
  EXPECT_EQ(SampleValue(scrape.body, "runnel_config_reloads_total"), reloads - failed);
  EXPECT_EQ(SampleValue(scrape.body, "runnel_config_reload_failures_total"), failed);
  EXPECT_EQ(SampleValue(scrape.body, "runnel_config_last_reload_successful"),
            reloads % 7 == 0 ? 0 : 1);
  EXPECT_EQ(SampleValue(scrape.body, R"(runnel_events_out_total{component="outputs.all"})"),
            written);
  // The extra output is gone (the last reload removed it): its series are not shown.
  EXPECT_EQ(SampleValue(scrape.body, R"(runnel_events_out_total{component="outputs.extra"})"),
            std::nullopt);
  ASSERT_TRUE(agent->Signal(SIGTERM).ok());
  auto status = agent->Wait(seconds(30));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->ToString(), "exit 0") << LogTail(tmp_.Path("agent.log"));

  // `all`: every line once, in order; the generation marks only move forward.
  std::vector<std::string> bad;
  std::vector<Parsed> lines = ReadOutput(tmp_.Path("all.jsonl"), &bad);
  EXPECT_TRUE(bad.empty()) << bad.front();
  ASSERT_EQ(lines.size(), static_cast<size_t>(written));
  int last_gen = 0;
  std::set<std::string> seen_gens;
  for (size_t k = 0; k < lines.size(); ++k) {
    ASSERT_EQ(lines[k].seq, static_cast<int>(k) + 1) << "all.jsonl line " << k + 1;
    ASSERT_TRUE(generations.contains(lines[k].gen)) << "line " << k + 1 << " gen " << lines[k].gen;
    const int gen = std::stoi(lines[k].gen);
    ASSERT_GE(gen, last_gen) << "line " << k + 1;
    last_gen = gen;
    seen_gens.insert(lines[k].gen);
  }
  EXPECT_EQ(lines.back().gen, std::to_string(reloads - (reloads % 7 == 0 ? 1 : 0)));

  // Each extra output: a contiguous run of lines, each once, none marked (it reads the input).
  int extra_lines = 0;
  for (int gen : extras) {
    std::vector<Parsed> got = ReadOutput(tmp_.Path("extra-" + std::to_string(gen) + ".jsonl"), &bad);
    EXPECT_TRUE(bad.empty());
    ASSERT_FALSE(got.empty()) << "extra-" << gen;
    for (size_t k = 1; k < got.size(); ++k) {
      ASSERT_EQ(got[k].seq, got[0].seq + static_cast<int>(k)) << "extra-" << gen << " line " << k;
    }
    EXPECT_EQ(got.front().gen, "");
    extra_lines += static_cast<int>(got.size());
  }
  const std::string log = ReadFileOrEmpty(tmp_.Path("agent.log"));
  std::vector<std::string> reported_summaries;
  const std::string reloaded = "INFO  reloaded " + config + ": ";
  for (size_t pos = 0; (pos = log.find(reloaded, pos)) != std::string::npos;) {
    pos += reloaded.size();
    reported_summaries.push_back(log.substr(pos, log.find('\n', pos) - pos));
  }
  EXPECT_EQ(reported_summaries, summaries);
  // Each refused file is reported at file:line:col, and the running configuration is kept.
  const std::string bad_config = Config(7, false, true);
  const size_t bad_line =
      std::count(bad_config.begin(), bad_config.begin() + bad_config.find("flush_evry"), '\n') + 1;
  const std::string reported = "ERROR reload: " + config + ":" + std::to_string(bad_line) +
                               ":1: outputs.all (file): unknown key 'flush_evry'\n";
  size_t refused = 0;
  for (size_t pos = 0; (pos = log.find(reported, pos)) != std::string::npos; ++pos) {
    ++refused;
  }
  EXPECT_EQ(refused, static_cast<size_t>(failed)) << reported;
  EXPECT_NE(log.find("ERROR reload: " + config + ": 1 error; the running configuration is kept\n"),
            std::string::npos);
  printf("%d lines, %d reloads (%d refused), %zu filter generations seen, %zu extra outputs "
         "with %d lines\n",
         written, reloads, failed, seen_gens.size(), extras.size(), extra_lines);
}

}  // namespace
}  // namespace runnel::testing
