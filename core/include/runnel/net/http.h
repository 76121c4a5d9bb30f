#pragma once
// HTTP/1.1 (RFC 9112) as pure functions over bytes: parse one request from the start of a
// buffer, and build a response. No I/O: the admin API (core/src/api/admin_server.h) and the
// http input (plugins/inputs/http) do the sockets.
//
// Parsing is strict where being lenient could hide a bug or a smuggled request, and lenient
// where RFC 9112 asks for it:
//   - empty lines before the request line are skipped; a bare LF ends a line like CRLF;
//   - the request line is METHOD SP target SP HTTP/1.x; the target is origin-form ("/metrics?x")
//     or absolute-form ("http://host/metrics"), reduced to its path;
//   - header names are tokens followed at once by ':'; obsolete line folding, control characters
//     in values, a missing or repeated Host (HTTP/1.1), Transfer-Encoding together with
//     Content-Length, and conflicting Content-Lengths are refused;
//   - a body is framed by Content-Length, or, when limits.allow_chunked, by
//     "Transfer-Encoding: chunked" (the only transfer coding accepted; chunk extensions and
//     trailer fields are read and ignored). Without allow_chunked any Transfer-Encoding is 501.
//     A chunked body's framing may take at most max_body_bytes + 64 KiB beyond its data (a
//     client sending one-byte chunks cannot make the buffer much larger than the limit), else 413.
// The request's headers (as sent, values trimmed) and its body are returned.
// Thread-safe (no state).

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace runnel::net {

struct HttpLimits {
  size_t max_request_line_bytes = 4096;  // beyond: 414
  size_t max_header_bytes = 8192;        // request line and headers together; beyond: 431
  size_t max_headers = 64;               // beyond: 431
  size_t max_body_bytes = 64 * 1024;     // the body's data (after chunked decoding); beyond: 413
  bool allow_chunked = false;            // accept "Transfer-Encoding: chunked" bodies
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;      // as sent, case-sensitive: "GET"
  std::string path;        // "/metrics", without the query
  int minor_version = 1;   // HTTP/1.<minor>
  bool keep_alive = true;  // the connection stays open after the response
  HttpHeaders headers;     // in order, names as sent, values without surrounding whitespace
  std::string body;        // the body's data (chunked framing removed)

  // The value of the first header named `name` (case-insensitive), or "" when absent.
  std::string_view Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
};

// Whether two header names (or tokens) are equal, ignoring ASCII case.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

struct HttpParse {
  enum class State {
    kIncomplete,  // more bytes are needed (nothing is consumed)
    kComplete,    // `request` is set; `consumed` bytes (request and body) belong to it
    kError,       // answer `status` with `error` and close the connection
  };
  State state = State::kIncomplete;
  HttpRequest request;
  size_t consumed = 0;
  int status = 0;     // 400, 413, 414, 431, 501, 505
  std::string error;  // why, for the response body and logs
  // kIncomplete: the headers are complete, valid and within limits, the body is not all there,
  // and the client sent "Expect: 100-continue" (HTTP/1.1): a server answers "100 Continue".
  bool expects_continue = false;
};

// Parses the request at the start of `buffer`. A kIncomplete result is final for a buffer that
// cannot grow past the limits: once a buffer holds more than limits allow without a complete
// request, the result is kError (414, 431 or 413), never kIncomplete.
HttpParse ParseHttpRequest(std::string_view buffer, const HttpLimits& limits);

// "OK", "Not Found" ... for the statuses runnel sends; "Unknown" for others.
std::string_view ReasonPhrase(int status);

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::string allow;      // the Allow header (405), or ""
  HttpHeaders headers{};  // more headers (Retry-After, WWW-Authenticate), in this order
};

// The response as bytes: status line, Content-Type, Content-Length (always), Date, Allow when
// set, `headers`, Connection: keep-alive or close, and the body unless `head`. `date` is the
// value of the Date header (see HttpDate).
std::string SerializeResponse(const HttpResponse& response, bool head, bool keep_alive,
                              std::string_view date);

// An IMF-fixdate for a Date header: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string HttpDate(long unix_seconds);

}  // namespace runnel::net
