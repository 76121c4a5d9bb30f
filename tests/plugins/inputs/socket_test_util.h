#pragma once
// Shared pieces of the socket input tests: an input built through the real loader and registry,
// and started on an emitter (clients: tests/testing/socket_clients.h).

#include <memory>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "plugins/inputs/socket/socket_input.h"
#include "tests/testing/capture_emitter.h"
#include "tests/testing/load_config.h"
#include "tests/testing/socket_clients.h"

namespace runnel::testing {

// A socket input of `type` named "in", with `body` added to its config.
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
  // Builds the input as Make() does and starts it on `emitter`: then *input holds it and *port
  // is the port it listens on. When it cannot be built or started the test fails fatally
  // (returning from here only) with the error, and *port is left as it was.
  void StartOn(const std::string& type, const std::string& body, Emitter& emitter,
               std::unique_ptr<Input>* input, uint16_t* port) {
    auto in = Make(type, body);
    ASSERT_TRUE(in.has_value()) << in.error().ToString();
    *input = std::move(*in);
    Status s = (*input)->Start(emitter);
    ASSERT_TRUE(s.ok()) << s.ToString();
    *port = PortOf(**input);
  }
  static uint16_t PortOf(Input& in) {
    return dynamic_cast<plugins::socket_input::SocketInput&>(in).port();
  }
  uint64_t Count(const std::string& name, const MetricLabels& labels = {}) {
    return metrics_.GetCounter(name, "inputs.in", "", labels)->value();
  }

  TempDir dir_;
  MetricsRegistry metrics_;
};

}  // namespace runnel::testing
