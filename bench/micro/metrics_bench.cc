// Micro benchmarks of the metrics: an update on the hot path (Counter::Add, Histogram::Observe),
// rendering /metrics for a pipeline of a given number of components (the registry, then the
// process metrics read from /proc), and a whole scrape over HTTP on loopback.
//   build/bench/micro/metrics_bench
#include <benchmark/benchmark.h>

#include <string>

#include "api/admin_server.h"
#include "api/process_metrics.h"
#include "runnel/metrics.h"
#include "tests/testing/http_client.h"

namespace runnel {
namespace {

// The series of a pipeline of `components` components: each one's seven standard counters and
// an output's buffer and dead-letter series (about 12 per component).
void Fill(MetricsRegistry& r, int components) {
  for (int i = 0; i < components; ++i) {
    const std::string id = "outputs.o" + std::to_string(i);
    ComponentMetrics m = ComponentMetrics::Create(r, id);
    m.events_out->Add(123456789);
    r.GetGauge("buffer_bytes", id, "Bytes.")->Set(1 << 20);
    r.GetGauge("buffer_batches", id, "Batches.")->Set(7);
    r.GetCounter("dead_letters_total", id, "Dead letters.");
    r.GetCounter("dead_letters_failed_total", id, "Lost.");
    r.GetHistogram("forward_ack_latency_seconds", id, "Latency.", LatencyBuckets())->Observe(0.01);
  }
}

void BM_CounterAdd(benchmark::State& state) {
  Counter c;
  for (auto _ : state) {
    c.Add(1000);
  }
  benchmark::DoNotOptimize(c.value());
}
BENCHMARK(BM_CounterAdd);

void BM_HistogramObserve(benchmark::State& state) {
  Histogram h(LatencyBuckets());
  double v = 0.0001;
  for (auto _ : state) {
    h.Observe(v);
    v = v > 50 ? 0.0001 : v * 1.7;
  }
  benchmark::DoNotOptimize(h.count());
}
BENCHMARK(BM_HistogramObserve);

void BM_RenderRegistry(benchmark::State& state) {
  MetricsRegistry r;
  Fill(r, static_cast<int>(state.range(0)));
  std::string out;
  for (auto _ : state) {
    out.clear();
    r.AppendPrometheus(&out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_RenderRegistry)->Arg(5)->Arg(20)->Arg(100);

void BM_ProcessMetrics(benchmark::State& state) {
  std::string out;
  for (auto _ : state) {
    out.clear();
    api::AppendProcessMetrics(&out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_ProcessMetrics);

// GET /metrics on a kept-alive connection: what a scrape costs end to end (both sides).
void BM_ScrapeOverHttp(benchmark::State& state) {
  MetricsRegistry r;
  Fill(r, static_cast<int>(state.range(0)));
  auto server =
      api::AdminServer::Start({}, api::AdminHandlers{.metrics =
                                                         [&r] {
                                                           std::string out;
                                                           r.AppendPrometheus(&out);
                                                           api::AppendProcessMetrics(&out);
                                                           return out;
                                                         },
                                                     .health = nullptr,
                                                     .ready = nullptr});
  if (!server.has_value()) {
    state.SkipWithError(server.error().message().c_str());
    return;
  }
  testing::HttpConnection c((*server)->port());
  for (auto _ : state) {
    c.Send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    testing::HttpReply reply = c.Read();
    if (reply.status != 200) {
      state.SkipWithError("scrape failed");
      return;
    }
  }
}
BENCHMARK(BM_ScrapeOverHttp)->Arg(5)->UseRealTime();

}  // namespace
}  // namespace runnel

BENCHMARK_MAIN();
