#include "syslog_message.h"

#include <time.h>

#include <cstdio>
#include <utility>

#include "runnel/msgpack.h"

namespace runnel::plugins::syslog_output {
namespace {

constexpr size_t kMaxHostname = 255;
constexpr size_t kMaxAppname = 48;
constexpr size_t kMaxProcid = 128;
constexpr size_t kMaxMsgid = 32;
constexpr size_t kMaxSdName = 32;
constexpr size_t kMaxTag = 32;

bool IsPrintable(char c) { return c > 32 && c < 127; }
bool IsSdNameChar(char c) { return IsPrintable(c) && c != '=' && c != ']' && c != '"'; }
bool IsTagChar(char c) { return IsPrintable(c) && c != ':' && c != '[' && c != ']'; }

// Appends `value` with each byte `ok` refuses replaced by '_', cut to `max` bytes. Returns
// whether anything was changed.
template <typename Ok>
bool AppendClean(std::string_view value, size_t max, Ok ok, std::string* out) {
  bool changed = value.size() > max;
  if (changed) {
    value = value.substr(0, max);
  }
  for (char c : value) {
    if (ok(c)) {
      out->push_back(c);
    } else {
      out->push_back('_');
      changed = true;
    }
  }
  return changed;
}

// The largest n <= max such that text[0, n) does not end inside a UTF-8 sequence.
size_t Utf8Cut(std::string_view text, size_t max) {
  if (text.size() <= max) {
    return text.size();
  }
  size_t n = max;
  // Back up over continuation bytes (at most 3) to the lead byte, which then starts the cut-off
  // character: it goes too.
  size_t back = 0;
  while (n > 0 && back < 3 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) {
    --n;
    ++back;
  }
  return n;
}

bool ScalarText(const MsgObject& o, std::string* scratch, std::string_view* text) {
  switch (o.type) {
    case MsgType::kStr:
    case MsgType::kBin:
      *text = o.data;
      return true;
    case MsgType::kInt:
      *scratch = std::to_string(o.i64);
      break;
    case MsgType::kUint:
      *scratch = std::to_string(o.u64);
      break;
    case MsgType::kBool:
      *scratch = o.boolean ? "true" : "false";
      break;
    case MsgType::kFloat: {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%.17g", o.f64);
      *scratch = buf;
      break;
    }
    default:
      return false;
  }
  *text = *scratch;
  return true;
}

}  // namespace

MessageEncoder::MessageEncoder(const SyslogOutputConfig& config, std::string default_hostname,
                               SyslogOutputMetrics metrics)
    : format_(config.format),
      max_bytes_(config.max_message_bytes),
      fields_(config.fields),
      hostname_(config.fields.hostname.empty() ? std::move(default_hostname)
                                               : config.fields.hostname),
      metrics_(metrics) {}

bool MessageEncoder::Text(const Event& event, const std::string& key, std::string_view* text) {
  if (key.empty()) {
    return false;
  }
  const Value* v = event.Find(key);
  if (v == nullptr) {
    return false;
  }
  switch (v->kind) {
    case Value::Kind::kString:
    case Value::Kind::kBinary:
      *text = v->bytes;
      return true;
    case Value::Kind::kInt:
      number_ = std::to_string(v->i64);
      break;
    case Value::Kind::kUint:
      number_ = std::to_string(v->u64);
      break;
    case Value::Kind::kBool:
      number_ = v->boolean ? "true" : "false";
      break;
    default:
      return false;
  }
  *text = number_;
  return true;
}

int MessageEncoder::Facility(const Event& event) {
  if (fields_.facility_key.empty()) {
    return fields_.facility;
  }
  const Value* v = event.Find(fields_.facility_key);
  if (v == nullptr) {
    return fields_.facility;
  }
  int f = -1;
  if (v->kind == Value::Kind::kInt) {
    f = v->i64 >= 0 && v->i64 < 24 ? static_cast<int>(v->i64) : -1;
  } else if (v->kind == Value::Kind::kString) {
    f = ParseFacility(v->bytes);
  }
  if (f < 0) {
    metrics_.Cleaned(Part::kFacility)->Add();
    return fields_.facility;
  }
  return f;
}

int MessageEncoder::Severity(const Event& event) {
  if (fields_.severity_key.empty()) {
    return fields_.severity;
  }
  const Value* v = event.Find(fields_.severity_key);
  if (v == nullptr) {
    return fields_.severity;
  }
  int s = -1;
  if (v->kind == Value::Kind::kInt) {
    s = v->i64 >= 0 && v->i64 < 8 ? static_cast<int>(v->i64) : -1;
  } else if (v->kind == Value::Kind::kString) {
    s = ParseSeverity(v->bytes);
  }
  if (s < 0) {
    metrics_.Cleaned(Part::kSeverity)->Add();
    return fields_.severity;
  }
  return s;
}

void MessageEncoder::Header(std::string_view value, size_t max, Part part, std::string* out) {
  if (value.empty() || value == "-") {
    out->push_back('-');
    return;
  }
  if (AppendClean(value, max, IsPrintable, out)) {
    metrics_.Cleaned(part)->Add();
  }
}

void MessageEncoder::Tag(std::string_view value, std::string* out) {
  if (AppendClean(value, kMaxTag, IsTagChar, out)) {
    metrics_.Cleaned(Part::kAppname)->Add();
  }
}

void MessageEncoder::StructuredData(const Value* value, std::string* out) {
  if (value == nullptr) {
    out->push_back('-');
    return;
  }
  // Built aside: a part that does not decode leaves no half-written element behind.
  sd_.clear();
  bool cleaned = false;
  bool ok = value->kind == Value::Kind::kRaw;
  if (ok) {
    MsgpackReader r(value->bytes);
    Result<uint32_t> elements = r.ReadMapHeader();
    ok = elements.has_value();
    for (uint32_t e = 0; ok && e < *elements; ++e) {
      Result<std::string_view> id = r.ReadStr();
      Result<uint32_t> params = id ? r.ReadMapHeader() : Result<uint32_t>(Err(id.error()));
      if (!params) {
        ok = false;
        break;
      }
      sd_.push_back('[');
      if (id->empty()) {
        sd_.push_back('_');
        cleaned = true;
      }
      cleaned |= AppendClean(*id, kMaxSdName, IsSdNameChar, &sd_);
      for (uint32_t p = 0; ok && p < *params; ++p) {
        Result<std::string_view> name = r.ReadStr();
        Result<MsgObject> v = name ? r.Next() : Result<MsgObject>(Err(name.error()));
        if (!v) {
          ok = false;
          break;
        }
        std::string_view text;
        if (!ScalarText(*v, &number_, &text)) {
          // A nested value has no PARAM-VALUE form: left out.
          cleaned = true;
          if (v->type == MsgType::kArray || v->type == MsgType::kMap) {
            for (uint32_t i = 0; ok && i < v->count * (v->type == MsgType::kMap ? 2 : 1); ++i) {
              ok = r.Skip().ok();
            }
          }
          continue;
        }
        sd_.push_back(' ');
        if (name->empty()) {
          sd_.push_back('_');
          cleaned = true;
        }
        cleaned |= AppendClean(*name, kMaxSdName, IsSdNameChar, &sd_);
        sd_.append("=\"");
        for (char c : text) {
          if (c == '"' || c == '\\' || c == ']') {
            sd_.push_back('\\');
          }
          sd_.push_back(c);
        }
        sd_.push_back('"');
      }
      sd_.push_back(']');
    }
  }
  if (!ok) {
    sd_.clear();
    cleaned = true;
  }
  if (cleaned) {
    metrics_.Cleaned(Part::kStructuredData)->Add();
  }
  out->append(sd_.empty() ? std::string_view("-") : std::string_view(sd_));
}

void MessageEncoder::Timestamp5424(EventTime time, std::string* out) const {
  const time_t sec = static_cast<time_t>(time.sec);
  struct tm tm {};
  gmtime_r(&sec, &tm);
  char buf[40];
  const int n =
      std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900,
                    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, time.nsec / 1000);
  out->append(buf, static_cast<size_t>(n));
}

