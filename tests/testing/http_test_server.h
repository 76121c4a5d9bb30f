#pragma once
// A loopback HTTP/1.1 server for the HTTP output engine's tests: it records every request
// (headers, the body as sent and decoded from its Content-Encoding, gzip or zstd, with zlib and
// libzstd directly), answers with scripted replies, can hold answers back (to count requests in
// flight at once) and speaks TLS when given a certificate. Requests are parsed by
// runnel::net::ParseHttpRequest (chunked bodies allowed); connections are kept alive.
//
// One thread accepts; one thread per connection reads, records and answers.
// Thread-safe: the test thread scripts and reads while connection threads serve.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runnel/net/http.h"

namespace runnel::testing {

struct ServedRequest {
  std::string method;
  std::string path;
  net::HttpHeaders headers;
  std::string raw_body;  // as received
  std::string body;      // decoded from Content-Encoding ("" and a note in `decode_error`)
  std::string decode_error;
  std::chrono::steady_clock::time_point received;  // when its last byte was read
  std::string Header(std::string_view name) const;
};

struct ServedReply {
  int status = 200;
  std::string body;
  net::HttpHeaders headers;  // e.g. {"Retry-After", "1"}
};

class HttpTestServer {
 public:
  struct Options {
    std::string cert_file;  // TLS when set, with key_file
    std::string key_file;
    std::string client_ca_file;  // TLS: require a client certificate signed by this CA
  };
  HttpTestServer();
  explicit HttpTestServer(Options options);
  ~HttpTestServer();
  HttpTestServer(const HttpTestServer&) = delete;
  HttpTestServer& operator=(const HttpTestServer&) = delete;

  uint16_t port() const { return port_; }
  // "http://127.0.0.1:<port><path>" ("https://localhost:..." with TLS).
  std::string Url(const std::string& path = "/") const;

  // The next requests get these replies, in order; then `Default` (200, empty body).
  void Script(std::vector<ServedReply> replies);
  void SetDefault(ServedReply reply);
  // Decides the reply instead of the script (called on connection threads, without the lock).
  void SetHandler(std::function<ServedReply(const ServedRequest&)> handler);
  // While held, requests are recorded but answered only after Release().
  void Hold();
  void Release();

  std::vector<ServedRequest> requests() const;
  size_t request_count() const;
  // Whether `n` requests have been recorded within `timeout`.
  bool WaitForRequests(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Requests recorded and not yet answered: now, and the most there ever were at once.
  int concurrent() const;
  int max_concurrent() const;
  bool WaitForConcurrent(int n, std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  void AcceptLoop();
  void Serve(int fd);

  struct Tls;
  std::unique_ptr<Tls> tls_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool held_ = false;
  std::deque<ServedReply> script_;
  ServedReply default_;
  std::function<ServedReply(const ServedRequest&)> handler_;
  std::vector<ServedRequest> requests_;
  int concurrent_ = 0;
  int max_concurrent_ = 0;
  std::vector<int> fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace runnel::testing
