#pragma once
// One HTTP request as a libcurl easy handle, set up from the output's HttpOptions: URL, method,
// headers, basic or bearer authentication, TLS files and checks, timeouts. It owns the body it
// sends and captures the response: status, at most 1 MiB of body, and Retry-After.
//
// Used by HttpOutput's curl thread (added to its multi handle) and by PerformBlocking.
// Thread-compatible: one thread at a time.

#include <curl/curl.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "plugins/http_client/http_output.h"
#include "runnel/status.h"

namespace runnel::http_client {

// curl_global_init, once per process (thread-safe).
void GlobalCurlInit();

// The wait a Retry-After value asks for: delay-seconds ("120") or an HTTP date, relative to
// `now`. 0 for a date in the past, or a value that is neither.
std::chrono::milliseconds ParseRetryAfter(std::string_view value,
                                          std::chrono::system_clock::time_point now);

class CurlRequest {
 public:
  // `body` is sent as it is (the caller compressed it); `content_encoding` ("" for none) is
  // sent as Content-Encoding. Internal when curl cannot make a handle.
  static Result<std::unique_ptr<CurlRequest>> Create(const HttpOptions& options,
                                                     const Request& request, std::string body,
                                                     std::string_view content_encoding);
  ~CurlRequest();
  CurlRequest(const CurlRequest&) = delete;
  CurlRequest& operator=(const CurlRequest&) = delete;

  CURL* easy() const { return easy_; }
  size_t body_size() const { return body_.size(); }
  // The response once curl finished the transfer with `code`.
  Response Finish(CURLcode code);

 private:
  CurlRequest() = default;
  static size_t OnBody(char* data, size_t size, size_t n, void* self);
  static size_t OnHeader(char* data, size_t size, size_t n, void* self);

  CURL* easy_ = nullptr;
  curl_slist* headers_ = nullptr;
  std::string body_;
  std::string url_;
  char error_[CURL_ERROR_SIZE] = {};
  std::string response_body_;
  std::string retry_after_;
};

}  // namespace runnel::http_client
