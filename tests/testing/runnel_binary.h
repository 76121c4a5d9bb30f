#pragma once
// The runnel binaries this tree builds, for integration tests run through ctest (which sets
// RUNNEL_BINARY_DIR), and a helper that runs one to its end and keeps what it printed.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {

// The binaries with the same command line and lifecycle, for parametrised tests.
inline constexpr std::string_view kRunnelBinaries[] = {"runnel-agent", "runnel-aggregator"};

// "runnel-agent" -> $RUNNEL_BINARY_DIR/agent/runnel-agent; "runnel-aggregator" ->
// $RUNNEL_BINARY_DIR/aggregator/runnel-aggregator. "" when RUNNEL_BINARY_DIR is not set.
std::string RunnelBinaryPath(std::string_view name);

// Whether both binaries (runnel-agent and runnel-aggregator) are there; if not, a test says
// kRunnelBinariesNotFound.
bool RunnelBinariesFound();
inline constexpr char kRunnelBinariesNotFound[] =
    "runnel binaries not found (run through ctest, which sets RUNNEL_BINARY_DIR)";

// A test-name suffix for a binary of kRunnelBinaries: "runnel-agent" -> "runnelagent".
std::string BinaryTestName(std::string_view binary);

struct CommandResult {
  ExitStatus status;
  std::string out;  // everything written to stdout
  std::string err;  // everything written to stderr
};

// Runs argv (argv[0] is the program's path) in `cwd` ("" for this process's directory) until it
// exits, with stdout and stderr captured in files under `tmp`. A child that cannot be started or
// that runs past `timeout` fails the current test (and is killed); its status is then "signal 9".
CommandResult RunToExit(std::vector<std::string> argv, const std::string& cwd, const TempDir& tmp,
                        std::chrono::seconds timeout = std::chrono::seconds(30));

}  // namespace runnel::testing
