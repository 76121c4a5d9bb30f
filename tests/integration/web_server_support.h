#pragma once
// Shared pieces of the web server integration tests (Apache, nginx): reading a log back, starting
// the server and waiting until it listens, and curl sending one request.

#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "tests/testing/capture_emitter.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/loopback.h"
#include "tests/testing/process.h"

namespace runnel::testing {

inline constexpr const char* kCurl = "/usr/bin/curl";

// The lines of the file at `path`, without their newlines; none when it cannot be read.
inline std::vector<std::string> ReadLines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

// Spawns the server `options` describe into *server and waits up to 30 s until it accepts
// connections on 127.0.0.1:`port`. Fails the test fatally (returning from here only) when it
// cannot be spawned or exits first; the message then holds the files in `logs`, in order.
inline void SpawnServer(const Process::Options& options, uint16_t port,
                        const std::vector<std::string>& logs, Process* server) {
  Result<Process> p = Process::Spawn(options);
  ASSERT_TRUE(p.has_value());
  *server = std::move(*p);
  ASSERT_TRUE(PollUntil([&] { return AcceptsConnections(port) || !server->running(); },
                        std::chrono::seconds(30)));
  std::string output;
  for (const std::string& log : logs) {
    output += ReadFileOrEmpty(log);
  }
  ASSERT_TRUE(server->running()) << output;
}

// GET http://127.0.0.1:`port``path` with curl, as user agent "runnel-test/1.0 (x; y)" and
// referer "http://ref.example/start", the body discarded. Fails the test fatally (returning
// from here only) unless curl runs and exits 0 within 30 s.
inline void CurlGet(uint16_t port, const std::string& path) {
  Process::Options options;
  options.argv = {kCurl,
                  "-s",
                  "-o",
                  "/dev/null",
                  "-A",
                  "runnel-test/1.0 (x; y)",
                  "-e",
                  "http://ref.example/start",
                  "http://127.0.0.1:" + std::to_string(port) + path};
  Result<Process> p = Process::Spawn(options);
  ASSERT_TRUE(p.has_value());
  Result<ExitStatus> status = p->Wait(std::chrono::seconds(30));
  ASSERT_TRUE(status.has_value() && status->exited && status->code == 0);
}

}  // namespace runnel::testing
