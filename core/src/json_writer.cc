#include "runnel/json_writer.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace runnel {
namespace {

constexpr int kMaxDepth = 64;

Status AppendObjectDepth(MsgpackReader& r, std::string* out, int depth);

void AppendInt(int64_t v, std::string* out) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, res.ptr);
}

void AppendUint(uint64_t v, std::string* out) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, res.ptr);
}

void AppendDouble(double v, std::string* out) {
  if (!std::isfinite(v)) {
    out->append("null");
    return;
  }
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  std::string_view text(buf, res.ptr - buf);
  out->append(text);
  // Keep a float a float for readers that care: 1 -> 1.0.
  if (text.find_first_of(".eE") == std::string_view::npos) {
    out->append(".0");
  }
}

Status AppendContainer(MsgpackReader& r, const MsgObject& obj, std::string* out, int depth) {
  if (depth > kMaxDepth) {
    return DataLoss("json: nesting deeper than 64");
  }
  if (obj.type == MsgType::kArray) {
    out->push_back('[');
    for (uint32_t i = 0; i < obj.count; ++i) {
      if (i > 0) {
        out->push_back(',');
      }
      RUNNEL_RETURN_IF_ERROR(AppendObjectDepth(r, out, depth + 1));
    }
    out->push_back(']');
    return OkStatus();
  }
  out->push_back('{');
  for (uint32_t i = 0; i < obj.count; ++i) {
    if (i > 0) {
      out->push_back(',');
    }
    RUNNEL_ASSIGN_OR_RETURN(MsgObject key, r.Next());
    if (key.type == MsgType::kStr || key.type == MsgType::kBin) {
      JsonWriter::AppendString(key.data, out);
    } else {
      // Render the key as JSON, then quote that text.
      std::string tmp;
      if (key.type == MsgType::kArray || key.type == MsgType::kMap) {
        RUNNEL_RETURN_IF_ERROR(AppendContainer(r, key, &tmp, depth + 1));
      } else {
        switch (key.type) {
          case MsgType::kNil: tmp = "null"; break;
          case MsgType::kBool: tmp = key.boolean ? "true" : "false"; break;
          case MsgType::kInt: AppendInt(key.i64, &tmp); break;
          case MsgType::kUint: AppendUint(key.u64, &tmp); break;
          case MsgType::kFloat: AppendDouble(key.f64, &tmp); break;
          default: tmp = "ext"; break;
        }
      }
      JsonWriter::AppendString(tmp, out);
    }
    out->push_back(':');
    RUNNEL_RETURN_IF_ERROR(AppendObjectDepth(r, out, depth + 1));
  }
  out->push_back('}');
  return OkStatus();
}

Status AppendObjectDepth(MsgpackReader& r, std::string* out, int depth) {
  RUNNEL_ASSIGN_OR_RETURN(MsgObject obj, r.Next());
  switch (obj.type) {
    case MsgType::kNil: out->append("null"); break;
    case MsgType::kBool: out->append(obj.boolean ? "true" : "false"); break;
    case MsgType::kInt: AppendInt(obj.i64, out); break;
    case MsgType::kUint: AppendUint(obj.u64, out); break;
    case MsgType::kFloat: AppendDouble(obj.f64, out); break;
    case MsgType::kStr:
    case MsgType::kBin: JsonWriter::AppendString(obj.data, out); break;
    case MsgType::kExt:
      if (auto t = EventTimeFromObject(obj); t.has_value()) {
        char buf[32];
        int n = std::snprintf(buf, sizeof(buf), "%u.%09u", t->sec, t->nsec);
        out->append(buf, n);
      } else {
        JsonWriter::AppendString(obj.data, out);
      }
      break;
    case MsgType::kArray:
    case MsgType::kMap: return AppendContainer(r, obj, out, depth);
  }
  return OkStatus();
}

// True when the msgpack map `record` has the top-level key `key`. Malformed input: false (the
// caller reports it while rendering).
bool HasKey(std::string_view record, std::string_view key) {
  MsgpackReader r(record);
  auto head = r.Next();
  if (!head.has_value() || head->type != MsgType::kMap) {
    return false;
  }
  for (uint32_t i = 0; i < head->count; ++i) {
    auto k = r.Next();
    if (!k.has_value()) {
      return false;
    }
    if ((k->type == MsgType::kStr || k->type == MsgType::kBin) && k->data == key) {
      return true;
    }
    if (!r.Skip().ok()) {
      return false;
    }
  }
  return false;
}

}  // namespace

