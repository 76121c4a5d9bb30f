#include "plugins/formats/syslog.h"

#include "plugins/formats/scan_util.h"
#include "plugins/formats/syslog_pri.h"

namespace runnel::formats {
namespace internal {

PriResult ParsePri(Cursor& c, int* pri) {
  if (!c.Consume('<')) {
    return PriResult::kAbsent;
  }
  int64_t value = 0;
  const size_t start = c.pos;
  if (!c.Digits(1, 3, &value) || !c.Consume('>') || value > 191 ||
      (c.pos - start > 2 && c.text[start] == '0')) {
    return PriResult::kBroken;
  }
  *pri = static_cast<int>(value);
  return PriResult::kOk;
}

void AddPriFields(int pri, std::vector<Field>* fields) {
  AddInt(fields, "pri", pri);
  AddString(fields, "facility", SyslogFacilityName(pri / 8));
  AddString(fields, "severity", SyslogSeverityName(pri % 8));
}

std::string_view TrimNewline(std::string_view line) {
  if (!line.empty() && line.back() == '\n') {
    line.remove_suffix(1);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
  }
  return line;
}

}  // namespace internal

namespace {

using internal::AddInt;
using internal::AddString;
using internal::Cursor;

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// PRINTUSASCII except '=', ' ', ']' and '"': what an SD-NAME is made of.
bool IsSdNameChar(char c) { return c > 32 && c < 127 && c != '=' && c != ']' && c != '"'; }

// The SD-NAME (an SD-ID or PARAM-NAME) at the cursor, consumed; empty when there is none.
std::string_view SdName(Cursor& c) {
  const size_t start = c.pos;
  while (!c.AtEnd() && IsSdNameChar(c.Peek())) {
    ++c.pos;
  }
  if (c.pos == start) {
    return {};
  }
  return c.text.substr(start, c.pos - start);
}

// A header field: 1+ printable ASCII characters up to the next space; "-" is NILVALUE.
// Returns false when the field is empty or holds other bytes.
bool HeaderField(Cursor& c, std::string_view* out) {
  const size_t start = c.pos;
  while (!c.AtEnd() && c.Peek() != ' ') {
    const char ch = c.Peek();
    if (ch < 33 || ch > 126) {
      return false;
    }
    ++c.pos;
  }
  *out = c.text.substr(start, c.pos - start);
  return !out->empty();
}

// Appends the value of a PARAM-VALUE (the cursor just past the opening quote) unescaped to
// *scratch, stopping after the closing quote. False when it is not closed.
bool ParamValue(Cursor& c, std::string* scratch, std::string_view* value) {
  const size_t start = c.pos;
  bool escaped = false;
  while (!c.AtEnd()) {
    const char ch = c.Peek();
    if (ch == '"') {
      break;
    }
    if (ch == '\\' && c.pos + 1 < c.text.size()) {
      const char next = c.text[c.pos + 1];
      if (next == '"' || next == '\\' || next == ']') {
        escaped = true;
        c.pos += 2;
        continue;
      }
    }
    ++c.pos;
  }
  if (!c.Consume('"')) {
    return false;
  }
  const std::string_view raw = c.text.substr(start, c.pos - 1 - start);
  if (!escaped) {
    *value = raw;
    return true;
  }
  scratch->clear();
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size() &&
        (raw[i + 1] == '"' || raw[i + 1] == '\\' || raw[i + 1] == ']')) {
      ++i;
    }
    scratch->push_back(raw[i]);
  }
  *value = *scratch;
  return true;
}

// STRUCTURED-DATA (not NILVALUE) at the cursor, encoded into the arena. nullptr or a message.
const char* StructuredData(Cursor& c, Arena& arena, std::string_view* out) {
  thread_local std::string unescaped;
  std::string& buffer = internal::ThreadMsgpackBuffer();
  MsgpackWriter w(&buffer);
  const size_t outer = w.BeginMap32();
  uint32_t elements = 0;
  while (c.Consume('[')) {
    const std::string_view id = SdName(c);
    if (id.empty()) {
      return "not an RFC 5424 message: an SD-ELEMENT has no SD-ID";
    }
    w.Str(id);
    const size_t inner = w.BeginMap32();
    uint32_t params = 0;
    while (c.Consume(' ')) {
      const std::string_view name = SdName(c);
      if (name.empty()) {
        return "not an RFC 5424 message: an SD-PARAM has no PARAM-NAME";
      }
      if (!c.Consume('=') || !c.Consume('"')) {
        return "not an RFC 5424 message: PARAM-NAME not followed by =\"";
      }
      std::string_view value;
      if (!ParamValue(c, &unescaped, &value)) {
        return "not an RFC 5424 message: a PARAM-VALUE has no closing quote";
      }
      w.Str(name);
      w.Str(value);
      ++params;
    }
    if (!c.Consume(']')) {
      return "not an RFC 5424 message: an SD-ELEMENT is not closed by ']'";
    }
    w.PatchMap32(inner, params);
    ++elements;
  }
  if (elements == 0) {
    return "not an RFC 5424 message: STRUCTURED-DATA is neither '-' nor '['";
  }
  w.PatchMap32(outer, elements);
  *out = arena.Copy(buffer);
  return nullptr;
}

}  // namespace

