// RFC 3164 and the variants of it that rsyslog, network gear and older daemons send.
#include <ctime>

#include "plugins/formats/scan_util.h"
#include "plugins/formats/syslog.h"
#include "plugins/formats/syslog_pri.h"

namespace runnel::formats {
namespace {

using internal::AddInt;
using internal::AddString;
using internal::Civil;
using internal::Cursor;

int64_t NowSeconds(const ScanOptions& options) {
  return options.now_seconds != 0 ? options.now_seconds : static_cast<int64_t>(std::time(nullptr));
}

// Gives a year-less time its year: the latest of next, this and last year that is not more than
// kFutureSlackSeconds ahead of now (in the configured zone).
bool WithYear(Civil t, const ScanOptions& options, EventTime* out) {
  const int64_t now = NowSeconds(options);
  const int64_t year = internal::YearOf(now + options.utc_offset_seconds);
  for (int64_t y = year + 1; y >= year - 1; --y) {
    t.year = y;
    EventTime candidate;
    if (internal::ToEventTime(t, &candidate) &&
        int64_t{candidate.sec} <= now + kFutureSlackSeconds) {
      *out = candidate;
      return true;
    }
  }
  return false;
}

// "Mmm dd hh:mm:ss[.frac]" (dd: "01", " 1" or "1"). False when it is not there or out of range.
bool BsdTimestamp(Cursor& c, const ScanOptions& options, EventTime* out) {
  Civil t;
  if (!internal::MonthDayClock(c, &t)) {
    return false;
  }
  if (c.Peek() == '.' && c.pos + 1 < c.text.size() && internal::IsDigit(c.text[c.pos + 1])) {
    ++c.pos;
    internal::Fraction(c, &t.nanos);
  }
  t.offset = options.utc_offset_seconds;
  return WithYear(t, options, out);
}

// Cisco IOS: "SEQ: " before the time, when the line has one. Consumed only when it matches.
bool CiscoSequence(Cursor& c, int64_t* sequence) {
  Cursor probe = c;
  if (!probe.Digits(1, 18, sequence) || !probe.Consume(": ")) {
    return false;
  }
  c = probe;
  return true;
}

// A word that is a tag: "name[pid]:", "name:" or "name[pid]". Sets appname/procid.
bool Tag(std::string_view word, std::string_view* name, std::string_view* pid) {
  if (word.empty()) {
    return false;
  }
  const bool colon = word.back() == ':';
  if (colon) {
    word.remove_suffix(1);
  }
  const size_t open = word.find('[');
  if (open != std::string_view::npos && open > 0 && word.back() == ']') {
    *name = word.substr(0, open);
    *pid = word.substr(open + 1, word.size() - open - 2);
    return true;
  }
  if (colon && !word.empty() && open == std::string_view::npos) {
    *name = word;
    *pid = {};
    return true;
  }
  return false;
}

}  // namespace

const char* ScanSyslog3164(std::string_view line, const ScanOptions& options, Arena& arena,
                           std::vector<Field>* fields, EventTime* time) {
  Cursor c{internal::TrimNewline(line)};
  int pri = 0;
  const internal::PriResult pri_result = internal::ParsePri(c, &pri);
  if (pri_result == internal::PriResult::kBroken) {
    return "not an RFC 3164 message: '<' not followed by a valid PRI (\"<0>\" to \"<191>\")";
  }
  if (pri_result == internal::PriResult::kOk) {
    internal::AddPriFields(pri, fields);
  }
  int64_t sequence = 0;
  const bool cisco = CiscoSequence(c, &sequence);
  if (cisco) {
    AddInt(fields, "sequence", sequence);
    if (!c.Consume('*')) {
      c.Consume('.');
    }
  }
  if (internal::IsDigit(c.Peek())) {
    if (!internal::Rfc3339(c, true, options.utc_offset_seconds, time)) {
      return "not an RFC 3164 message: the ISO 8601 timestamp is not valid";
    }
  } else if (!BsdTimestamp(c, options, time)) {
    return "not an RFC 3164 message: no \"Mmm dd hh:mm:ss\" or ISO 8601 timestamp";
  }
  if (cisco) {
    c.Consume(':');  // IOS ends its time with ':'
  }
  if (c.AtEnd()) {
    return nullptr;
  }
  if (!c.Consume(' ')) {
    return "not an RFC 3164 message: the timestamp is not followed by a space";
  }
  c.SkipSpaces();
  std::string_view name;
  std::string_view pid;
  if (cisco) {
    // IOS has no hostname or tag: the rest ("%SYS-5-CONFIG_I: ...") is the message.
  } else {
    Cursor probe = c;
    const std::string_view first = probe.Token();
    if (Tag(first, &name, &pid)) {
      c = probe;
    } else {
      AddString(fields, "hostname", first);
      c = probe;
      c.SkipSpaces();
      Cursor next = c;
      if (Tag(next.Token(), &name, &pid)) {
        c = next;
      } else {
        name = {};
      }
    }
    if (!name.empty()) {
      AddString(fields, "appname", name);
      if (!pid.empty()) {
        AddString(fields, "procid", pid);
      }
    }
    c.Consume(' ');
  }
  const std::string_view msg = c.Rest();
  if (!msg.empty()) {
    AddString(fields, "message", msg);
  }
  return nullptr;
}

}  // namespace runnel::formats
