// linkerd-proxy's own logs, plain and JSON.
#include "plugins/formats/json_scan.h"
#include "plugins/formats/proxy.h"
#include "plugins/formats/scan_util.h"
#include "runnel/msgpack.h"

namespace runnel::formats {
namespace {

using internal::AddString;
using internal::Cursor;

// "[  0.002172s]": the proxy's uptime in seconds.
bool Uptime(std::string_view text, double* seconds) {
  if (text.size() < 4 || text.front() != '[' || text.back() != ']' ||
      text[text.size() - 2] != 's') {
    return false;
  }
  std::string_view number = text.substr(1, text.size() - 3);
  while (!number.empty() && number.front() == ' ') {
    number.remove_prefix(1);
  }
  return internal::ParseDouble(number, seconds);
}

// A Rust module path followed by ':', e.g. "linkerd_proxy_http::server:".
bool IsTarget(std::string_view word) {
  if (word.size() < 2 || word.back() != ':') {
    return false;
  }
  word.remove_suffix(1);
  for (size_t i = 0; i < word.size(); ++i) {
    const char c = word[i];
    if (c == ':') {
      if (i + 1 >= word.size() || word[i + 1] != ':' || i == 0) {
        return false;
      }
      ++i;
      continue;
    }
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || internal::IsDigit(c) || c == '_')) {
      return false;
    }
  }
  return word.back() != ':';
}

const char* ScanPlain(std::string_view line, std::vector<Field>* fields, EventTime* time) {
  Cursor c{line};
  if (c.Peek() == '[') {
    c.Until(']');
    double uptime = 0;
    if (!c.Consume(']') || !Uptime(line.substr(0, c.pos), &uptime)) {
      return "not a linkerd-proxy log line: no [uptime] or RFC 3339 time at the start";
    }
    fields->push_back(Field{"uptime", Value::Double(uptime)});
  } else if (!internal::Rfc3339(c, false, 0, time)) {
    return "not a linkerd-proxy log line: no [uptime] or RFC 3339 time at the start";
  }
  c.SkipSpaces();
  const std::string_view level = c.Token();
  if (level != "TRACE" && level != "DEBUG" && level != "INFO" && level != "WARN" &&
      level != "ERROR") {
    return "not a linkerd-proxy log line: no level (TRACE, DEBUG, INFO, WARN, ERROR)";
  }
  AddString(fields, "level", level);
  c.SkipSpaces();
  const std::string_view thread = c.Token();
  if (!thread.starts_with("ThreadId(") || !thread.ends_with(")")) {
    return "not a linkerd-proxy log line: no ThreadId(N) after the level";
  }
  AddString(fields, "thread", thread);
  c.SkipSpaces();
  const size_t rest = c.pos;
  while (!c.AtEnd()) {
    const size_t word_start = c.pos;
    const std::string_view word = c.Token();
    if (IsTarget(word)) {
      if (word_start > rest) {
        std::string_view spans = line.substr(rest, word_start - rest);
        while (!spans.empty() && (spans.back() == ' ' || spans.back() == ':')) {
          spans.remove_suffix(1);
        }
        AddString(fields, "spans", spans);
      }
      AddString(fields, "target", word.substr(0, word.size() - 1));
      c.Consume(' ');
      if (!c.AtEnd()) {
        AddString(fields, "message", c.Rest());
      }
      return nullptr;
    }
    c.Consume(' ');
  }
  return "not a linkerd-proxy log line: no target (a module path and ':') after the thread";
}

// The members of the msgpack map `raw` as fields. False when it is not a map of string keys.
bool Flatten(std::string_view raw, std::vector<Field>* fields) {
  MsgpackReader reader(raw);
  Result<uint32_t> n = reader.ReadMapHeader();
  if (!n.has_value()) {
    return false;
  }
  for (uint32_t i = 0; i < *n; ++i) {
    Result<std::string_view> key = reader.ReadStr();
    if (!key.has_value()) {
      return false;
    }
    MsgpackReader probe = reader;
    Result<MsgObject> obj = probe.Next();
    if (!obj.has_value()) {
      return false;
    }
    Value value;
    switch (obj->type) {
      case MsgType::kNil:
        value = Value::Null();
        break;
      case MsgType::kBool:
        value = Value::Bool(obj->boolean);
        break;
      case MsgType::kInt:
        value = Value::Int(obj->i64);
        break;
      case MsgType::kUint:
        value = Value::Uint(obj->u64);
        break;
      case MsgType::kFloat:
        value = Value::Double(obj->f64);
        break;
      case MsgType::kStr:
        value = Value::String(obj->data);
        break;
      default: {
        Result<std::string_view> nested = reader.NextRaw();
        if (!nested.has_value()) {
          return false;
        }
        fields->push_back(Field{*key, Value::Raw(*nested)});
        continue;
      }
    }
    reader = probe;
    fields->push_back(Field{*key, value});
  }
  return true;
}

const char* ScanJson(std::string_view line, Arena& arena, std::vector<Field>* fields,
                     EventTime* time) {
  internal::JsonObjectReader reader(line, arena);
  if (reader.Begin() != nullptr) {
    return "not a linkerd-proxy JSON log line: not a JSON object";
  }
  std::string_view key;
  Value value;
  while (reader.Next(&key, &value)) {
    if (key == "timestamp" && value.kind == Value::Kind::kString) {
      double uptime = 0;
      if (Uptime(value.bytes, &uptime)) {
        fields->push_back(Field{"uptime", Value::Double(uptime)});
      } else if (!internal::Rfc3339Text(value.bytes, time)) {
        return "not a linkerd-proxy JSON log line: timestamp is neither [uptime] nor RFC 3339";
      }
      continue;
    }
    if (key == "fields" && value.kind == Value::Kind::kRaw) {
      if (!Flatten(value.bytes, fields)) {
        return "not a linkerd-proxy JSON log line: \"fields\" is not an object";
      }
      continue;
    }
    fields->push_back(Field{key == "threadId" ? std::string_view("thread") : key, value});
  }
  return reader.error();
}

}  // namespace

const char* ScanLinkerd(std::string_view line, const ScanOptions& options, Arena& arena,
                        std::vector<Field>* fields, EventTime* time) {
  if (!line.empty() && line[0] == '{') {
    return ScanJson(line, arena, fields, time);
  }
  return ScanPlain(line, fields, time);
}

}  // namespace runnel::formats