std::string_view SyslogFacilityName(int facility) {
  static constexpr std::string_view kNames[24] = {
      "kern",   "user",   "mail",     "daemon", "auth",   "syslog",   "lpr",     "news",
      "uucp",   "cron",   "authpriv", "ftp",    "ntp",    "security", "console", "solaris-cron",
      "local0", "local1", "local2",   "local3", "local4", "local5",   "local6",  "local7"};
  return facility >= 0 && facility < 24 ? kNames[facility] : std::string_view();
}

std::string_view SyslogSeverityName(int severity) {
  static constexpr std::string_view kNames[8] = {"emerg",   "alert",  "crit", "err",
                                                 "warning", "notice", "info", "debug"};
  return severity >= 0 && severity < 8 ? kNames[severity] : std::string_view();
}

const char* ScanSyslog5424(std::string_view line, const ScanOptions& options, Arena& arena,
                           std::vector<Field>* fields, EventTime* time) {
  Cursor c{internal::TrimNewline(line)};
  int pri = 0;
  if (internal::ParsePri(c, &pri) != internal::PriResult::kOk) {
    return "not an RFC 5424 message: no valid PRI (\"<0>\" to \"<191>\") at the start";
  }
  int64_t version = 0;
  if (c.Peek() == '0' || !c.Digits(1, 3, &version)) {
    return "not an RFC 5424 message: no VERSION after PRI";
  }
  if (!c.Consume(' ')) {
    return "not an RFC 5424 message: VERSION not followed by a space";
  }
  internal::AddPriFields(pri, fields);
  AddInt(fields, "version", version);
  if (!c.Consume('-') && !internal::Rfc3339(c, false, 0, time)) {
    return "not an RFC 5424 message: TIMESTAMP is neither '-' nor an RFC 3339 time";
  }
  if (!c.Consume(' ')) {
    return c.AtEnd() ? "not an RFC 5424 message: HOSTNAME is missing or not printable ASCII"
                     : "not an RFC 5424 message: TIMESTAMP not followed by a space";
  }
  static constexpr std::string_view kHeader[4] = {"hostname", "appname", "procid", "msgid"};
  static constexpr const char* kBadHeader[4] = {
      "not an RFC 5424 message: HOSTNAME is missing or not printable ASCII",
      "not an RFC 5424 message: APP-NAME is missing or not printable ASCII",
      "not an RFC 5424 message: PROCID is missing or not printable ASCII",
      "not an RFC 5424 message: MSGID is missing or not printable ASCII"};
  for (int i = 0; i < 4; ++i) {
    std::string_view value;
    if (!HeaderField(c, &value)) {
      return kBadHeader[i];
    }
    if (value != "-") {
      AddString(fields, kHeader[i], value);
    }
    if (i < 3 && !c.Consume(' ')) {
      return kBadHeader[i + 1];
    }
  }
  if (c.AtEnd()) {
    return nullptr;  // cut after MSGID: no STRUCTURED-DATA, no MSG
  }
  if (!c.Consume(' ')) {
    return "not an RFC 5424 message: MSGID not followed by a space";
  }
  if (!c.Consume('-')) {
    std::string_view sd;
    if (const char* error = StructuredData(c, arena, &sd); error != nullptr) {
      return error;
    }
    fields->push_back(Field{"structured_data", Value::Raw(sd)});
  }
  if (c.AtEnd()) {
    return nullptr;
  }
  if (!c.Consume(' ')) {
    return "not an RFC 5424 message: STRUCTURED-DATA not followed by a space";
  }
  std::string_view msg = c.Rest();
  if (msg.starts_with(kBom)) {
    msg.remove_prefix(kBom.size());
  }
  if (!msg.empty()) {
    AddString(fields, "message", msg);
  }
  return nullptr;
}

const char* ScanSyslog(std::string_view line, const ScanOptions& options, Arena& arena,
                       std::vector<Field>* fields, EventTime* time) {
  // "<PRI>" then digits then a space: RFC 5424's VERSION.
  size_t i = 0;
  if (!line.empty() && line[0] == '<') {
    const size_t close = line.find('>');
    if (close != std::string_view::npos && close <= 4) {
      i = close + 1;
      const size_t digits = i;
      while (i < line.size() && internal::IsDigit(line[i])) {
        ++i;
      }
      if (i > digits && i < line.size() && line[i] == ' ') {
        return ScanSyslog5424(line, options, arena, fields, time);
      }
    }
  }
  return ScanSyslog3164(line, options, arena, fields, time);
}

}  // namespace runnel::formats
