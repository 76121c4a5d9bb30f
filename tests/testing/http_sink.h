#pragma once
// The Python HTTP receiver (tests/testing/http_sink_server.py, on Python 3's http.server) as a
// real server process for the http output's tests: started on a port (0: any free one, read
// back from its port file), killed for real and started again on the same port, and what it
// recorded read back (one JSON line per request). The script is found through
// RUNNEL_SOURCE_DIR, which ctest sets; python3 through PATH (/usr/bin/python3).
// Not thread-safe.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "runnel/status.h"
#include "tests/testing/process.h"

namespace runnel::testing {

struct SinkRequest {
  int n = 0;       // 1 for the first request the process received
  double t = 0;    // when it was received, CLOCK_MONOTONIC seconds
  int status = 0;  // what it answered
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  // names lower case
  std::string body;                            // decoded from Content-Encoding (bytes)
};

class HttpSink {
 public:
  // `dir`: where its files go (out.jsonl, port, stdout/stderr logs).
  explicit HttpSink(std::string dir) : dir_(std::move(dir)) {}

  // Whether python3 and the script are there (a test skips otherwise, saying why).
  static bool Available();
  static std::string ScriptPath();

  // Starts the server with `args` (see the script: --script, --default, --flap, --delay-ms,
  // --count-file) on `port` (0: a free one), and waits up to 30 s until it listens.
  Status Start(const std::vector<std::string>& args, uint16_t port = 0);
  void Kill();  // SIGKILL and reap
  bool running() { return process_.running(); }
  uint16_t port() const { return port_; }
  std::string Url(const std::string& path = "/") const;
  std::string out_path() const { return dir_ + "/out.jsonl"; }

  // Every request recorded so far (across restarts), in order; a record the server is still
  // appending (the text after the last newline) is left for the next call. A whole line that
  // does not parse is a gtest failure.
  std::vector<SinkRequest> Requests() const;

 private:
  std::string dir_;
  uint16_t port_ = 0;
  int starts_ = 0;
  Process process_;
};

}  // namespace runnel::testing
