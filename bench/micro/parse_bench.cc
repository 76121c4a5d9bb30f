// Micro benchmarks of the parse filter: cost per record of JSON, apache-regex and logfmt parsing,
// against decoding the same batch without a filter. Items are records, bytes the batch payload.
//   build/bench/micro/parse_bench --benchmark_filter=Json
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "plugins/filters/parse/parse_config.h"
#include "plugins/filters/parse/parse_filter.h"
#include "runnel/batch.h"
#include "runnel/config_node.h"
#include "runnel/record.h"

namespace runnel::plugins::parse {
namespace {

constexpr int kRecords = 1000;

std::string JsonLine(int i) {
  return R"({"ts":"2023-11-14T22:13:20.)" + std::to_string(100000 + i) +
         R"(Z","level":"info","logger":"http.server","msg":"request done: \"GET /api/v1/items\"",)"
         R"("status":200,"bytes":)" +
         std::to_string(1000 + i) +
         R"(,"duration_ms":12.5,"user":{"id":12345,"roles":["admin","dev"]},"ok":true})";
}

std::string ApacheLine(int i) {
  return "203.0.113." + std::to_string(i % 250) +
         R"( - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif?id=)" + std::to_string(i) +
         R"x( HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)")x";
}

std::string LogfmtLine(int i) {
  return "ts=2023-11-14T22:13:20Z level=info logger=http.server msg=\"request done\" status=200 "
         "bytes=" +
         std::to_string(1000 + i) + " duration_ms=12.5 user=12345 ok";
}

Batch MakeBatch(std::string (*line)(int)) {
  Batch batch;
  BatchBuilder builder(&batch);
  for (int i = 0; i < kRecords; ++i) {
    builder.BeginEntry(EventTime{1700000000, 0}, 2);
    builder.writer().Str("log");
    builder.writer().Str(line(i));
    builder.writer().Str("stream");
    builder.writer().Str("stdout");
  }
  return batch;
}

std::unique_ptr<ParseFilter> MakeFilter(std::vector<std::pair<std::string, ConfigValue>> values,
                                        PluginContext& context) {
  ConfigNode node("filters", "bench", "parse", SourceLocation{"bench", 0, 0});
  node.Set("format", ConfigValue{std::string("json"), {}});
  node.Set("field", ConfigValue{std::string("log"), {}});
  node.Set("keep_original", ConfigValue{false, {}});
  node.Set("time_keep", ConfigValue{true, {}});
  node.Set("on_error", ConfigValue{std::string("keep"), {}});
  for (auto& [key, value] : values) {
    node.Set(key, std::move(value));
  }
  Result<ParseConfig> config = BuildParseConfig(node);
  if (!config.has_value()) {
    std::fprintf(stderr, "%s\n", config.error().ToString().c_str());
    std::abort();
  }
  return std::make_unique<ParseFilter>(std::move(*config), context);
}

void Run(benchmark::State& state, const Batch& batch, Filter* filter) {
  EventBatch events;
  for (auto _ : state) {
    if (!events.Decode(batch).ok()) {
      state.SkipWithError("decode failed");
      return;
    }
    if (filter != nullptr) {
      filter->Process(events);
    }
    benchmark::DoNotOptimize(events[0].fields().data());
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(batch.data.size()));
}

void BM_DecodeOnlyJson(benchmark::State& state) { Run(state, MakeBatch(JsonLine), nullptr); }

void BM_ParseJson(benchmark::State& state) {
  PluginContext context;
  auto filter = MakeFilter({}, context);
  Run(state, MakeBatch(JsonLine), filter.get());
  if (filter->parse_errors() != 0) {
    state.SkipWithError("parse errors");
  }
}

void BM_ParseJsonWithTime(benchmark::State& state) {
  PluginContext context;
  auto filter = MakeFilter({{"time_key", ConfigValue{std::string("ts"), {}}}}, context);
  Run(state, MakeBatch(JsonLine), filter.get());
  if (filter->parse_errors() != 0) {
    state.SkipWithError("parse errors");
  }
}

constexpr const char* kApacheCombined =
    R"re(^(?P<host>\S+) (?P<ident>\S+) (?P<user>\S+) \[(?P<time>[^\]]+)\] )re"
    R"re("(?P<method>\S+) (?P<path>\S+) (?P<protocol>[^"]+)" (?P<code>\d{3}) (?P<size>\d+|-) )re"
    R"re("(?P<referer>[^"]*)" "(?P<agent>[^"]*)"$)re";

void BM_DecodeOnlyApache(benchmark::State& state) { Run(state, MakeBatch(ApacheLine), nullptr); }

void BM_ParseApacheRegex(benchmark::State& state) {
  PluginContext context;
  auto filter = MakeFilter({{"format", ConfigValue{std::string("regex"), {}}},
                            {"regex", ConfigValue{std::string(kApacheCombined), {}}}},
                           context);
  Run(state, MakeBatch(ApacheLine), filter.get());
  if (filter->parse_errors() != 0) {
    state.SkipWithError("parse errors");
  }
}

void BM_ParseApacheRegexWithTime(benchmark::State& state) {
  PluginContext context;
  auto filter = MakeFilter({{"format", ConfigValue{std::string("regex"), {}}},
                            {"regex", ConfigValue{std::string(kApacheCombined), {}}},
                            {"time_key", ConfigValue{std::string("time"), {}}},
                            {"time_format", ConfigValue{std::string("%d/%b/%Y:%H:%M:%S %z"), {}}}},
                           context);
  Run(state, MakeBatch(ApacheLine), filter.get());
  if (filter->parse_errors() != 0) {
    state.SkipWithError("parse errors");
  }
}

void BM_ParseLogfmt(benchmark::State& state) {
  PluginContext context;
  auto filter = MakeFilter({{"format", ConfigValue{std::string("logfmt"), {}}}}, context);
  Run(state, MakeBatch(LogfmtLine), filter.get());
  if (filter->parse_errors() != 0) {
    state.SkipWithError("parse errors");
  }
}

BENCHMARK(BM_DecodeOnlyJson);
BENCHMARK(BM_ParseJson);
BENCHMARK(BM_ParseJsonWithTime);
BENCHMARK(BM_DecodeOnlyApache);
BENCHMARK(BM_ParseApacheRegex);
BENCHMARK(BM_ParseApacheRegexWithTime);
BENCHMARK(BM_ParseLogfmt);

}  // namespace
}  // namespace runnel::plugins::parse

BENCHMARK_MAIN();
