#pragma once
// A tiny HTTP/1.1 client for tests of the admin API: a blocking connection to 127.0.0.1:port
// that sends raw bytes and reads responses (Content-Length framed) with a deadline, so a test
// can send garbage, pipeline requests, or keep a connection alive. Plus Prometheus text helpers.
// Not thread-safe: one connection per test thread.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace runnel::testing {

struct HttpReply {
  int status = 0;           // 0: no complete response before the deadline or the close
  std::string status_line;  // "HTTP/1.1 200 OK"
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string Header(const std::string& lower_name) const;  // "" when absent
};

class HttpConnection {
 public:
  // Connects to 127.0.0.1:port; connected() tells whether it worked.
  explicit HttpConnection(uint16_t port);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool Send(std::string_view bytes);
  // The next response; a HEAD response (`head`) has no body whatever its Content-Length.
  HttpReply Read(bool head = false, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Whether the server closed the connection (EOF with nothing more) within `timeout`.
  bool ClosedByPeer(std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  bool Fill(std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

// One request on a new connection: "GET /metrics HTTP/1.1" with Host and Connection: close.
HttpReply HttpGet(uint16_t port, const std::string& path, const std::string& method = "GET");

// The value of the sample `series` (the text before the value, e.g.
// `runnel_events_out_total{component="outputs.x"}`) in Prometheus text; nullopt when absent.
std::optional<double> SampleValue(std::string_view metrics, std::string_view series);

}  // namespace runnel::testing
