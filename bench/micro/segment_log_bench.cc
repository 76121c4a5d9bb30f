// Micro benchmarks of the disk buffer. The directory is under $TMPDIR (or /tmp); page cache
// effects apply, as they do in the agent. Real time, since they measure I/O.
//   build/bench/micro/segment_log_bench
//
// SegmentLog (the storage engine), 1 MiB entries of incompressible bytes, bytes = payload:
//   BM_Append/sync:N   append with sync 0 = always (fdatasync per append), 1 = interval (1 s),
//                      2 = never;
//   BM_Replay          a restart: open (scan and check every record) and read 256 MiB back.
// DiskQueue (the buffer in front of an output), batches of ~1 MiB of JSON log lines as the tail
// input makes them ({"log": line}, runnel::LogGenerator), bytes = the batch's raw bytes:
//   BM_DiskQueuePush/sync:N   zstd (level 1) then append, as an input's thread does;
//   BM_DiskQueuePop/zstd_out:N   open and read back 64 batches: 0 decompresses each (an output
//                      that needs records), 1 hands over the stored zstd frame (forward output).
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "runnel/batch.h"
#include "runnel/buffer/segment_log.h"
#include "runnel/log_generator.h"
#include "runnel/logging.h"
#include "runnel/metrics.h"
#include "runtime/disk_queue.h"

namespace runnel::buffer {
namespace {

constexpr size_t kEntry = 1 << 20;

std::string MakeTempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/runnel-bench-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    return "";
  }
  return tmpl;
}

void RemoveDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

SegmentLogOptions Options(const std::string& dir, SyncPolicy sync) {
  SegmentLogOptions o;
  o.dir = dir + "/buf";
  o.sync = sync;
  o.sync_interval = std::chrono::milliseconds(1000);
  return o;
}

