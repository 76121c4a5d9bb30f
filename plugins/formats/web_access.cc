// Apache and nginx access logs (the combined/common formats).
#include "plugins/formats/scan_util.h"
#include "plugins/formats/web.h"

namespace runnel::formats {
namespace {

using internal::AddString;
using internal::AddUnlessDash;
using internal::Cursor;

// The error messages of one server's access log.
struct AccessErrors {
  const char* client;
  const char* ident;
  const char* user;
  const char* time;
  const char* request;
  const char* status;
  const char* bytes;
  const char* referer;
  const char* user_agent;
  const char* trailing;
};

constexpr AccessErrors kApache = {
    "not an Apache access log line: no client address",
    "not an Apache access log line: no %l (ident) after the client",
    "not an Apache access log line: no %u (user) after %l",
    "not an Apache access log line: no [dd/Mmm/yyyy:hh:mm:ss +zzzz] time",
    "not an Apache access log line: no quoted request line after the time",
    "not an Apache access log line: the status is not a number",
    "not an Apache access log line: the size is neither a number nor '-'",
    "not an Apache access log line: no quoted referer after the size",
    "not an Apache access log line: no quoted user agent after the referer",
    "not an Apache access log line: text after the user agent",
};

constexpr AccessErrors kNginx = {
    "not an nginx access log line: no client address",
    "not an nginx access log line: no '-' after the client",
    "not an nginx access log line: no $remote_user after '-'",
    "not an nginx access log line: no [dd/Mmm/yyyy:hh:mm:ss +zzzz] time",
    "not an nginx access log line: no quoted request line after the time",
    "not an nginx access log line: the status is not a number",
    "not an nginx access log line: $body_bytes_sent is not a number",
    "not an nginx access log line: no quoted referer after the size",
    "not an nginx access log line: no quoted user agent after the referer",
    "not an nginx access log line: text after the user agent",
};

void AddRequest(std::string_view request, std::vector<Field>* fields) {
  const size_t first = request.find(' ');
  const size_t last = request.rfind(' ');
  if (first == std::string_view::npos || first == 0) {
    AddUnlessDash(fields, "request", request);
    return;
  }
  AddString(fields, "method", request.substr(0, first));
  if (last == first) {
    AddString(fields, "path", request.substr(first + 1));  // HTTP/0.9: no protocol
    return;
  }
  AddString(fields, "path", request.substr(first + 1, last - first - 1));
  AddString(fields, "protocol", request.substr(last + 1));
}

const char* ScanAccess(std::string_view line, const AccessErrors& errors, bool nginx,
                       std::vector<Field>* fields, EventTime* time) {
  Cursor c{line};
  const std::string_view client = c.Token();
  if (client.empty() || !c.Consume(' ')) {
    return errors.client;
  }
  AddUnlessDash(fields, "client", client);
  const std::string_view ident = c.Token();
  if (ident.empty() || !c.Consume(' ') || (nginx && ident != "-")) {
    return errors.ident;
  }
  if (!nginx) {
    AddUnlessDash(fields, "ident", ident);
  }
  const std::string_view user = c.Token();
  if (user.empty() || !c.Consume(' ')) {
    return errors.user;
  }
  AddUnlessDash(fields, "user", user);
  if (!internal::ClfTime(c, time)) {
    return errors.time;
  }
  std::string_view request;
  if (!c.Consume(' ') || !internal::Quoted(c, &request)) {
    return errors.request;
  }
  AddRequest(request, fields);
  int64_t status = 0;
  if (!c.Consume(' ') || !internal::ParseInt(c.Token(), &status)) {
    return errors.status;
  }
  internal::AddInt(fields, "status", status);
  const std::string_view bytes = c.Consume(' ') ? c.Token() : std::string_view();
  int64_t size = 0;
  if ((nginx || bytes != "-") && !internal::ParseInt(bytes, &size)) {
    return errors.bytes;
  }
  internal::AddInt(fields, "bytes", size);
  if (c.AtEnd()) {
    return nullptr;  // common
  }
  std::string_view referer;
  if (!c.Consume(' ') || !internal::Quoted(c, &referer)) {
    return errors.referer;
  }
  AddUnlessDash(fields, "referer", referer);
  std::string_view agent;
  if (!c.Consume(' ') || !internal::Quoted(c, &agent)) {
    return errors.user_agent;
  }
  AddUnlessDash(fields, "user_agent", agent);
  if (nginx && c.Peek() == ' ') {
    Cursor probe = c;
    std::string_view forwarded;
    if (probe.Consume(' ') && internal::Quoted(probe, &forwarded) && probe.AtEnd()) {
      AddUnlessDash(fields, "x_forwarded_for", forwarded);
      c = probe;
    }
  }
  return c.AtEnd() ? nullptr : errors.trailing;
}

}  // namespace

const char* ScanApacheCombined(std::string_view line, const ScanOptions& options, Arena& arena,
                               std::vector<Field>* fields, EventTime* time) {
  return ScanAccess(line, kApache, false, fields, time);
}

const char* ScanNginxCombined(std::string_view line, const ScanOptions& options, Arena& arena,
                              std::vector<Field>* fields, EventTime* time) {
  return ScanAccess(line, kNginx, true, fields, time);
}

}  // namespace runnel::formats