void JsonWriter::AppendString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') {
      continue;
    }
    out->append(s.data() + start, i - start);
    start = i + 1;
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      default: {
        char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        out->append(esc, sizeof(esc));
      }
    }
  }
  out->append(s.data() + start, s.size() - start);
  out->push_back('"');
}

Status JsonWriter::AppendObject(MsgpackReader& reader, std::string* out) {
  return AppendObjectDepth(reader, out, 0);
}

void JsonWriter::AppendTime(EventTime time, std::string* out) {
  switch (time_format_) {
    case JsonTimeFormat::kUnixSeconds: {
      char buf[32];
      int n = std::snprintf(buf, sizeof(buf), "%u.%09u", time.sec, time.nsec);
      out->append(buf, n);
      return;
    }
    case JsonTimeFormat::kUnixMillis:
      AppendInt(int64_t{time.sec} * 1000 + time.nsec / 1'000'000, out);
      return;
    case JsonTimeFormat::kRfc3339:
    case JsonTimeFormat::kRfc3339Millis:
      break;
  }
  if (time.sec != cached_sec_) {
    time_t t = time.sec;
    struct tm tm;
    gmtime_r(&t, &tm);
    cached_len_ = std::strftime(cached_text_, sizeof(cached_text_), "%Y-%m-%dT%H:%M:%S", &tm);
    cached_sec_ = time.sec;
  }
  char frac[16];
  int n = time_format_ == JsonTimeFormat::kRfc3339Millis
              ? std::snprintf(frac, sizeof(frac), ".%03uZ\"", time.nsec / 1'000'000)
              : std::snprintf(frac, sizeof(frac), ".%09uZ\"", time.nsec);
  out->push_back('"');
  out->append(cached_text_, cached_len_);
  out->append(frac, n);
}

Status JsonWriter::AppendEvent(EventTime time, std::string_view record, std::string* out) {
  const size_t mark = out->size();
  MsgpackReader r(record);
  auto head = r.Next();
  if (!head.has_value() || head->type != MsgType::kMap) {
    return DataLoss("json: record is not a msgpack map");
  }
  out->push_back('{');
  bool first = true;
  if (!time_key_.empty() && !HasKey(record, time_key_)) {
    AppendString(time_key_, out);
    out->push_back(':');
    AppendTime(time, out);
    first = false;
  }
  for (uint32_t i = 0; i < head->count; ++i) {
    if (!first) {
      out->push_back(',');
    }
    first = false;
    auto key = r.Next();
    Status s = key.has_value() ? OkStatus() : key.error();
    if (s.ok() && key->type != MsgType::kStr && key->type != MsgType::kBin) {
      s = DataLoss("json: record key is not a string");
    }
    if (s.ok()) {
      AppendString(key->data, out);
      out->push_back(':');
      s = AppendObjectDepth(r, out, 1);
    }
    if (!s.ok()) {
      out->resize(mark);
      return s;
    }
  }
  out->push_back('}');
  return OkStatus();
}


Status JsonWriter::AppendBatchLines(const Batch& batch, std::string* out) {
  BatchReader reader(batch.data);
  while (!reader.AtEnd()) {
    EventTime time;
    std::string_view record;
    RUNNEL_RETURN_IF_ERROR(reader.Next(&time, &record));
    RUNNEL_RETURN_IF_ERROR(AppendEvent(time, record, out));
    out->push_back('\n');
  }
  return OkStatus();
}

void JsonWriter::AddSchemaFields(Schema& schema) {
  schema
      .Optional("time_key", FieldType::kString, "\"time\"",
                "Key under which the event time is written first in each JSON object; "
                "\"\" leaves the time out.")
      .Enum("time_format", {"rfc3339", "unix", "unix_ms"}, "\"rfc3339\"",
            "How the event time is written: RFC 3339 text with nanoseconds (UTC), "
            "seconds as a decimal number, or integer milliseconds.");
}

JsonWriter JsonWriter::FromConfig(const ConfigNode& config) {
  const std::string& f = config.GetString("time_format");
  JsonTimeFormat format = f == "unix"      ? JsonTimeFormat::kUnixSeconds
                          : f == "unix_ms" ? JsonTimeFormat::kUnixMillis
                                           : JsonTimeFormat::kRfc3339;
  return JsonWriter(config.GetString("time_key"), format);
}

}  // namespace runnel