// Runs a benchmark once per sync policy, in milliseconds of real time.
void EachSyncPolicy(benchmark::internal::Benchmark* b) {
  b->ArgName("sync")
      ->Arg(static_cast<int>(SyncPolicy::kAlways))
      ->Arg(static_cast<int>(SyncPolicy::kInterval))
      ->Arg(static_cast<int>(SyncPolicy::kNever))
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

void BM_Append(benchmark::State& state) {
  auto sync = static_cast<SyncPolicy>(state.range(0));
  std::string payload(kEntry, 'x');
  for (size_t i = 0; i < payload.size(); ++i) {
    payload[i] = static_cast<char>(i * 2654435761u >> 24);
  }
  std::string dir = MakeTempDir();
  auto log = SegmentLog::Open(Options(dir, sync));
  if (!log.has_value()) {
    state.SkipWithError(log.error().ToString().c_str());
    return;
  }
  uint64_t n = 0;
  for (auto _ : state) {
    auto seq = (*log)->Append({BatchId{1, ++n}, "app", 1000, 0, payload});
    if (!seq.has_value()) {
      state.SkipWithError(seq.error().ToString().c_str());
      break;
    }
    // Keep the directory bounded: acknowledge what is 256 entries old.
    if (n > 256) {
      (void)(*log)->Ack(n - 256);
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(n * kEntry));
  log->reset();
  RemoveDir(dir);
}
BENCHMARK(BM_Append)->Apply(EachSyncPolicy);

void BM_Replay(benchmark::State& state) {
  constexpr int kEntries = 256;  // 256 MiB
  std::string payload(kEntry, 'y');
  std::string dir = MakeTempDir();
  {
    auto log = SegmentLog::Open(Options(dir, SyncPolicy::kNever));
    if (!log.has_value()) {
      state.SkipWithError(log.error().ToString().c_str());
      return;
    }
    for (int i = 0; i < kEntries; ++i) {
      (void)(*log)->Append({BatchId{1, static_cast<uint64_t>(i)}, "app", 1000, 0, payload});
    }
  }
  uint64_t bytes = 0;
  for (auto _ : state) {
    // A restart: Open scans and checks every record, then the cursor reads them all.
    auto log = SegmentLog::Open(Options(dir, SyncPolicy::kNever));
    ReadEntry e;
    while ((*log)->Next(&e).value_or(false)) {
      bytes += e.payload.size();
      benchmark::DoNotOptimize(e.payload.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  RemoveDir(dir);
}
BENCHMARK(BM_Replay)->Unit(benchmark::kMillisecond)->UseRealTime();

// A batch of JSON log lines of about 1 MiB, as tail builds it: [time, {"log": line}] entries.
const Batch& JsonBatch() {
  static const Batch* const kBatch = [] {
    auto* b = new Batch();
    b->tag = "app";
    b->id = BatchId{7, 7};
    BatchBuilder builder(b);
    LogGenerator gen(LogGenerator::Format::kJson, 1);
    std::string line;
    while (b->data.size() < kEntry) {
      line.clear();
      gen.NextLine(&line);
      builder.BeginEntry(EventTime::FromNanos(gen.last_timestamp_nanos()), 1);
      builder.writer().Str("log");
      builder.writer().Str(line);
    }
    return b;
  }();
  return *kBatch;
}

runtime::DiskQueueOptions QueueOptions(const std::string& dir, SyncPolicy sync, bool takes_zstd) {
  runtime::DiskQueueOptions o;
  o.dir = dir + "/buffer";
  o.component = "outputs.bench";
  o.max_bytes = 2ull << 30;  // the default cap
  o.sync = sync;
  o.sync_interval = std::chrono::milliseconds(1000);
  o.consumer_takes_zstd = takes_zstd;
  return o;
}

void BM_DiskQueuePush(benchmark::State& state) {
  auto sync = static_cast<SyncPolicy>(state.range(0));
  const Batch& batch = JsonBatch();
  std::string dir = MakeTempDir();
  MetricsRegistry metrics;
  auto queue = runtime::DiskQueue::Open(QueueOptions(dir, sync, false), &metrics);
  if (!queue.has_value()) {
    state.SkipWithError(queue.error().ToString().c_str());
    return;
  }
  uint64_t n = 0;
  for (auto _ : state) {
    Status s = (*queue)->Push(batch);
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
    ++n;
    // Keep the directory bounded: acknowledge what is 256 batches old (sequence numbers start
    // at 1 in a new log).
    if (n > 256) {
      (*queue)->Ack(n - 256);
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(n * batch.bytes()));
  state.counters["batch_MiB"] = static_cast<double>(batch.bytes()) / kEntry;
  queue->reset();
  RemoveDir(dir);
}
BENCHMARK(BM_DiskQueuePush)->Apply(EachSyncPolicy);

void BM_DiskQueuePop(benchmark::State& state) {
  const bool takes_zstd = state.range(0) != 0;
  constexpr int kBatches = 64;
  const Batch& batch = JsonBatch();
  std::string dir = MakeTempDir();
  MetricsRegistry metrics;
  uint64_t stored = 0;
  {
    auto queue =
        runtime::DiskQueue::Open(QueueOptions(dir, SyncPolicy::kNever, takes_zstd), &metrics);
    if (!queue.has_value()) {
      state.SkipWithError(queue.error().ToString().c_str());
      return;
    }
    for (int i = 0; i < kBatches; ++i) {
      (void)(*queue)->Push(batch);
    }
  }
  uint64_t bytes = 0;
  for (auto _ : state) {
    // Nothing is acknowledged: every open reads the 64 batches again, as after a restart.
    auto queue =
        runtime::DiskQueue::Open(QueueOptions(dir, SyncPolicy::kNever, takes_zstd), &metrics);
    for (int i = 0; i < kBatches; ++i) {
      auto entry = (*queue)->Pop(std::chrono::steady_clock::now());
      if (!entry.has_value()) {
        state.SkipWithError("the queue ran dry");
        break;
      }
      stored += entry->first.bytes();
      bytes += batch.bytes();
      benchmark::DoNotOptimize(entry->first.data.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  // How much smaller the stored batches are (zstd level 1), from what Pop hands over when it
  // does not decompress.
  if (takes_zstd && stored > 0) {
    state.counters["ratio"] = static_cast<double>(bytes) / static_cast<double>(stored);
  }
  RemoveDir(dir);
}
BENCHMARK(BM_DiskQueuePop)
    ->ArgName("zstd_out")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace runnel::buffer

int main(int argc, char** argv) {
  // Every DiskQueue open logs what it replays, at info.
  runnel::SetLogLevel(runnel::LogLevel::kWarn);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
