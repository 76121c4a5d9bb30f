#include "runnel/net/http.h"

#include <charconv>
#include <ctime>
#include <utility>
#include <vector>

namespace runnel::net {
namespace {

HttpParse Fail(int status, std::string why) {
  HttpParse p;
  p.state = HttpParse::State::kError;
  p.status = status;
  p.error = std::move(why);
  return p;
}

bool IsTchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (!IsTchar(c)) {
      return false;
    }
  }
  return true;
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

enum class LineResult { kLine, kIncomplete, kBareCr };

// The line starting at `pos`, without its CRLF or LF; `next` is where the next one starts.
LineResult NextLine(std::string_view buffer, size_t pos, std::string_view* line, size_t* next) {
  size_t lf = buffer.find('\n', pos);
  size_t end = lf == std::string_view::npos ? buffer.size() : lf;
  size_t cr = buffer.substr(0, end).find('\r', pos);
  if (cr != std::string_view::npos && cr + 1 != end) {
    return LineResult::kBareCr;  // a CR inside a line
  }
  if (lf == std::string_view::npos) {
    return LineResult::kIncomplete;
  }
  *line = buffer.substr(pos, (cr == std::string_view::npos ? lf : cr) - pos);
  *next = lf + 1;
  return LineResult::kLine;
}

// HTTP/1.x -> x; -1 when not an HTTP version, -2 for a major version other than 1.
int ParseVersion(std::string_view v) {
  if (v.size() != 8 || !v.starts_with("HTTP/") || v[6] != '.' || v[5] < '0' || v[5] > '9' ||
      v[7] < '0' || v[7] > '9') {
    return -1;
  }
  return v[5] == '1' ? v[7] - '0' : -2;
}

// The path of an origin-form or absolute-form target; "" when it is neither.
std::string PathOf(std::string_view target) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() >= scheme.size() &&
        EqualsIgnoreCase(target.substr(0, scheme.size()), scheme)) {
      target.remove_prefix(scheme.size());
      size_t slash = target.find_first_of("/?#");
      target = slash == std::string_view::npos || target[slash] != '/' ? std::string_view("/")
                                                                       : target.substr(slash);
      break;
    }
  }
  if (!target.starts_with('/')) {
    return "";
  }
  return std::string(target.substr(0, target.find_first_of("?#")));
}

bool HasControl(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) {
      return true;
    }
  }
  return false;
}

// Decodes the chunked body at buffer[pos...] (RFC 9112 7.1) into *body; on success *end is the
// first byte after the trailer section. kIncomplete (nothing set) when more bytes are needed.
HttpParse::State ParseChunked(std::string_view buffer, size_t pos, const HttpLimits& limits,
                              std::string* body, size_t* end, HttpParse* error) {
  constexpr size_t kMaxFramingBytes = 64 * 1024;
  const size_t start = pos;
  size_t data_bytes = 0;
  // The data spans, copied once the body is complete (a body arriving in many reads is scanned
  // again on each, but copied once).
  std::vector<std::pair<size_t, size_t>> spans;
  auto too_large = [&](size_t wire) {
    return data_bytes > limits.max_body_bytes ||
           wire - data_bytes > limits.max_body_bytes + kMaxFramingBytes;
  };
  auto fail = [&](int status, std::string why) {
    *error = Fail(status, std::move(why));
    return HttpParse::State::kError;
  };
  const std::string body_limit =
      "a request body larger than " + std::to_string(limits.max_body_bytes) + " bytes";
  while (true) {
    std::string_view line;
    size_t next = 0;
    const LineResult r = NextLine(buffer, pos, &line, &next);
    if (r == LineResult::kBareCr) {
      return fail(400, "a CR not followed by LF");
    }
    if (r == LineResult::kIncomplete) {
      if (buffer.size() - pos > limits.max_request_line_bytes) {
        return fail(400, "a chunk size line longer than " +
                             std::to_string(limits.max_request_line_bytes) + " bytes");
      }
      return too_large(buffer.size() - start) ? fail(413, body_limit)
                                              : HttpParse::State::kIncomplete;
    }
    if (line.size() > limits.max_request_line_bytes) {
      return fail(400, "a chunk size line longer than " +
                           std::to_string(limits.max_request_line_bytes) + " bytes");
    }
    const std::string_view hex = TrimOws(line.substr(0, line.find(';')));
    uint64_t size = 0;
    auto [hex_end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), size, 16);
    if (hex.empty() || hex.size() > 16 || ec != std::errc() || hex_end != hex.data() + hex.size()) {
      return fail(400, "bad chunk size");
    }
    pos = next;
    if (size == 0) {
      break;
    }
    if (size > limits.max_body_bytes || data_bytes + size > limits.max_body_bytes) {
      return fail(413, body_limit);
    }
    if (buffer.size() - pos < size) {
      data_bytes += buffer.size() - pos;  // what is here so far counts against the limits
      return too_large(buffer.size() - start) ? fail(413, body_limit)
                                              : HttpParse::State::kIncomplete;
    }
    spans.emplace_back(pos, size);
    data_bytes += size;
    pos += size;
    // The data is followed by CRLF (or a bare LF).
    if (pos < buffer.size() && buffer[pos] == '\n') {
      pos += 1;
    } else if (pos + 1 < buffer.size() && buffer[pos] == '\r' && buffer[pos + 1] == '\n') {
      pos += 2;
    } else if (pos == buffer.size() || (pos + 1 == buffer.size() && buffer[pos] == '\r')) {
      return HttpParse::State::kIncomplete;
    } else {
      return fail(400, "chunk data not followed by CRLF");
    }
    if (too_large(pos - start)) {
      return fail(413, body_limit);
    }
  }
  // Trailer fields, ignored, up to an empty line.
  size_t trailer_bytes = 0;
  while (true) {
    std::string_view line;
    size_t next = 0;
    const LineResult r = NextLine(buffer, pos, &line, &next);
    if (r == LineResult::kBareCr) {
      return fail(400, "a CR not followed by LF");
    }
    trailer_bytes += (r == LineResult::kLine ? next : buffer.size()) - pos;
    if (trailer_bytes > limits.max_header_bytes) {
      return fail(431, "the trailer fields are larger than " +
                           std::to_string(limits.max_header_bytes) + " bytes");
    }
    if (r == LineResult::kIncomplete) {
      return HttpParse::State::kIncomplete;
    }
    pos = next;
    if (line.empty()) {
      break;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || !IsToken(line.substr(0, colon))) {
      return fail(400, "a trailer line is not NAME: VALUE");
    }
  }
  body->reserve(data_bytes);
  for (const auto& [at, n] : spans) {
    body->append(buffer.substr(at, n));
  }
  *end = pos;
  return HttpParse::State::kComplete;
}

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) {
      return false;
    }
  }
  return true;
}

