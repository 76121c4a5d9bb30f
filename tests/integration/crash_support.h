#pragma once
// Shared pieces of the crash tests (agent_crash_test, aggregator_crash_test): a seeded run of
// kills, a writer that appends numbered lines at a steady rate (rotating by rename if asked),
// configs for runnel-agent (tail → forward) and runnel-aggregator (forward → file), and the
// checks: every line written is in the output, every output line is exactly a written one, the
// agent's checkpoint reached the end of every file.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/testing/process.h"

namespace runnel::testing {

// How many kills a crash test does: `normal`, or `long_run` when RUNNEL_LONG_TESTS=1.
int CrashKills(int normal, int long_run);

// The seed of a crash test's PRNG: $RUNNEL_CRASH_SEED when set (to replay a run), otherwise a
// fresh one. Printed, so a failing run can be replayed.
uint64_t CrashSeed();

// "line <seq, 9 digits> <48 hex digits hashed from seq>\n": one line of a crash test's input,
// unique per seq. Hex digits compress only about 2:1, so a window of compressed forward frames
// holds a few thousand lines, not the whole test.
std::string CrashLine(int seq);

// Writes CrashLine(1), CrashLine(2), ... to `path` on its own thread, a chunk (one
// write(2)) every 10 ms, `lines_per_second` in all, as a busy application does. With
// `rotate_min_lines` > 0 it rotates by rename every rotate_min_lines..rotate_max_lines lines
// (drawn from `seed`): `path` becomes `path`.1, .2, ... (every rotated file is kept), the next
// chunk still goes to the renamed file (a daemon writes on until it reopens), then `path` is
// created again. Thread-safe.
class PacedLineWriter {
 public:
  struct Options {
    std::string path;
    int lines_per_second = 50'000;
    int rotate_min_lines = 0;  // 0: never rotate
    int rotate_max_lines = 0;
    uint64_t seed = 1;
  };

  explicit PacedLineWriter(Options options);
  ~PacedLineWriter();  // Stop()
  PacedLineWriter(const PacedLineWriter&) = delete;
  PacedLineWriter& operator=(const PacedLineWriter&) = delete;

  void Start();
  // Stops after the chunk being written. Returns how many lines were written: 1..written().
  int Stop();

  int written() const { return written_.load(); }
  int rotations() const { return rotations_.load(); }
  // "" while all is well; otherwise why the writer stopped on its own (an I/O error).
  std::string error() const;

 private:
  void Run();
  void Fail(const std::string& what, int err);

  Options options_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> written_{0};
  std::atomic<int> rotations_{0};
  mutable std::mutex mu_;
  std::string error_;
};

// Checks, line by line, a JSON-lines output (file output with time_key = "") of the lines of a
// PacedLineWriter: each must be exactly {"log":"<CrashLine(seq)>","path":"<path_prefix>…"}
// where … is "" or ".<n>" (the rotated files). Counts how often each seq arrived. Not
// thread-safe.
class DeliveryTally {
 public:
  explicit DeliveryTally(std::string path_prefix) : path_prefix_(std::move(path_prefix)) {}

  void Add(std::string_view json_line);

  uint64_t lines() const { return lines_; }
  uint64_t corrupt() const { return corrupt_; }
  // Lines that were a seq seen before.
  uint64_t duplicates() const { return lines_ - corrupt_ - distinct_; }
  // Seqs seen at least once.
  uint64_t distinct() const { return distinct_; }
  // Duplicates in runs: a run is consecutive output lines, each repeating a seq seen before and
  // one more than the previous line's. Within one agent life the lines of a file arrive in order;
  // a restart sends again from its checkpoint, so its repeats start a run (the seq goes back).
  // A run is therefore at most what one kill left delivered and uncommitted.
  uint64_t duplicate_runs() const { return runs_; }
  uint64_t largest_duplicate_run() const { return largest_run_; }
  // Seqs in 1..written never seen; and "first missing: 17-18 4021 ..." naming at most `n`
  // ranges of them ("none missing" when there is none).
  uint64_t Missing(int written) const;
  std::string DescribeMissing(int written, int n = 20) const;
  // The first few corrupt lines, one per line.
  std::string DescribeCorrupt() const;

