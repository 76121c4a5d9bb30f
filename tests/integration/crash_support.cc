#include "tests/integration/crash_support.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <thread>

#include "gtest/gtest.h"
#include "runnel/batch.h"
#include "runnel/files/checkpoint_store.h"
#include "tests/integration/tail_support.h"
#include "tests/testing/capture_emitter.h"  // PollUntil
#include "tests/testing/file_helpers.h"
#include "tests/testing/loopback.h"
#include "tests/testing/runnel_binary.h"

namespace runnel::testing {

int CrashKills(int normal, int long_run) {
  const char* env = std::getenv("RUNNEL_LONG_TESTS");
  return env != nullptr && std::string_view(env) == "1" ? long_run : normal;
}

uint64_t CrashSeed() {
  uint64_t seed = 0;
  const char* env = std::getenv("RUNNEL_CRASH_SEED");
  if (env != nullptr && *env != '\0') {
    seed = std::strtoull(env, nullptr, 10);
  } else {
    seed = (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
  }
  std::printf("seed: %llu (replay with RUNNEL_CRASH_SEED=%llu)\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  std::fflush(stdout);
  return seed;
}

std::string CrashLine(int seq) {
  char buf[80];
  int n = std::snprintf(buf, sizeof(buf), "line %09d ", seq);
  // 48 hex digits hashed from the seq (MurmurHash3's finaliser).
  for (uint64_t i = 0; i < 3; ++i) {
    uint64_t x = static_cast<uint64_t>(seq) * 3 + i;
    x = (x ^ (x >> 33)) * 0xff51afd7ed558ccdULL;
    x = (x ^ (x >> 33)) * 0xc4ceb9fe1a85ec53ULL;
    n += std::snprintf(buf + n, sizeof(buf) - static_cast<size_t>(n), "%016llx",
                       static_cast<unsigned long long>(x ^ (x >> 33)));
  }
  buf[n++] = '\n';
  return std::string(buf, static_cast<size_t>(n));
}

std::string DefaultAgentConfig(const std::string& data_dir, const std::string& glob,
                               uint16_t port) {
  return "data_dir = \"" + data_dir + "\"\n[inputs.app]\ntype = \"tail\"\npaths = [\"" + glob +
         "\"]\n[outputs.aggregator]\ntype = \"forward\"\ninputs = [\"app\"]\nservers = "
         "[\"127.0.0.1:" +
         std::to_string(port) + "\"]\n";
}

uint64_t CrashEntryBytes(const std::string& path) {
  std::string line = CrashLine(1);
  line.pop_back();
  Batch batch;
  BatchBuilder builder(&batch);
  builder.BeginEntry(EventTime::Now(), 2);
  builder.writer().Str("log");
  builder.writer().Str(line);
  builder.writer().Str("path");
  builder.writer().Str(path);
  return batch.bytes();
}

uint64_t DuplicateBoundPerKill(const AgentWindow& w) {
  const uint64_t by_buffer = w.buffer_max_bytes / w.entry_bytes;
  const uint64_t by_frames =
      2 * std::max(w.max_in_flight_bytes / kCrashLineMinFrameBytes, w.batch_max_events);
  return std::min(by_buffer, by_frames) + w.batch_max_events;
}

std::string DescribeDuplicateBound(const AgentWindow& w) {
  return "min(" + std::to_string(w.buffer_max_bytes) + " buffer bytes / " +
         std::to_string(w.entry_bytes) + " bytes per event, 2 x max(" +
         std::to_string(w.max_in_flight_bytes) + " bytes in flight / " +
         std::to_string(kCrashLineMinFrameBytes) + " bytes per line, " +
         std::to_string(w.batch_max_events) + " lines per batch)) + " +
         std::to_string(w.batch_max_events) + " = " + std::to_string(DuplicateBoundPerKill(w)) +
         " lines";
}

std::chrono::milliseconds RandomMillis(std::mt19937_64& rng, int min_ms, int max_ms) {
  return std::chrono::milliseconds(std::uniform_int_distribution<int>(min_ms, max_ms)(rng));
}

PacedLineWriter::PacedLineWriter(Options options) : options_(std::move(options)) {}

PacedLineWriter::~PacedLineWriter() { Stop(); }

void PacedLineWriter::Start() {
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

int PacedLineWriter::Stop() {
  stop_ = true;
  if (thread_.joinable()) {
    thread_.join();
  }
  return written_;
}

std::string PacedLineWriter::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

void PacedLineWriter::Fail(const std::string& what, int err) {
  std::lock_guard<std::mutex> lock(mu_);
  error_ = what + ": " + std::strerror(err);
}

void PacedLineWriter::Run() {
  constexpr auto kTick = std::chrono::milliseconds(10);
  const int per_chunk = std::max(1, options_.lines_per_second / 100);
  std::mt19937_64 rng(options_.seed);
  auto lines_to_rotation = [&] {
    if (options_.rotate_min_lines <= 0) {
      return INT_MAX / 2;
    }
    return std::uniform_int_distribution<int>(options_.rotate_min_lines,
                                              options_.rotate_max_lines)(rng);
  };
  const std::string& path = options_.path;
  auto open_path = [&] {
    return open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  };
  int fd = open_path();
  if (fd < 0) {
    const int err = errno;
    Fail("open " + path, err);
    return;
  }
  int seq = 0;
  int rotate_at = lines_to_rotation();
  bool reopen = false;  // the last chunk went to the file just renamed away
  std::string chunk;
  const auto start = std::chrono::steady_clock::now();
  for (int64_t tick = 1; !stop_; ++tick) {
    chunk.clear();
    for (int i = 0; i < per_chunk; ++i) {
      chunk += CrashLine(++seq);
    }
    ssize_t n = write(fd, chunk.data(), chunk.size());
    if (n != static_cast<ssize_t>(chunk.size())) {
      const int err = n < 0 ? errno : EIO;  // short: no errno
      Fail("write " + path, err);
      break;
    }
    written_ = seq;
    if (reopen) {
      close(fd);
      fd = open_path();
      if (fd < 0) {
        const int err = errno;
        Fail("open " + path, err);
        return;
      }
      reopen = false;
    } else if (seq >= rotate_at) {
      std::string to = path + "." + std::to_string(rotations_ + 1);
      if (rename(path.c_str(), to.c_str()) != 0) {
        const int err = errno;
        Fail("rename " + path + " to " + to, err);
        break;
      }
      ++rotations_;
      reopen = true;
      rotate_at = seq + lines_to_rotation();
    }
    std::this_thread::sleep_until(start + tick * kTick);  // a pace, not a sync
  }
  close(fd);
}

void DeliveryTally::Add(std::string_view line) {
  ++lines_;
  std::string log;
  int seq = 0;
  bool ok =
      JsonField(line, "log", &log) && std::sscanf(log.c_str(), "line %9d", &seq) == 1 && seq >= 1;
  if (ok) {
    std::string expected = CrashLine(seq);
    expected.pop_back();  // its newline
    const std::string head = "{\"log\":\"" + expected + "\",\"path\":\"" + path_prefix_;
    ok = line.size() >= head.size() + 2 && line.starts_with(head) && line.ends_with("\"}");
    if (ok) {
      std::string_view suffix = line.substr(head.size(), line.size() - head.size() - 2);
      ok = suffix.empty() || (suffix.size() > 1 && suffix[0] == '.' &&
                              std::all_of(suffix.begin() + 1, suffix.end(),
                                          [](char c) { return c >= '0' && c <= '9'; }));
    }
  }
  if (!ok) {
    ++corrupt_;
    if (corrupt_examples_.size() < 5) {
      corrupt_examples_.emplace_back(line.substr(0, 300));
    }
    return;
  }
  if (count_.size() <= static_cast<size_t>(seq)) {
    count_.resize(std::max<size_t>(static_cast<size_t>(seq) + 1, 2 * count_.size()), 0);
  }
  const bool repeat = count_[static_cast<size_t>(seq)]++ > 0;
  if (!repeat) {
    ++distinct_;
    run_ = 0;
  } else if (run_ > 0 && seq == previous_seq_ + 1) {
    largest_run_ = std::max(largest_run_, ++run_);
  } else {
    run_ = 1;
    ++runs_;
    largest_run_ = std::max<uint64_t>(largest_run_, 1);
  }
  previous_seq_ = seq;
}

uint64_t DeliveryTally::Missing(int written) const {
  uint64_t missing = 0;
  for (int seq = 1; seq <= written; ++seq) {
    missing += static_cast<size_t>(seq) >= count_.size() || count_[static_cast<size_t>(seq)] == 0;
  }
  return missing;
}

std::string DeliveryTally::DescribeMissing(int written, int n) const {
  auto seen = [&](int seq) {
    return static_cast<size_t>(seq) < count_.size() && count_[static_cast<size_t>(seq)] > 0;
  };
  std::string out = "first missing:";
  int ranges = 0;
  for (int seq = 1; seq <= written && ranges < n; ++seq) {
    if (seen(seq)) {
      continue;
    }
    int last = seq;
    while (last < written && !seen(last + 1)) {
      ++last;
    }
    out += " " + std::to_string(seq);
    if (last > seq) {
      out += "-" + std::to_string(last);
    }
    ++ranges;
    seq = last;
  }
  return ranges == 0 ? "none missing" : out;
}

std::string DeliveryTally::DescribeCorrupt() const {
  std::string out;
  for (const std::string& line : corrupt_examples_) {
    out += line + "\n";
  }
  return out;
}

std::string CheckpointLag(const std::string& checkpoint_path, const std::string& dir) {
  Result<std::vector<files::CheckpointEntry>> entries = files::LoadCheckpoint(checkpoint_path);
  if (!entries) {
    return "checkpoint: " + entries.error().ToString();
  }
  std::map<files::FileId, const files::CheckpointEntry*> by_id;
  for (const files::CheckpointEntry& e : *entries) {
    by_id[e.id] = &e;
  }
  std::string lag;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    return "cannot read " + dir;
  }
  while (const dirent* e = readdir(d)) {
    struct stat st;
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) {
      continue;
    }
    files::FileId id{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
    auto it = by_id.find(id);
    if (it == by_id.end()) {
      lag += std::string(e->d_name) + ": no entry (" + std::to_string(st.st_size) + " bytes)\n";
      continue;
    }
    if (it->second->offset != static_cast<uint64_t>(st.st_size)) {
      lag += std::string(e->d_name) + ": at " + std::to_string(it->second->offset) + " of " +
             std::to_string(st.st_size) + " bytes\n";
    }
    by_id.erase(it);
  }
  closedir(d);
  for (const auto& [id, e] : by_id) {
    lag += "an entry for " + e->path + " (inode " + std::to_string(id.ino) +
           ") whose file is not in " + dir + "\n";
  }
  return lag;
}

std::string LogTail(const std::string& path, size_t max_bytes) {
  std::string log = ReadFileOrEmpty(path);
  if (log.size() > max_bytes) {
    log = "[...]" + log.substr(log.size() - max_bytes);
  }
  return path + ":\n" + log;
}

std::string AggregatorConfig(const std::string& data_dir, uint16_t port, const std::string& out) {
  return "data_dir = \"" + data_dir +
         "\"\n"
         "[inputs.fwd]\n"
         "type = \"forward\"\n"
         "host = \"127.0.0.1\"\n"
         "port = " +
         std::to_string(port) +
         "\n"
         "[outputs.out]\n"
         "type = \"file\"\n"
         "inputs = [\"fwd\"]\n"
         "time_key = \"\"\n"
         "fsync = \"batch\"\n"
         "path = \"" +
         out + "\"\n";
}

std::string AgentConfig(const std::string& data_dir, const std::string& glob, uint16_t port) {
  return "data_dir = \"" + data_dir +
         "\"\n"
         "[inputs.app]\n"
         "type = \"tail\"\n"
         "paths = [\"" +
         glob +
         "\"]\n"
         "refresh_interval = \"100ms\"\n"
         "poll_interval = \"20ms\"\n"
         "checkpoint_interval = \"100ms\"\n"
         "batch_max_events = " +
         std::to_string(kCrashAgentBatchEvents) +
         "\n"
         "[outputs.aggregator]\n"
         "type = \"forward\"\n"
         "inputs = [\"app\"]\n"
         "servers = [\"127.0.0.1:" +
         std::to_string(port) +
         "\"]\n"
         "retry_initial = \"20ms\"\n"
         "retry_max = \"200ms\"\n"
         "max_in_flight_bytes = " +
         std::to_string(kCrashAgentInFlightBytes) + "\n";
}

std::string DescribeDeliveries(const DeliveryTally& tally) {
  return "output lines: " + std::to_string(tally.lines()) +
         ", duplicates: " + std::to_string(tally.duplicates()) + " in " +
         std::to_string(tally.duplicate_runs()) + " runs, the largest " +
         std::to_string(tally.largest_duplicate_run()) +
         ", corrupt: " + std::to_string(tally.corrupt());
}

void StopCleanly(Process& process, const std::string& log) {
  ASSERT_TRUE(process.Signal(SIGTERM).ok()) << LogTail(log);
  Result<ExitStatus> exit = process.Wait(std::chrono::minutes(1));
  ASSERT_TRUE(exit.has_value()) << LogTail(log);
  EXPECT_TRUE(exit->exited && exit->code == 0) << exit->ToString() << "\n" << LogTail(log);
}

void RunAgentKills(const AgentKillScenario& scenario, const std::string& root, std::mt19937_64& rng,
                   AgentKillOutcome* outcome) {
  using std::chrono::milliseconds;
  const std::string agent = RunnelBinaryPath("runnel-agent");
  const std::string aggregator = RunnelBinaryPath("runnel-aggregator");
  ASSERT_TRUE(RunnelBinariesFound()) << kRunnelBinariesNotFound;
  const std::string logs = outcome->logs = root + "/logs";
  ASSERT_EQ(mkdir(logs.c_str(), 0755), 0);
  const std::string out = root + "/out.jsonl";
  const std::string agg_log = root + "/aggregator.stderr";
  const std::string agent_log = root + "/agent.stderr";
  // The aggregator runs throughout: port 0, the port it logs.
  ASSERT_TRUE(WriteFile(root + "/aggregator.toml", AggregatorConfig(root + "/aggregator", 0, out)));
  Result<Process> agg =
      Process::Spawn({{aggregator, "-c", root + "/aggregator.toml"}, "", agg_log, ""});
  ASSERT_TRUE(agg.has_value()) << agg.error().ToString();
  const uint16_t port = WaitForLoggedPort(agg_log, "inputs.fwd", *agg);
  ASSERT_NE(port, 0) << LogTail(agg_log);

  const std::string agent_config = root + "/agent.toml";
  ASSERT_TRUE(
      WriteFile(agent_config, scenario.agent_config(root + "/agent", logs + "/app.log*", port)));
  auto start_agent = [&] {
    Result<Process> p = Process::Spawn({{agent, "-c", agent_config}, "", agent_log, ""});
    EXPECT_TRUE(p.has_value()) << p.error().ToString();
    return p.has_value() ? std::move(*p) : Process();
  };
  Process live = start_agent();
  PacedLineWriter writer({.path = logs + "/app.log",
                          .lines_per_second = scenario.lines_per_second,
                          .rotate_min_lines = scenario.rotate_min_lines,
                          .rotate_max_lines = scenario.rotate_max_lines,
                          .seed = rng()});
  writer.Start();
  for (int k = 1; k <= scenario.kills; ++k) {
    // A random moment. When the aggregator stalls (SIGSTOP) from a random point on, the agent
    // dies holding lines it has read and not had acknowledged: in its queue, or sent.
    const milliseconds life = RandomMillis(rng, scenario.min_life_ms, scenario.max_life_ms);
    const bool stall = scenario.stall_half && rng() % 2 == 0;
    const milliseconds stall_at =
        stall ? RandomMillis(rng, 0, static_cast<int>(life.count())) : life;
    std::this_thread::sleep_for(stall_at);  // a moment, not a sync
    if (stall) {
      ASSERT_TRUE(agg->Signal(SIGSTOP).ok()) << LogTail(agg_log);
      ++outcome->stalls;
    }
    std::this_thread::sleep_for(life - stall_at);
    ASSERT_TRUE(live.running()) << "runnel-agent exited on its own before kill " << k << "\n"
                                << LogTail(agent_log);
    live.Kill();
    if (stall) {
      ASSERT_TRUE(agg->Signal(SIGCONT).ok()) << LogTail(agg_log);
    }
    ASSERT_TRUE(AppendFile(agent_log, "----- test: SIGKILL " + std::to_string(k) + " -----\n"));
    live = start_agent();
  }
  const int written = outcome->written = writer.Stop();
  outcome->rotations = writer.rotations();
  ASSERT_EQ(writer.error(), "");
  ASSERT_GT(written, 0);

  // The last agent runs until every line is in the output.
  OutputFollower follower(out);
  DeliveryTally& tally = outcome->tally.emplace(logs + "/app.log");
  auto follow = [&] { follower.Follow([&](std::string_view line) { tally.Add(line); }); };
  ASSERT_TRUE(PollUntil(
      [&] {
        follow();
        return tally.distinct() >= static_cast<uint64_t>(written) || !live.running();
      },
      std::chrono::minutes(3)))
      << tally.Missing(written) << " of " << written << " lines missing after 3 minutes; "
      << tally.DescribeMissing(written) << "\n"
      << LogTail(agent_log);
  EXPECT_TRUE(live.running()) << LogTail(agent_log);
  // Everything is acknowledged, so the checkpoint reaches the end of every file.
  const std::string checkpoint = root + "/agent/inputs.app/checkpoint";
  std::string lag;
  EXPECT_TRUE(PollUntil([&] { return (lag = CheckpointLag(checkpoint, logs)).empty(); },
                        std::chrono::seconds(30)))
      << lag;
  ASSERT_NO_FATAL_FAILURE(StopCleanly(live, agent_log));
  ASSERT_NO_FATAL_FAILURE(StopCleanly(*agg, agg_log));
  EXPECT_EQ(CheckpointLag(checkpoint, logs), "");
  follow();
}

void ExpectBoundedDuplicates(const AgentKillScenario& scenario, const AgentKillOutcome& outcome,
                             const AgentWindow& window) {
  ASSERT_TRUE(outcome.tally.has_value());
  const DeliveryTally& tally = *outcome.tally;
  const uint64_t bound = DuplicateBoundPerKill(window);
  std::printf(
      "lines written: %d (%d rotations), SIGKILLs: %d (%d with the aggregator stalled), %s; "
      "bound per kill: %s\n",
      outcome.written, outcome.rotations, scenario.kills, outcome.stalls,
      DescribeDeliveries(tally).c_str(), DescribeDuplicateBound(window).c_str());
  std::fflush(stdout);
  EXPECT_EQ(tally.Missing(outcome.written), 0u) << tally.DescribeMissing(outcome.written);
  EXPECT_EQ(tally.corrupt(), 0u) << "output lines that are not lines written:\n"
                                 << tally.DescribeCorrupt();
  EXPECT_LE(tally.largest_duplicate_run(), bound);
  EXPECT_LE(tally.duplicates(), static_cast<uint64_t>(scenario.kills) * bound);
}

}  // namespace runnel::testing
