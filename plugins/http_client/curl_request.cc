#include "plugins/http_client/curl_request.h"

#include <cctype>
#include <charconv>
#include <mutex>

#include "runnel/net/http.h"

namespace runnel::http_client {
namespace {

constexpr size_t kMaxResponseBody = 1 << 20;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) {
    s.remove_suffix(1);
  }
  return s;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && net::EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

}  // namespace

void GlobalCurlInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::chrono::milliseconds ParseRetryAfter(std::string_view value,
                                          std::chrono::system_clock::time_point now) {
  value = Trim(value);
  if (value.empty()) {
    return std::chrono::milliseconds{0};
  }
  uint64_t seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && end == value.data() + value.size()) {
    return std::chrono::seconds(std::min<uint64_t>(seconds, 86'400 * 365));
  }
  const std::string text(value);
  const time_t at = curl_getdate(text.c_str(), nullptr);
  if (at < 0) {
    return std::chrono::milliseconds{0};
  }
  const auto wait = std::chrono::system_clock::from_time_t(at) - now;
  if (wait <= std::chrono::milliseconds{0}) {
    return std::chrono::milliseconds{0};
  }
  return std::chrono::ceil<std::chrono::milliseconds>(wait);
}

Result<std::unique_ptr<CurlRequest>> CurlRequest::Create(const HttpOptions& options,
                                                         const Request& request, std::string body,
                                                         std::string_view content_encoding) {
  GlobalCurlInit();
  std::unique_ptr<CurlRequest> r(new CurlRequest());
  r->easy_ = curl_easy_init();
  if (r->easy_ == nullptr) {
    return Err(Internal("curl_easy_init failed"));
  }
  r->body_ = std::move(body);
  r->url_ = request.url.empty() ? options.url : request.url;
  CURL* e = r->easy_;
  curl_easy_setopt(e, CURLOPT_URL, r->url_.c_str());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->error_);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &CurlRequest::OnBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, r.get());
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &CurlRequest::OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, r.get());
  if (request.method == "GET") {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body_.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r->body_.size()));
    if (request.method != "POST") {
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  }
  auto add = [&r](const std::string& line) {
    r->headers_ = curl_slist_append(r->headers_, line.c_str());
  };
  for (const auto& [name, value] : options.headers) {
    add(name + ": " + value);
  }
  for (const auto& [name, value] : request.headers) {
    add(name + ": " + value);
  }
  if (request.method != "GET" && request.method != "HEAD") {
    add("Content-Type: " + request.content_type);
  }
  if (!content_encoding.empty()) {
    add("Content-Encoding: " + std::string(content_encoding));
  }
  if (!options.bearer_token.empty()) {
    add("Authorization: Bearer " + options.bearer_token);
  }
  add("Expect:");  // no 100-continue round trip
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers_);
  if (!options.user.empty()) {
    curl_easy_setopt(e, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(e, CURLOPT_USERNAME, options.user.c_str());
    curl_easy_setopt(e, CURLOPT_PASSWORD, options.password.c_str());
  }
  if (!options.tls_ca_file.empty()) {
    curl_easy_setopt(e, CURLOPT_CAINFO, options.tls_ca_file.c_str());
  }
  if (!options.tls_cert_file.empty()) {
    curl_easy_setopt(e, CURLOPT_SSLCERT, options.tls_cert_file.c_str());
    curl_easy_setopt(e, CURLOPT_SSLKEY, options.tls_key_file.c_str());
  }
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, options.tls_verify_peer ? 1L : 0L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, options.tls_verify_hostname ? 2L : 0L);
  return r;
}

CurlRequest::~CurlRequest() {
  if (easy_ != nullptr) {
    curl_easy_cleanup(easy_);
  }
  curl_slist_free_all(headers_);
}

size_t CurlRequest::OnBody(char* data, size_t size, size_t n, void* self) {
  auto* r = static_cast<CurlRequest*>(self);
  const size_t bytes = size * n;
  const size_t room = kMaxResponseBody - std::min(kMaxResponseBody, r->response_body_.size());
  r->response_body_.append(data, std::min(bytes, room));
  return bytes;
}

size_t CurlRequest::OnHeader(char* data, size_t size, size_t n, void* self) {
  auto* r = static_cast<CurlRequest*>(self);
  const std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {
    r->retry_after_.clear();  // a new response (after a 100 Continue, say)
  } else if (StartsWithIgnoreCase(line, "retry-after:")) {
    r->retry_after_ = std::string(Trim(line.substr(12)));
  }
  return size * n;
}

Response CurlRequest::Finish(CURLcode code) {
  Response response;
  if (code != CURLE_OK) {
    response.error = error_[0] != '\0' ? std::string(error_) : curl_easy_strerror(code);
    while (!response.error.empty() && response.error.back() == '\n') {
      response.error.pop_back();
    }
    response.error = url_ + ": " + response.error;
    return response;
  }
  long status = 0;
  curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
  response.status = status;
  response.body = std::move(response_body_);
  if (!retry_after_.empty()) {
    response.retry_after = ParseRetryAfter(retry_after_, std::chrono::system_clock::now());
  }
  return response;
}

Response PerformBlocking(const HttpOptions& options, const Request& request) {
  Result<std::unique_ptr<CurlRequest>> r = CurlRequest::Create(options, request, request.body, "");
  if (!r) {
    Response response;
    response.error = r.error().message();
    return response;
  }
  return (*r)->Finish(curl_easy_perform((*r)->easy()));
}

}  // namespace runnel::http_client
