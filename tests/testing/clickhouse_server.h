#pragma once
// ClickHouseServer: a real clickhouse-server (Debian's /usr/sbin/clickhouse-server) for tests,
// in a temporary directory with its own config.xml and users.xml: listen_host 127.0.0.1, free
// loopback ports for http_port and tcp_port, data, tmp and logs under the directory, time
// zone UTC, and two users: `default` without a password and `writer` with password `secret`.
//
// Start() waits until GET /ping answers "Ok."; Kill() (SIGKILL) and Stop() (SIGTERM, then
// waits) end it for real; Start() again brings it back on the same ports with the same data.
// Query() runs one statement over HTTP (HTTP/1.0, so the answer is read to the end of the
// connection) and returns the body, or an error with ClickHouse's message.
// Not thread-safe: one test thread drives it.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "runnel/status.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace runnel::testing {

inline constexpr char kClickHouseServerPath[] = "/usr/sbin/clickhouse-server";
inline constexpr char kClickHouseNotInstalled[] =
    "clickhouse-server is not installed (/usr/sbin/clickhouse-server; packaging/deps installs "
    "it)";

// Whether the server binary is there.
bool ClickHouseInstalled();

class ClickHouseServer {
 public:
  ClickHouseServer();  // picks the ports and writes the configuration; starts nothing
  ~ClickHouseServer();
  ClickHouseServer(const ClickHouseServer&) = delete;
  ClickHouseServer& operator=(const ClickHouseServer&) = delete;

  // Spawns the server and waits until /ping answers "Ok." within `timeout`. Unavailable (with
  // the end of its log) when it exits or does not answer in time.
  Status Start(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // SIGKILL and reap: the store is gone at once, mid-request.
  void Kill();
  // SIGTERM and wait for the exit (SIGKILL after `timeout`).
  void Stop(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  bool running();

  uint16_t http_port() const { return http_port_; }
  std::string url() const;  // "http://127.0.0.1:<http_port>"
  const std::string& dir() const { return dir_.path(); }
  // How long the last Start() took until /ping answered.
  std::chrono::milliseconds last_start_duration() const { return last_start_; }

  // Runs `sql` as user `default`; the response body, or Unavailable / InvalidArgument with
  // the HTTP status and ClickHouse's message.
  Result<std::string> Query(std::string_view sql);
  // `SELECT count() FROM <table>` as a number; -1 on error.
  int64_t Count(std::string_view table);
  // The server's log files, for failure messages.
  std::string Logs() const;

 private:
  TempDir dir_;
  uint16_t http_port_ = 0;
  uint16_t tcp_port_ = 0;
  Process process_;
  std::chrono::milliseconds last_start_{0};
};

// One HTTP/1.0 request to 127.0.0.1:port (GET when `body` is empty, else POST); the status
// (0: no answer), the header lines and the body.
struct RawHttpAnswer {
  int status = 0;
  std::string headers;
  std::string body;
};
RawHttpAnswer RawHttpPost(uint16_t port, std::string_view target, std::string_view body,
                          std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Percent-encodes `s` for a URL query parameter.
std::string UrlEncode(std::string_view s);

}  // namespace runnel::testing
