#pragma once
// The generate input: synthetic log lines from LogGenerator (json, apache, plain), N of them or
// without end, at a rate or as fast as the pipeline takes them. For demos and benchmarks.
// One thread per instance.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "runnel/config_node.h"
#include "runnel/log_generator.h"
#include "runnel/plugin.h"
#include "runnel/schema.h"

namespace runnel::plugins::generate {

struct GenerateConfig {
  LogGenerator::Format format = LogGenerator::Format::kJson;
  uint64_t count = 0;  // 0: without end
  uint64_t rate = 0;   // lines per second; 0: as fast as the pipeline takes them
  uint64_t seed = 1;
  std::string key = "log";
  uint32_t batch_max_events = 1000;
  bool exit_on_count = true;  // false: once `count` lines are out, idle until stopped
};

Schema GenerateSchema();
Result<GenerateConfig> ParseGenerateConfig(const ConfigNode& node);

class GenerateInput : public Input {
 public:
  GenerateInput(GenerateConfig config, std::string id)
      : config_(std::move(config)), id_(std::move(id)) {}
  ~GenerateInput() override { Stop(); }

  Status Start(Emitter& emitter) override;
  void Stop() override;

 private:
  void Run(Emitter& emitter);

  GenerateConfig config_;
  std::string id_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;  // an idle input (exit_on_count = false) waits here
};

}  // namespace runnel::plugins::generate