std::string_view HttpRequest::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (EqualsIgnoreCase(n, name)) {
      return v;
    }
  }
  return {};
}

bool HttpRequest::HasHeader(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (EqualsIgnoreCase(n, name)) {
      return true;
    }
  }
  return false;
}

HttpParse ParseHttpRequest(std::string_view buffer, const HttpLimits& limits) {
  size_t pos = 0;
  // Empty lines before a request are ignored (RFC 9112 2.2).
  while (pos < buffer.size() && (buffer[pos] == '\r' || buffer[pos] == '\n')) {
    if (buffer[pos] == '\r' && pos + 1 < buffer.size() && buffer[pos + 1] != '\n') {
      return Fail(400, "a CR not followed by LF");
    }
    pos += buffer[pos] == '\r' ? 2 : 1;
    if (pos > limits.max_request_line_bytes) {
      return Fail(400, "too many empty lines before the request");
    }
  }
  const size_t start = std::min(pos, buffer.size());
  std::string_view line;
  size_t next = 0;
  switch (NextLine(buffer, start, &line, &next)) {
    case LineResult::kBareCr:
      return Fail(400, "a CR not followed by LF");
    case LineResult::kIncomplete:
      if (buffer.size() - start > limits.max_request_line_bytes) {
        return Fail(414, "the request line is longer than " +
                             std::to_string(limits.max_request_line_bytes) + " bytes");
      }
      return HttpParse{};
    case LineResult::kLine:
      break;
  }
  if (line.size() > limits.max_request_line_bytes) {
    return Fail(414, "the request line is longer than " +
                         std::to_string(limits.max_request_line_bytes) + " bytes");
  }
  HttpParse out;
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return Fail(400, "the request line is not METHOD SP TARGET SP VERSION");
  }
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const int minor = ParseVersion(line.substr(sp2 + 1));
  if (!IsToken(method)) {
    return Fail(400, "the method is not a token");
  }
  if (minor == -1) {
    return Fail(400, "the version is not HTTP/1.x");
  }
  if (minor == -2) {
    return Fail(505, "only HTTP/1.x is served");
  }
  if (target.empty() || HasControl(target)) {
    return Fail(400, "bad request target");
  }
  out.request.method = std::string(method);
  out.request.path = target == "*" ? "*" : PathOf(target);
  if (out.request.path.empty()) {
    return Fail(400, "the request target is neither a path nor an absolute URI");
  }
  out.request.minor_version = minor;

  size_t hosts = 0;
  size_t headers = 0;
  bool has_length = false;
  bool has_transfer_encoding = false;
  bool chunked = false;
  bool expect_continue = false;
  bool close = false;
  bool keep_alive = false;
  uint64_t length = 0;
  while (true) {
    pos = next;
    const LineResult r = NextLine(buffer, pos, &line, &next);
    const size_t header_bytes = (r == LineResult::kLine ? next : buffer.size()) - start;
    if (header_bytes > limits.max_header_bytes) {
      return Fail(431, "the request headers are larger than " +
                           std::to_string(limits.max_header_bytes) + " bytes");
    }
    if (r == LineResult::kBareCr) {
      return Fail(400, "a CR not followed by LF");
    }
    if (r == LineResult::kIncomplete) {
      return HttpParse{};
    }
    if (line.empty()) {
      break;
    }
    if (++headers > limits.max_headers) {
      return Fail(431, "more than " + std::to_string(limits.max_headers) + " request headers");
    }
    if (line.front() == ' ' || line.front() == '\t') {
      return Fail(400, "obsolete header line folding");
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || !IsToken(line.substr(0, colon))) {
      return Fail(400, "a header line is not NAME: VALUE");
    }
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = TrimOws(line.substr(colon + 1));
    if (HasControl(value)) {
      return Fail(400, "a control character in the value of " + std::string(name));
    }
    if (EqualsIgnoreCase(name, "host")) {
      ++hosts;
    } else if (EqualsIgnoreCase(name, "content-length")) {
      uint64_t n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || ec != std::errc() || end != value.data() + value.size() ||
          (has_length && n != length)) {
        return Fail(400, "bad Content-Length");
      }
      has_length = true;
      length = n;
    } else if (EqualsIgnoreCase(name, "transfer-encoding")) {
      // Only a single "chunked" is understood; anything else (another coding, a list, a
      // second header) is refused below.
      chunked = !has_transfer_encoding && EqualsIgnoreCase(value, "chunked");
      has_transfer_encoding = true;
    } else if (EqualsIgnoreCase(name, "expect")) {
      expect_continue = EqualsIgnoreCase(value, "100-continue");
    } else if (EqualsIgnoreCase(name, "connection")) {
      std::string_view rest = value;
      while (!rest.empty()) {
        const size_t comma = rest.find(',');
        const std::string_view option = TrimOws(rest.substr(0, comma));
        close |= EqualsIgnoreCase(option, "close");
        keep_alive |= EqualsIgnoreCase(option, "keep-alive");
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      }
    }
    out.request.headers.emplace_back(std::string(name), std::string(value));
  }
  const size_t body_start = next;
  if (has_transfer_encoding) {
    if (has_length) {
      return Fail(400, "both Transfer-Encoding and Content-Length");
    }
    if (!limits.allow_chunked) {
      return Fail(501, "Transfer-Encoding is not supported");
    }
    if (!chunked) {
      return Fail(501, "a Transfer-Encoding other than chunked is not supported");
    }
  }
  if (minor >= 1 && hosts != 1) {
    return Fail(400, hosts == 0 ? "no Host header" : "more than one Host header");
  }
  out.request.keep_alive = !close && (minor >= 1 || keep_alive);
  HttpParse waiting_for_body;
  waiting_for_body.expects_continue = expect_continue && minor >= 1;
  if (chunked) {
    size_t end = 0;
    HttpParse error;
    switch (ParseChunked(buffer, body_start, limits, &out.request.body, &end, &error)) {
      case HttpParse::State::kIncomplete:
        return waiting_for_body;
      case HttpParse::State::kError:
        return error;
      case HttpParse::State::kComplete:
        break;
    }
    out.state = HttpParse::State::kComplete;
    out.consumed = end;
    return out;
  }
  if (length > limits.max_body_bytes) {
    return Fail(413,
                "a request body larger than " + std::to_string(limits.max_body_bytes) + " bytes");
  }
  if (buffer.size() - body_start < length) {
    return waiting_for_body;
  }
  out.state = HttpParse::State::kComplete;
  out.consumed = body_start + length;
  out.request.body.assign(buffer.substr(body_start, length));
  return out;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

std::string SerializeResponse(const HttpResponse& response, bool head, bool keep_alive,
                              std::string_view date) {
  std::string out;
  out.reserve(160 + (head ? 0 : response.body.size()));
  out += "HTTP/1.1 ";
  out += std::to_string(response.status);
  out += ' ';
  out += ReasonPhrase(response.status);
  out += "\r\nContent-Type: ";
  out += response.content_type;
  out += "\r\nContent-Length: ";
  out += std::to_string(response.body.size());
  out += "\r\nDate: ";
  out += date;
  if (!response.allow.empty()) {
    out += "\r\nAllow: ";
    out += response.allow;
  }
  for (const auto& [name, value] : response.headers) {
    out += "\r\n";
    out += name;
    out += ": ";
    out += value;
  }
  out += keep_alive ? "\r\nConnection: keep-alive\r\n\r\n" : "\r\nConnection: close\r\n\r\n";
  if (!head) {
    out += response.body;
  }
  return out;
}

std::string HttpDate(long unix_seconds) {
  const time_t t = static_cast<time_t>(unix_seconds);
  tm parts{};
  gmtime_r(&t, &parts);
  char buf[40];
  const size_t n = strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &parts);
  return std::string(buf, n);
}

}  // namespace runnel::net
