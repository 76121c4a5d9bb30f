// Apache and nginx error logs.
#include "plugins/formats/scan_util.h"
#include "plugins/formats/web.h"

namespace runnel::formats {
namespace {

using internal::AddInt;
using internal::AddString;
using internal::Civil;
using internal::Cursor;

// [Www Mmm dd hh:mm:ss[.frac] yyyy]
bool ApacheTime(Cursor& c, int64_t offset, EventTime* out) {
  Civil t;
  if (!c.Consume('[') || !internal::WeekdayAbbrev(c) || !c.Consume(' ')) {
    return false;
  }
  if (!internal::MonthDayClock(c, &t)) {
    return false;
  }
  if (c.Consume('.') && !internal::Fraction(c, &t.nanos)) {
    return false;
  }
  if (!c.Consume(' ') || !c.Digits(4, 4, &t.year) || !c.Consume(']')) {
    return false;
  }
  t.offset = offset;
  return internal::ToEventTime(t, out);
}

// " [level]" at the cursor: true with `level` (not empty), or false (the cursor may be part-way).
bool BracketedLevel(Cursor& c, std::string_view* level) {
  if (!c.Consume(" [")) {
    return false;
  }
  *level = c.Until(']');
  return !level->empty() && c.Consume(']');
}

// "ip:port" or "[v6]:port" or a bare address.
void AddClient(std::string_view client, std::vector<Field>* fields) {
  const size_t colon = client.rfind(':');
  int64_t port = 0;
  if (colon != std::string_view::npos && client.find(':') == colon &&
      internal::ParseInt(client.substr(colon + 1), &port)) {
    AddString(fields, "client", client.substr(0, colon));
    AddInt(fields, "client_port", port);
    return;
  }
  if (client.size() > 2 && client[0] == '[') {
    const size_t close = client.find("]:");
    if (close != std::string_view::npos && internal::ParseInt(client.substr(close + 2), &port)) {
      AddString(fields, "client", client.substr(1, close - 1));
      AddInt(fields, "client_port", port);
      return;
    }
  }
  AddString(fields, "client", client);
}

bool IsAhCode(std::string_view word) {
  if (word.size() != 8 || word[0] != 'A' || word[1] != 'H' || word[7] != ':') {
    return false;
  }
  for (size_t i = 2; i < 7; ++i) {
    if (!internal::IsDigit(word[i])) {
      return false;
    }
  }
  return true;
}

// The keys nginx appends to an error message, in the order it writes them.
constexpr std::string_view kNginxContext[] = {"client",   "server", "request", "subrequest",
                                              "upstream", "host",   "referrer"};

// Splits ", client: ..., server: ..." off the end of an nginx error message.
std::string_view NginxContext(std::string_view message, std::vector<Field>* fields) {
  const size_t at = message.find(", client: ");
  if (at == std::string_view::npos) {
    return message;
  }
  Cursor c{message, at};
  const size_t first = fields->size();
  while (c.Consume(", ")) {
    std::string_view key;
    for (std::string_view k : kNginxContext) {
      if (c.text.substr(c.pos, k.size()) == k && c.text.substr(c.pos + k.size(), 2) == ": ") {
        key = k;
        break;
      }
    }
    if (key.empty()) {
      fields->resize(first);  // not nginx's context after all: keep the message whole
      return message;
    }
    c.pos += key.size() + 2;
    std::string_view value;
    if (c.Peek() == '"') {
      if (!internal::Quoted(c, &value)) {
        fields->resize(first);
        return message;
      }
    } else {
      value = c.Until(',');
    }
    AddString(fields, key, value);
  }
  if (!c.AtEnd()) {
    fields->resize(first);
    return message;
  }
  return message.substr(0, at);
}

}  // namespace

const char* ScanApacheError(std::string_view line, const ScanOptions& options, Arena& arena,
                            std::vector<Field>* fields, EventTime* time) {
  Cursor c{line};
  if (!ApacheTime(c, options.utc_offset_seconds, time)) {
    return "not an Apache error log line: no [Www Mmm dd hh:mm:ss yyyy] time";
  }
  std::string_view level;
  if (!BracketedLevel(c, &level)) {
    return "not an Apache error log line: no [level] or [module:level] after the time";
  }
  const size_t colon = level.find(':');
  if (colon != std::string_view::npos) {
    AddString(fields, "module", level.substr(0, colon));
    AddString(fields, "level", level.substr(colon + 1));
  } else {
    AddString(fields, "level", level);
  }
  if (c.Consume(" [pid ")) {
    int64_t pid = 0;
    if (!c.Digits(1, 18, &pid)) {
      return "not an Apache error log line: [pid N] without a number";
    }
    AddInt(fields, "pid", pid);
    if (c.Consume(":tid ")) {
      int64_t tid = 0;
      if (!c.Digits(1, 20, &tid)) {
        return "not an Apache error log line: [pid N:tid N] without a tid number";
      }
      AddInt(fields, "tid", tid);
    }
    if (!c.Consume(']')) {
      return "not an Apache error log line: [pid ...] not closed by ']'";
    }
  }
  if (c.Consume(" [client ")) {
    const std::string_view client = c.Until(']');
    if (client.empty() || !c.Consume(']')) {
      return "not an Apache error log line: [client ...] not closed by ']'";
    }
    AddClient(client, fields);
  }
  c.Consume(' ');
  Cursor probe = c;
  const std::string_view word = probe.Token();
  if (IsAhCode(word)) {
    AddString(fields, "code", word.substr(0, 7));
    c = probe;
    c.Consume(' ');
  }
  std::string_view message = c.Rest();
  // Apache appends the request's Referer as ", referer: <url>" (the url holds no space).
  std::string_view referer;
  const size_t at = message.rfind(", referer: ");
  if (at != std::string_view::npos && message.find(' ', at + 11) == std::string_view::npos &&
      at + 11 < message.size()) {
    referer = message.substr(at + 11);
    message = message.substr(0, at);
  }
  if (!message.empty()) {
    AddString(fields, "message", message);
  }
  if (!referer.empty()) {
    AddString(fields, "referer", referer);
  }
  return nullptr;
}

const char* ScanNginxError(std::string_view line, const ScanOptions& options, Arena& arena,
                           std::vector<Field>* fields, EventTime* time) {
  Cursor c{line};
  Civil t;
  if (!c.Digits(4, 4, &t.year) || !c.Consume('/') || !c.Digits(2, 2, &t.month) || !c.Consume('/') ||
      !c.Digits(2, 2, &t.day) || !c.Consume(' ') || !c.Digits(2, 2, &t.hour) || !c.Consume(':') ||
      !c.Digits(2, 2, &t.minute) || !c.Consume(':') || !c.Digits(2, 2, &t.second)) {
    return "not an nginx error log line: no yyyy/mm/dd hh:mm:ss time";
  }
  t.offset = options.utc_offset_seconds;
  if (!internal::ToEventTime(t, time)) {
    return "not an nginx error log line: no yyyy/mm/dd hh:mm:ss time";
  }
  std::string_view level;
  if (!BracketedLevel(c, &level)) {
    return "not an nginx error log line: no [level] after the time";
  }
  AddString(fields, "level", level);
  int64_t pid = 0;
  int64_t tid = 0;
  if (!c.Consume(' ') || !c.Digits(1, 18, &pid) || !c.Consume('#') || !c.Digits(1, 20, &tid) ||
      !c.Consume(':')) {
    return "not an nginx error log line: no pid#tid: after the level";
  }
  AddInt(fields, "pid", pid);
  AddInt(fields, "tid", tid);
  c.Consume(' ');
  if (c.Peek() == '*') {
    Cursor probe = c;
    ++probe.pos;
    int64_t connection = 0;
    if (probe.Digits(1, 18, &connection) && (probe.AtEnd() || probe.Consume(' '))) {
      AddInt(fields, "connection", connection);
      c = probe;
    }
  }
  const size_t message_at = fields->size();
  AddString(fields, "message", "");
  const std::string_view message = NginxContext(c.Rest(), fields);
  if (message.empty()) {
    fields->erase(fields->begin() + static_cast<std::ptrdiff_t>(message_at));
  } else {
    (*fields)[message_at].value = Value::String(message);
  }
  return nullptr;
}

}  // namespace runnel::formats
