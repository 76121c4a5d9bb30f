#pragma once
// Shared pieces of the socket input tests: an input built through the real loader and registry
// (clients: tests/testing/socket_clients.h).

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

#include "plugins/inputs/socket/socket_input.h"
#include "tests/testing/capture_emitter.h"
#include "tests/testing/load_config.h"
#include "tests/testing/socket_clients.h"

namespace runnel::testing {

// A socket input of `type` named "in", with `body` added to its config.
// Not thread-safe: a test fixture's base.
class SocketInputHarness {
 public:
  Result<std::unique_ptr<Input>> Make(const std::string& type, const std::string& body) {
    auto cfg = LoadToml(dir_, "[inputs.in]\ntype = \"" + type + "\"\n" + body +
                                  "[outputs.o]\ntype = \"null\"\ninputs = [\"in\"]\n");
    if (!cfg.has_value()) {
      return Err(cfg.error());
    }
    PluginContext ctx = TestContext(dir_, &metrics_, "inputs.in");
    return BuiltinRegistry().Find(PluginKind::kInput, type)->create_input(cfg->inputs.at(0), ctx);
  }
  // Makes the input, starts it on emitter_, and sets input_ and port_ (the bound port). A
  // failure is a fatal gtest failure that returns from here, leaving the rest unset.
  void StartInput(const std::string& type, const std::string& body) {
    auto in = Make(type, body);
    ASSERT_TRUE(in.has_value()) << in.error().ToString();
    input_ = std::move(*in);
    Status s = input_->Start(emitter_);
    ASSERT_TRUE(s.ok()) << s.ToString();
    port_ = PortOf(*input_);
  }
  static uint16_t PortOf(Input& in) {
    return dynamic_cast<plugins::socket_input::SocketInput&>(in).port();
  }
  uint64_t Count(const std::string& name, const MetricLabels& labels = {}) {
    return metrics_.GetCounter(name, "inputs.in", "", labels)->value();
  }

  TempDir dir_;
  MetricsRegistry metrics_;
  CaptureEmitter emitter_;
  std::unique_ptr<Input> input_;  // set by StartInput; the fixture stops it
  uint16_t port_ = 0;
};

}  // namespace runnel::testing