 private:
  std::string path_prefix_;
  std::vector<uint32_t> count_;  // by seq
  uint64_t lines_ = 0;
  uint64_t corrupt_ = 0;
  uint64_t distinct_ = 0;
  int previous_seq_ = 0;
  uint64_t run_ = 0;  // length of the run the last line ended, 0 when it was not a duplicate
  uint64_t runs_ = 0;
  uint64_t largest_run_ = 0;
  std::vector<std::string> corrupt_examples_;
};

// The tail checkpoint at `checkpoint_path` (snapshot and journal, as a restart loads it) against
// the regular files in `dir`: "" when every file has an entry (by device + inode) whose offset is
// the file's size, and no entry names another file; otherwise what differs, one file per line.
std::string CheckpointLag(const std::string& checkpoint_path, const std::string& dir);

// The last `max_bytes` of a process's log, headed by its path, for failure messages.
std::string LogTail(const std::string& path, size_t max_bytes = 6000);

// runnel-aggregator: a forward input on 127.0.0.1:`port` (0: any, logged) and a file output to
// `out` without the time key (see DeliveryTally) that syncs each batch before acknowledging it:
// the aggregator spends longer on each batch, so a kill finds more of them unacknowledged.
std::string AggregatorConfig(const std::string& data_dir, uint16_t port, const std::string& out);

// AgentConfig's batches and forward window.
inline constexpr uint64_t kCrashAgentBatchEvents = 500;
inline constexpr uint64_t kCrashAgentInFlightBytes = 64 * 1024;

// runnel-agent: a tail input "app" of `glob` checkpointing every 100 ms in batches of at most
// kCrashAgentBatchEvents lines, and a forward output to 127.0.0.1:`port` retrying quickly (a
// restarted aggregator is reached within 200 ms) with a small window of unacknowledged frames
// (kCrashAgentInFlightBytes): what the agent has read beyond it waits in its own memory, the
// records a kill of the agent must not lose.
std::string AgentConfig(const std::string& data_dir, const std::string& glob, uint16_t port);

// runnel-agent as a new user writes it: a tail input "app" of `glob` and a forward output to
// 127.0.0.1:`port`, every other option at its default.
std::string DefaultAgentConfig(const std::string& data_dir, const std::string& glob, uint16_t port);

// The options of a runnel-agent (tail → forward, memory buffer) that bound what a kill can
// duplicate, and the size of one CrashLine event in its batches.
struct AgentWindow {
  uint64_t buffer_max_bytes = 0;     // the forward output's buffer.max_bytes (memory)
  uint64_t max_in_flight_bytes = 0;  // the forward output's max_in_flight_bytes
  uint64_t batch_max_events = 0;     // the tail input's batch_max_events
  uint64_t entry_bytes = 0;          // CrashEntryBytes(path of the file tailed)
};

// The memory buffer's default share: memory_limit (256MiB) / (outputs + 1), at most 16MiB.
inline constexpr uint64_t kDefaultMemoryBufferBytes = 16ull << 20;

// The bytes one CrashLine read from `path` takes in a tail batch: the entry [time, {"log": line,
// "path": path}] as the tail input builds it (what the memory buffer counts).
uint64_t CrashEntryBytes(const std::string& path);

// A CrashLine's 48 hex digits come from a 64-bit hash mix: no compressor stores them in less
// than 4 bits each, so a compressed frame holds at most one CrashLine per 24 bytes.
inline constexpr uint64_t kCrashLineMinFrameBytes = 24;

// The most lines one SIGKILL of that agent can leave delivered but not committed (so read and
// delivered again after the restart). Only what was sent can have been delivered: the batches
// the forward output has in flight (at most max_in_flight_bytes of frames, or one frame when a
// single one is larger), those whose acks it is completing (acks read together: as much again),
// and the one batch whose memory-buffer bytes are released just before tail journals its
// offset. Every one of them holds its bytes in the memory buffer until then, so their lines are
// also at most buffer_max_bytes / entry_bytes. What waits in the queue or in the batch being
// built was never sent: read again, but not a duplicate. Hence
//   min(buffer_max_bytes / entry_bytes,
//       2 * max(max_in_flight_bytes / kCrashLineMinFrameBytes, batch_max_events))
//   + batch_max_events.
// It assumes acknowledgements in order (one aggregator, one connection) and offsets committed
// as soon as they are acknowledged (the checkpoint journal).
uint64_t DuplicateBoundPerKill(const AgentWindow& window);
// The formula with this window's numbers, for the test's output.
std::string DescribeDuplicateBound(const AgentWindow& window);

// What one SIGKILL of the aggregator (AggregatorConfig: forward input with dedupe, file output
// on a disk buffer) can make arrive twice, in batches: the one its file output had written and
// whose delivery the disk buffer had not recorded (delivered again after the restart), and the
// one it had stored but whose id the dedupe window had not journalled yet (the agent sends it
// again and it is stored again). A batch it had journalled is acknowledged again, not stored.
// Each is one batch again from its first line, followed by lines not seen before (the next batch
// stored), so each is a run of its own (DeliveryTally) of at most one batch. A longer run is two
// batches stored twice back to back, which a dedupe window that forgot its ids makes.
inline constexpr uint64_t kAggregatorDuplicateBatchesPerKill = 2;

// "output lines: N, duplicates: D in R runs, the largest L, corrupt: C", for a test's summary.
std::string DescribeDeliveries(const DeliveryTally& tally);

// SIGTERM, then the exit within a minute, which must be 0 (gtest assertions, the end of `log`
// in the message). Call under ASSERT_NO_FATAL_FAILURE.
void StopCleanly(Process& process, const std::string& log);

// An agent crash run (agent_crash_test, crash_duplicates_test). A runnel-aggregator
// (AggregatorConfig) runs throughout; a PacedLineWriter writes logs/app.log; runnel-agent
// (`agent_config` of the glob logs/app.log*) is killed with SIGKILL `kills` times, each a random
// min_life_ms..max_life_ms after it was started, and started again on the same data_dir. With
// `stall_half`, in half of its lives the aggregator is stopped (SIGSTOP) from a random moment
// until the kill, so the agent dies holding lines it has sent and not had acknowledged. Then the
// last agent runs until every line written is in the output and its checkpoint is at the end of
// every file, and both stop cleanly.
struct AgentKillScenario {
  std::string (*agent_config)(const std::string& data_dir, const std::string& glob,
                              uint16_t port) = nullptr;
  int lines_per_second = 0;
  int rotate_min_lines = 0;  // PacedLineWriter's; 0: no rotation
  int rotate_max_lines = 0;
  int kills = 0;
  int min_life_ms = 0;
  int max_life_ms = 0;
  bool stall_half = false;
};
struct AgentKillOutcome {
  int written = 0;
  int rotations = 0;
  int stalls = 0;
  std::string logs;                    // the directory written, under the run's `root`
  std::optional<DeliveryTally> tally;  // the aggregator's output, once read
};
// Runs `scenario` under the directory `root`, drawing the moments from `rng` (gtest assertions:
// call under ASSERT_NO_FATAL_FAILURE). What is lost or corrupt and how many duplicates are
// allowed are the caller's to check, on *outcome.
void RunAgentKills(const AgentKillScenario& scenario, const std::string& root, std::mt19937_64& rng,
                   AgentKillOutcome* outcome);
// Prints the run's summary and checks it (gtest expectations): no line missing, none corrupt,
// no run of duplicates over DuplicateBoundPerKill(window), and no more duplicates than that
// times the kills.
void ExpectBoundedDuplicates(const AgentKillScenario& scenario, const AgentKillOutcome& outcome,
                             const AgentWindow& window);

// A uniformly drawn duration in [min_ms, max_ms] milliseconds.
std::chrono::milliseconds RandomMillis(std::mt19937_64& rng, int min_ms, int max_ms);

}  // namespace runnel::testing
