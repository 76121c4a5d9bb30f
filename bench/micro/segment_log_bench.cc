// Micro benchmarks of the disk buffer: append and replay throughput of 1 MiB entries, with the
// `never` and `interval` (1 s) sync policies. Bytes are payload bytes. The directory is under
// $TMPDIR (or /tmp); page cache effects apply, as they do in the agent.
//   build/bench/micro/segment_log_bench
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "runnel/buffer/segment_log.h"

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

SegmentLogOptions Options(const std::string& dir, SyncPolicy sync) {
  SegmentLogOptions o;
  o.dir = dir + "/buf";
  o.sync = sync;
  o.sync_interval = std::chrono::milliseconds(1000);
  return o;
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
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}
BENCHMARK(BM_Append)
    ->Arg(static_cast<int>(SyncPolicy::kNever))
    ->Arg(static_cast<int>(SyncPolicy::kInterval))
    ->ArgName("sync(1=interval,2=never)")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_Replay(benchmark::State& state) {
  auto sync = static_cast<SyncPolicy>(state.range(0));
  constexpr int kEntries = 256;  // 256 MiB
  std::string payload(kEntry, 'y');
  std::string dir = MakeTempDir();
  {
    auto log = SegmentLog::Open(Options(dir, sync));
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
    auto log = SegmentLog::Open(Options(dir, sync));
    ReadEntry e;
    while ((*log)->Next(&e).value_or(false)) {
      bytes += e.payload.size();
      benchmark::DoNotOptimize(e.payload.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}
BENCHMARK(BM_Replay)
    ->Arg(static_cast<int>(SyncPolicy::kNever))
    ->Arg(static_cast<int>(SyncPolicy::kInterval))
    ->ArgName("sync(1=interval,2=never)")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace runnel::buffer

BENCHMARK_MAIN();
