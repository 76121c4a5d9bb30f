#pragma once
// FakeLoki: tests/testing/fake_loki.py (a fake of Loki's push API, see that file) run as a
// real server process on 127.0.0.1, for the loki output's tests: start, kill and restart it on
// the same port, read what it stored, make it answer the next pushes with an error.
// Loki is not packaged for Debian 12; the fake follows its documented push API and ordering
// rule. Not thread-safe.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "runnel/status.h"
#include "tests/testing/process.h"

namespace runnel::testing {

struct LokiEntry {
  std::string stream;  // the selector, {a="b", c="d"}, labels sorted
  int64_t ts = 0;      // unix nanoseconds
  std::string line;
  std::string tenant;  // the X-Scope-OrgID header
};

class FakeLoki {
 public:
  // The fake stores into dir/loki.store and logs to dir/loki.out and dir/loki.err.
  explicit FakeLoki(std::string dir);
  ~FakeLoki();
  FakeLoki(const FakeLoki&) = delete;
  FakeLoki& operator=(const FakeLoki&) = delete;

  // Why the fake cannot run here (no /usr/bin/python3, no python3-snappy, not run through
  // ctest), or "" when it can. Tests skip with this text.
  static std::string WhyUnavailable();

  // Starts the fake on `port` (0: any free one the first time; a restart reuses port()) and
  // returns once it listens. Errors: it could not be started or did not listen within 10 s.
  Status Start(uint16_t port = 0);
  // SIGKILL, as a crash: what it had stored stays in the store.
  void Kill();
  bool running() { return process_.running(); }
  uint16_t port() const { return port_; }
  // "http://127.0.0.1:<port>"
  std::string Url() const;

  // Every entry stored so far (across restarts), in the order stored.
  std::vector<LokiEntry> Entries() const;
  // The body of GET /fake/stats (JSON), "" when the fake does not answer.
  std::string Stats() const;
  // The next `count` pushes get `status` (with Retry-After: retry_after_s when > 0).
  Status FailNext(int status, int count, int retry_after_s = 0);

 private:
  std::string dir_;
  uint16_t port_ = 0;
  Process process_;
};

}  // namespace runnel::testing
