#pragma once
// ClickHouseOutput: the clickhouse output. Creation only keeps the configuration (so
// --validate contacts nothing); Start() asks the server its version and the table's columns
// (FetchServerInfo), checks the mapping (ResolveMapping) and then runs the shared HTTP engine
// (http_client::HttpOutput) with a ClickHouseProtocol. Every other call goes to the engine.
// Start errors: the table or a mapped column is missing (naming it), or the server cannot be
// reached while require_server is on.
// The PluginContext is copied at creation (the engine is made at Start).
// Thread-safety: as any output (core's worker thread; Cancel from any thread).

#include <memory>

#include "clickhouse_config.h"
#include "plugins/http_client/http_output.h"
#include "runnel/plugin.h"

namespace runnel::plugins::clickhouse {

class ClickHouseOutput final : public Output {
 public:
  ClickHouseOutput(ClickHouseConfig config, PluginContext& ctx);
  ~ClickHouseOutput() override;

  Status Start() override;
  void Stop() override;
  bool completes_later() const override { return true; }
  Status Submit(std::shared_ptr<const Batch> batch, AckHandle ack) override;
  uint64_t Flush(std::chrono::steady_clock::time_point deadline) override;
  void Cancel() override;
  WriteResult Write(const Batch& batch) override;  // never called (completes_later)

 private:
  ClickHouseConfig config_;
  PluginContext ctx_;  // a copy: the one given at creation does not outlive it
  std::unique_ptr<http_client::HttpOutput> engine_;
};

}  // namespace runnel::plugins::clickhouse
