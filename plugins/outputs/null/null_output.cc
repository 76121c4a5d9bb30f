// The null output: takes every batch and discards it. For benchmarks and for testing a pipeline's
// inputs and filters; core counts what it receives (events_out_total of the output).
#include "runnel/registry.h"

namespace runnel::plugins {
namespace null_output {
namespace {

class NullOutput : public Output {
 public:
  WriteResult Write(const Batch&) override { return WriteResult::Delivered(); }
};

}  // namespace
}  // namespace null_output

void RegisterNullOutput(PluginRegistry& registry) {
  PluginInfo info;
  info.name = "null";
  info.kind = PluginKind::kOutput;
  info.description = "Discards every event; counts them. For benchmarks and tests.";
  info.stability = Stability::kStable;
  info.create_output = [](const ConfigNode&, PluginContext&) -> Result<std::unique_ptr<Output>> {
    return std::make_unique<null_output::NullOutput>();
  };
  (void)registry.Register(std::move(info));
}

}  // namespace runnel::plugins