void MessageEncoder::Timestamp3164(EventTime time, std::string* out) const {
  static constexpr const char* kMonths[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const time_t sec = static_cast<time_t>(time.sec);
  struct tm tm {};
  gmtime_r(&sec, &tm);
  char buf[24];
  const int n = std::snprintf(buf, sizeof(buf), "%s %2d %02d:%02d:%02d", kMonths[tm.tm_mon],
                              tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  out->append(buf, static_cast<size_t>(n));
}

void MessageEncoder::Append(const Event& event, std::string* out) {
  const size_t start = out->size();
  const int pri = Facility(event) * 8 + Severity(event);
  out->push_back('<');
  out->append(std::to_string(pri));
  out->push_back('>');
  std::string_view text;
  if (format_ == Format::kRfc5424) {
    out->append("1 ");
    Timestamp5424(event.time, out);
    out->push_back(' ');
    Header(Text(event, fields_.hostname_key, &text) ? text : hostname_, kMaxHostname,
           Part::kHostname, out);
    out->push_back(' ');
    Header(Text(event, fields_.appname_key, &text) ? text : fields_.appname, kMaxAppname,
           Part::kAppname, out);
    out->push_back(' ');
    Header(Text(event, fields_.procid_key, &text) ? text : "", kMaxProcid, Part::kProcid, out);
    out->push_back(' ');
    Header(Text(event, fields_.msgid_key, &text) ? text : "", kMaxMsgid, Part::kMsgid, out);
    out->push_back(' ');
    const size_t sd_at = out->size();
    StructuredData(
        fields_.structured_data_key.empty() ? nullptr : event.Find(fields_.structured_data_key),
        out);
    if (out->size() - start > max_bytes_) {
      // The header with its structured data is already too long: the data goes.
      out->resize(sd_at);
      out->push_back('-');
      metrics_.Cleaned(Part::kStructuredData)->Add();
    }
  } else {
    Timestamp3164(event.time, out);
    out->push_back(' ');
    std::string_view host = Text(event, fields_.hostname_key, &text) ? text : hostname_;
    Header(host, kMaxHostname, Part::kHostname, out);
    std::string_view app;
    if (Text(event, fields_.appname_key, &text) && !text.empty()) {
      app = text;
    } else {
      app = fields_.appname;
    }
    if (!app.empty()) {
      out->push_back(' ');
      Tag(app, out);
      if (Text(event, fields_.procid_key, &text) && !text.empty()) {
        out->push_back('[');
        if (AppendClean(text, kMaxProcid, IsTagChar, out)) {
          metrics_.Cleaned(Part::kProcid)->Add();
        }
        out->push_back(']');
      }
      out->push_back(':');
    }
  }
  if (Text(event, fields_.message_key, &text) && !text.empty()) {
    out->push_back(' ');
    out->append(text);
  }
  const size_t length = out->size() - start;
  if (length > max_bytes_) {
    out->resize(start + Utf8Cut(std::string_view(*out).substr(start), max_bytes_));
    metrics_.truncated->Add();
  }
}

}  // namespace runnel::plugins::syslog_output
