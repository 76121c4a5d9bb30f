#pragma once
// Shared pieces of the kafka integration tests: a mock cluster (tests/testing/kafka_mock.h:
// librdkafka's own, since no Kafka broker is packaged for Debian 12), starting runnel binaries
// against it, and waiting on conditions with a deadline.

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "tests/testing/file_helpers.h"
#include "tests/testing/kafka_mock.h"
#include "tests/testing/process.h"
#include "tests/testing/runnel_binary.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {

// Polls `done` every 50 ms until it holds or `timeout` passes; returns its last value.
inline bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (done()) {
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling, not synchronising
  }
}

// Starts `binary -c config`, stderr to `stderr_path`.
inline Result<Process> SpawnRunnel(std::string_view binary, const std::string& config,
                                   const std::string& stderr_path) {
  return Process::Spawn({{RunnelBinaryPath(binary), "-c", config}, "", stderr_path, ""});
}

}  // namespace runnel::testing
